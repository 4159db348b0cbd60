import { join } from 'node:path';
import { AppProcess, freePort, type LaunchOptions } from './app-process';

/** The apps of the system, with the port each listens on by default. */
export const systemApps = {
  'order-api': 3000,
  'inventory-worker': 3001,
  'payment-worker': 3002,
  'cart-worker': 3003,
  'order-saga': 3004,
} as const;
export type SystemApp = keyof typeof systemApps;

/** The apps an app calls over HTTP, by the variable that holds the callee's URL. */
const appLinks: Partial<Record<SystemApp, Readonly<Record<string, SystemApp>>>> = {
  'cart-worker': { INVENTORY_URL: 'inventory-worker' },
};

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
  /** Processes of each app (default 1): competing consumers on the same queues and database. */
  readonly replicas?: number;
}

/** All apps of the system, started together, stopped together. */
export class RunningSystem {
  constructor(
    /** The first process of each app: the one clients talk to over HTTP. */
    readonly apps: Readonly<Record<SystemApp, AppProcess>>,
    /** Every process of each app, the first included. */
    readonly replicas: Readonly<Record<SystemApp, readonly AppProcess[]>>,
  ) {}

  url(app: SystemApp): string {
    return this.apps[app].url;
  }

  /** Graceful stop of every process (SIGTERM), in parallel. */
  async stop(): Promise<void> {
    await Promise.all(Object.values(this.replicas).flatMap((processes) => processes.map((p) => p.stop())));
  }
}

/**
 * Starts every app of the system, in parallel, and resolves once each one is ready. Each app's port is
 * chosen first, so an app that calls another is given its URL (`appLinks`) unless `env` names one.
 */
export async function launchSystem(options: SystemOptions): Promise<RunningSystem> {
  const names = Object.keys(systemApps) as SystemApp[];
  const ports = Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, options.ports === 'any' ? await freePort() : systemApps[name]])),
  ) as Record<SystemApp, number>;
  const host = options.env.HOST ?? '127.0.0.1';
  const linksOf = (name: SystemApp) =>
    Object.fromEntries(
      Object.entries(appLinks[name] ?? {}).map(([variable, callee]) => [variable, `http://${host}:${ports[callee]}`]),
    );
  const replicas = Object.fromEntries(
    names.map((name) => [
      name,
      Array.from(
        { length: options.replicas ?? 1 },
        (_, i) =>
          new AppProcess(
            {
              name: i === 0 ? name : `${name}#${i + 1}`,
              entry: appEntry(name),
              env: { ...linksOf(name), ...options.env, ...options.appEnv?.[name] },
              // Only the first process of an app gets the chosen port; the others any free one.
              port: i === 0 ? ports[name] : undefined,
              nodeArgs: options.nodeArgs?.[name],
            },
            options,
          ),
      ),
    ]),
  ) as Record<SystemApp, AppProcess[]>;
  const processes = names.flatMap((name) => replicas[name]);
  const started = await Promise.allSettled(processes.map((p) => p.start()));
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) {
    await Promise.allSettled(processes.map((p) => p.kill()));
    throw failure.reason;
  }
  const apps = Object.fromEntries(names.map((name) => [name, replicas[name][0]])) as Record<SystemApp, AppProcess>;
  return new RunningSystem(apps, replicas);
}
