import { CliError, ExitCode } from '../errors';

/** How a server's answer becomes an exit code: 404 not found, 409 refused, 400 usage, anything else an error. */
function exitCodeOf(status: number): ExitCode {
  if (status === 404) return ExitCode.NotFound;
  if (status === 409) return ExitCode.Refused;
  if (status === 400 || status === 422) return ExitCode.Usage;
  return ExitCode.Error;
}

/** A JSON HTTP API, with a bearer token or basic auth in the URL; errors become CliErrors. */
export class HttpClient {
  constructor(
    readonly name: string,
    private readonly baseUrl: URL,
    private readonly token?: string,
  ) {}

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    const qs = search.toString();
    return this.request<T>('GET', qs ? `${path}?${qs}` : path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(
      path.replace(/^\//, ''),
      this.baseUrl.href.endsWith('/') ? this.baseUrl : `${this.baseUrl.href}/`,
    );
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (url.username) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new CliError(`cannot reach ${this.name} at ${this.baseUrl.origin}: ${cause}`, ExitCode.Error);
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok)
      throw new CliError(`${this.name}: ${problemText(response.status, parsed, text)}`, exitCodeOf(response.status));
    return parsed as T;
  }
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    return text;
  }
}

// A problem+json answer says what went wrong in `detail` (and, for a refusal, `reason`).
function problemText(status: number, body: unknown, text: string): string {
  if (typeof body === 'object' && body !== null) {
    const problem = body as { detail?: unknown; title?: unknown };
    if (status === 401)
      return `${String(problem.detail ?? 'not authenticated')} (set SAGA_TOKEN to an operator's token)`;
    if (problem.detail !== undefined) return String(problem.detail);
    if (problem.title !== undefined) return String(problem.title);
  }
  return `${status} ${text.slice(0, 200)}`;
}
