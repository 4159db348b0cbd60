import { join } from 'node:path';
import { AppProcess, type LaunchOptions } from './app-process';

/** The apps of the system, with the port each listens on by default. */
export const systemApps = {
  'order-api': 3000,
  'inventory-worker': 3001,
  'payment-worker': 3002,
  'cart-worker': 3003,
  'order-saga': 3004,
} as const;
export type SystemApp = keyof typeof systemApps;

/** The workspace root, from wherever this lib runs (its source or its dist). */
export const workspaceRoot = join(__dirname, '..', '..', '..');

/** Path of an app's compiled entry point (`npm run build` makes it). */
export function appEntry(app: SystemApp, file = 'main.js'): string {
  return join(workspaceRoot, 'apps', app, 'dist', file);
}

export interface SystemOptions extends LaunchOptions {
  /** Environment every app gets: DATABASE_URL, AMQP_URL, NAMESPACE, LOG_LEVEL, ... */
  readonly env: Readonly<Record<string, string>>;
  /** `default` uses each app's usual port; `any` lets each pick a free one (for tests). */
  readonly ports: 'default' | 'any';
  /** Variables for one app only, over `env` (say, a database of its own). */
  readonly appEnv?: Partial<Readonly<Record<SystemApp, Readonly<Record<string, string>>>>>;
  /** Options for node itself, per app (say, a CPU profiler). */
  readonly nodeArgs?: Partial<Readonly<Record<SystemApp, readonly string[]>>>;
}

/** All apps of the system, started together, stopped together. */
export class RunningSystem {
  constructor(readonly apps: Readonly<Record<SystemApp, AppProcess>>) {}

  url(app: SystemApp): string {
    return this.apps[app].url;
  }

  /** Graceful stop of every app (SIGTERM), in parallel. */
  async stop(): Promise<void> {
    await Promise.all(Object.values(this.apps).map((app) => app.stop()));
  }
}

/** Starts every app of the system and resolves once each one is ready. */
export async function launchSystem(options: SystemOptions): Promise<RunningSystem> {
  const names = Object.keys(systemApps) as SystemApp[];
  const apps = Object.fromEntries(
    names.map((name) => [
      name,
      new AppProcess(
        {
          name,
          entry: appEntry(name),
          env: { ...options.env, ...options.appEnv?.[name] },
          port: options.ports === 'any' ? undefined : systemApps[name],
          nodeArgs: options.nodeArgs?.[name],
        },
        options,
      ),
    ]),
  ) as Record<SystemApp, AppProcess>;
  const started = await Promise.allSettled(names.map((name) => apps[name].start()));
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) {
    await Promise.allSettled(names.map((name) => apps[name].kill()));
    throw failure.reason;
  }
  return new RunningSystem(apps);
}
