import { problemTitle } from './problem-pages';

/**
 * An error an HTTP route means to show the caller, rendered as application/problem+json (RFC 9457).
 * Every other error becomes a 500 whose details stay in the log.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  private answerHeaders: Readonly<Record<string, string>> = {};

  /** Headers the answer carries besides the problem (Retry-After, WWW-Authenticate). */
  get headers(): Readonly<Record<string, string>> {
    return this.answerHeaders;
  }

  /** The same problem, answered with these headers too. */
  withHeaders(headers: Readonly<Record<string, string>>): HttpProblem {
    const problem = new HttpProblem(this.status, this.title, this.detail, this.extensions);
    problem.answerHeaders = { ...this.answerHeaders, ...headers };
    return problem;
  }

  /** A problem of this status with the title its page gives it. */
  static of(status: number, detail: string, extensions?: Record<string, unknown>): HttpProblem {
    return new HttpProblem(status, problemTitle(status), detail, extensions);
  }

  static notFound(detail: string): HttpProblem {
    return HttpProblem.of(404, detail);
  }

  static conflict(detail: string, extensions?: Record<string, unknown>): HttpProblem {
    return HttpProblem.of(409, detail, extensions);
  }

  static badRequest(detail: string, extensions?: Record<string, unknown>): HttpProblem {
    return HttpProblem.of(400, detail, extensions);
  }

  /** 429 with Retry-After: the caller may try again in `retryAfterSeconds`. */
  static tooManyRequests(detail: string, retryAfterSeconds: number): HttpProblem {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    return HttpProblem.of(429, detail, { retryAfterSeconds: seconds }).withHeaders({ 'retry-after': String(seconds) });
  }

  static unprocessable(detail: string, extensions?: Record<string, unknown>): HttpProblem {
    return HttpProblem.of(422, detail, extensions);
  }
}

/** The problem type URI for a status: one page per kind of problem, GET /problems/:status on every app. */
export function problemType(status: number): string {
  return `/problems/${status}`;
}
