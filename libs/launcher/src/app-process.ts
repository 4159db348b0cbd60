import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How to start one app: its name, its compiled entry and its environment. */
export interface AppProcessSpec {
  readonly name: string;
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
}

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

const listeningLine = /listening on (http:\/\/[^\s"]+)/;

/**
 * One app running as a child process. It is started, killed and restarted like a real deployment
 * would: the URL comes from the app's own "listening on" line and readiness from its /readyz.
 */
export class AppProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private readonly output: string[] = [];
  private currentUrl: string | undefined;

  constructor(
    readonly spec: AppProcessSpec,
    private readonly options: LaunchOptions = {},
  ) {}

  /** The base URL the app listens on; known once started. */
  get url(): string {
    if (!this.currentUrl) throw new Error(`${this.spec.name} is not running`);
    return this.currentUrl;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines the app printed, for failure reports. */
  get recentOutput(): readonly string[] {
    return this.output;
  }

  /** Starts the app and resolves once it listens and its /readyz answers 200. */
  async start(): Promise<void> {
    const { name, entry, env } = this.spec;
    const child = spawn(process.execPath, [entry], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.currentUrl = undefined;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));

    const listening = new Promise<string>((resolve, reject) => {
      const onLine = (line: string) => {
        this.remember(line);
        this.options.onLine?.(name, line);
        const match = listeningLine.exec(line);
        if (match) resolve(match[1]);
      };
      createInterface({ input: child.stdout! }).on('line', onLine);
      createInterface({ input: child.stderr! }).on('line', onLine);
      void this.exited.then((code) => reject(new AppLaunchError(name, `exited with code ${code}`, this.output)));
    });
    const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
    this.currentUrl = await withTimeout(listening, timeoutMs, () => new AppLaunchError(name, 'no "listening on" line', this.output));
    await withTimeout(this.untilReady(), timeoutMs, () => new AppLaunchError(name, '/readyz never answered 200', this.output));
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
    const code = await withTimeout(this.exited, timeoutMs, () => new Error(`${this.spec.name} ignored ${signal}`)).catch(
      async (error: unknown) => {
        child.kill('SIGKILL');
        await this.exited;
        throw error;
      },
    );
    this.child = undefined;
    return code;
  }

  private async untilReady(): Promise<void> {
    for (;;) {
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

function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
