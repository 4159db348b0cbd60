import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** How to start one app: its name, its compiled entry, its environment and its port. */
export interface AppProcessSpec {
  readonly name: string;
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
  /** The port the app gets as PORT; a free one is chosen when absent, and kept across restarts. */
  readonly port?: number;
  /** Options for node itself, before the entry (say, `--cpu-prof`, which NODE_OPTIONS refuses). */
  readonly nodeArgs?: readonly string[];
}

/** How to watch an app start: where its output goes, and how long it may take to be ready. */
export interface LaunchOptions {
  /** Every line the app prints, stdout and stderr. */
  readonly onLine?: (app: string, line: string) => void;
  readonly readyTimeoutMs?: number;
}

/** Thrown when an app exits or stays unready while being started. */
export class AppLaunchError extends Error {
  constructor(
    readonly app: string,
    detail: string,
    readonly recentOutput: readonly string[],
  ) {
    super(`${app} did not start: ${detail}\n${recentOutput.slice(-20).join('\n')}`);
    this.name = 'AppLaunchError';
  }
}

/**
 * One app running as a child process, started, killed and restarted as a deployment would: it is
 * given its port and is up once its /readyz answers 200. A restarted app keeps its address.
 */
export class AppProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private readonly output: string[] = [];
  private port: number | undefined;

  constructor(
    readonly spec: AppProcessSpec,
    private readonly options: LaunchOptions = {},
  ) {}

  /** The base URL the app listens on; known once started. */
  get url(): string {
    if (this.port === undefined) throw new Error(`${this.spec.name} was never started`);
    return `http://${this.spec.env.HOST ?? '127.0.0.1'}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines the app printed, for failure reports. */
  get recentOutput(): readonly string[] {
    return this.output;
  }

  /** Starts the app and resolves once its /readyz answers 200; rejects if it exits first. */
  async start(): Promise<void> {
    const { name, entry, env } = this.spec;
    this.port ??= this.spec.port ?? (await freePort());
    const child = spawn(process.execPath, [...(this.spec.nodeArgs ?? []), entry], {
      env: { ...process.env, ...env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const onLine = (line: string) => {
      this.remember(line);
      this.options.onLine?.(name, line);
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);

    let exited = false;
    const died = this.exited.then((code) => {
      exited = true;
      throw new AppLaunchError(name, `exited with code ${code}`, this.output);
    });
    const ready = this.untilReady(() => exited);
    const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
    await withTimeout(Promise.race([ready, died]), timeoutMs, () => {
      exited = true;
      return new AppLaunchError(name, `/readyz did not answer 200 within ${timeoutMs} ms`, this.output);
    });
  }

  /** SIGTERM: the app finishes in-flight work and exits by itself. */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    return this.signal('SIGTERM', timeoutMs);
  }

  /** SIGKILL: the app dies on the spot, as in a crash. */
  async kill(): Promise<number | null> {
    return this.signal('SIGKILL', 10_000);
  }

  /** Kills the app and starts it again. */
  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  private async signal(signal: NodeJS.Signals, timeoutMs: number): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    child.kill(signal);
    const code = await withTimeout(
      this.exited,
      timeoutMs,
      () => new Error(`${this.spec.name} ignored ${signal}`),
    ).catch(async (error: unknown) => {
      child.kill('SIGKILL');
      await this.exited;
      throw error;
    });
    this.child = undefined;
    return code;
  }

  private async untilReady(givenUp: () => boolean): Promise<void> {
    while (!givenUp()) {
      try {
        const response = await fetch(`${this.url}/readyz`);
        if (response.ok) return;
      } catch {
        // Not accepting connections yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private remember(line: string): void {
    this.output.push(line);
    if (this.output.length > 200) this.output.shift();
  }
}

/** A port nobody listens on right now, from the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
