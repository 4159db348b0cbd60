import { join } from 'node:path';
import { AppProcess, freePort, type AppProcessSpec, type LaunchOptions } from './app-process';

/** The apps of the system, with the port each serves HTTP on by default. */
export const systemApps = {
  'order-api': 3000,
  'inventory-worker': 3001,
  'payment-worker': 3002,
  'cart-worker': 3003,
  'order-saga': 3004,
  'notification-worker': 3005,
  'mail-sink': 8025,
} as const;
/** The name of one app of the system. */
export type SystemApp = keyof typeof systemApps;

/** The ports an app listens on besides its HTTP one: the variable that gives it each, and its default. */
export const otherPorts = {
  'mail-sink': { SMTP_PORT: 1025 },
} as const satisfies Partial<Record<SystemApp, Readonly<Record<string, number>>>>;

/** The variable an app is given a port in: PORT (its HTTP port), or one of its `otherPorts`. */
export type PortVariable<A extends SystemApp> =
  'PORT' | (A extends keyof typeof otherPorts ? keyof (typeof otherPorts)[A] : never);

/** Another app one app talks to: which, on which of its ports (PORT unless named), over which protocol. */
type AppLink = {
  [A in SystemApp]: { readonly app: A; readonly port?: PortVariable<A>; readonly scheme: 'http' | 'smtp' };
}[SystemApp];

/** The apps an app talks to, by the variable that holds the callee's URL. */
const appLinks: Partial<Record<SystemApp, Readonly<Record<string, AppLink>>>> = {
  'cart-worker': { INVENTORY_URL: { app: 'inventory-worker', scheme: 'http' } },
  'notification-worker': {
    SMTP_URL: { app: 'mail-sink', port: 'SMTP_PORT', scheme: 'smtp' },
    MAIL_SINK_URL: { app: 'mail-sink', scheme: 'http' },
    // Only written into e-mails (the shop's pages, the restock link), never called.
    SHOP_URL: { app: 'order-api', scheme: 'http' },
    INVENTORY_URL: { app: 'inventory-worker', scheme: 'http' },
  },
};

/**
 * Apps that run as one process whatever `replicas` says, ready before the others start: the sink keeps
 * what it received in its memory on one SMTP port (a second process would split it, and could not
 * listen there), and the first e-mail should find it listening rather than wait for a retry.
 */
const startedAlone: ReadonlySet<SystemApp> = new Set(['mail-sink']);

/** Every port of every app, by the variable the app is given it in (PORT and its `otherPorts`). */
export type SystemPorts = Readonly<Record<SystemApp, Readonly<Record<string, number>>>>;

function otherPortsOf(app: SystemApp): Readonly<Record<string, number>> {
  return (otherPorts as Partial<Record<SystemApp, Readonly<Record<string, number>>>>)[app] ?? {};
}

/** The workspace root, from wherever this lib runs (its source or its dist). */
export const workspaceRoot = join(__dirname, '..', '..', '..');

/** Path of an app's compiled entry point (`npm run build` makes it). */
export function appEntry(app: SystemApp, file = 'main.js'): string {
  return join(workspaceRoot, 'apps', app, 'dist', file);
}

/** How to start the system: every app's environment, which ports, how many processes of each. */
export interface SystemOptions extends LaunchOptions {
  /** Environment every app gets: DATABASE_URL, AMQP_URL, NAMESPACE, LOG_LEVEL, ... (an app ignores what it does not read). */
  readonly env: Readonly<Record<string, string>>;
  /** `default` uses each app's usual ports; `any` lets each pick free ones (for tests). */
  readonly ports: 'default' | 'any';
  /** Variables for one app only, over `env` (say, a database of its own). */
  readonly appEnv?: Partial<Readonly<Record<SystemApp, Readonly<Record<string, string>>>>>;
  /** Options for node itself, per app (say, a CPU profiler). */
  readonly nodeArgs?: Partial<Readonly<Record<SystemApp, readonly string[]>>>;
  /** Processes of each app (default 1): competing consumers on the same queues and database. The mail sink runs once. */
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

  /** The HTTP base URL of an app (of its first process). */
  url(app: SystemApp): string {
    return this.apps[app].url;
  }

  /** Where the apps send e-mail: the mail sink's SMTP server, as `smtp://host:port`. */
  get smtpUrl(): string {
    const { env } = this.apps['mail-sink'].spec;
    return `smtp://${env.HOST ?? '127.0.0.1'}:${env.SMTP_PORT}`;
  }

  /** Graceful stop of every process (SIGTERM), in parallel. */
  async stop(): Promise<void> {
    await Promise.all(Object.values(this.replicas).flatMap((processes) => processes.map((p) => p.stop())));
  }
}

/** Every app's ports: the usual ones, or free ones from the kernel, no two the same. */
export async function systemPorts(mode: SystemOptions['ports']): Promise<SystemPorts> {
  const taken = new Set<number>();
  // The kernel may hand out a port it gave a moment ago, once that probe closed: ask again then.
  const pick = async (usual: number): Promise<number> => {
    if (mode === 'default') return usual;
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    return port;
  };
  const ports: Partial<Record<SystemApp, Record<string, number>>> = {};
  for (const name of Object.keys(systemApps) as SystemApp[]) {
    const own: Record<string, number> = { PORT: await pick(systemApps[name]) };
    for (const [variable, usual] of Object.entries(otherPortsOf(name))) own[variable] = await pick(usual);
    ports[name] = own;
  }
  return ports as SystemPorts;
}

/**
 * What each process of the system is started as, given every app's ports: an app that talks to another
 * is given its URL (`appLinks`) unless `env` names one, and its own other ports (say, SMTP_PORT), which
 * nothing overrides, as nothing overrides PORT.
 */
export function systemSpecs(options: SystemOptions, ports: SystemPorts): Record<SystemApp, AppProcessSpec[]> {
  const host = options.env.HOST ?? '127.0.0.1';
  const portOf = (link: AppLink): number => ports[link.app][link.port ?? 'PORT'];
  const linksOf = (name: SystemApp) =>
    Object.fromEntries(
      Object.entries(appLinks[name] ?? {}).map(([variable, link]) => [
        variable,
        `${link.scheme}://${host}:${portOf(link)}`,
      ]),
    );
  const names = Object.keys(systemApps) as SystemApp[];
  return Object.fromEntries(
    names.map((name) => {
      const { PORT, ...ownOtherPorts } = ports[name];
      const env = {
        ...linksOf(name),
        ...options.env,
        ...options.appEnv?.[name],
        ...Object.fromEntries(Object.entries(ownOtherPorts).map(([variable, port]) => [variable, String(port)])),
      };
      const count = startedAlone.has(name) ? 1 : (options.replicas ?? 1);
      return [
        name,
        Array.from({ length: count }, (_, i) => ({
          name: i === 0 ? name : `${name}#${i + 1}`,
          entry: appEntry(name),
          env,
          // Only the first process of an app gets the chosen port; the others any free one.
          port: i === 0 ? PORT : undefined,
          nodeArgs: options.nodeArgs?.[name],
        })),
      ];
    }),
  ) as Record<SystemApp, AppProcessSpec[]>;
}

/**
 * Starts every app of the system and resolves once each one is ready: the mail sink first, then the
 * others in parallel. Each app's ports are chosen first, so an app that talks to another is given its
 * URL. If any app fails to start, every one started is killed and the failure is thrown.
 */
export async function launchSystem(options: SystemOptions): Promise<RunningSystem> {
  const specs = systemSpecs(options, await systemPorts(options.ports));
  const names = Object.keys(specs) as SystemApp[];
  const replicas = Object.fromEntries(
    names.map((name) => [name, specs[name].map((spec) => new AppProcess(spec, options))]),
  ) as Record<SystemApp, AppProcess[]>;
  const processes = names.flatMap((name) => replicas[name]);
  const waves = [names.filter((n) => startedAlone.has(n)), names.filter((n) => !startedAlone.has(n))];
  for (const wave of waves) {
    const started = await Promise.allSettled(wave.flatMap((name) => replicas[name]).map((p) => p.start()));
    const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) {
      await Promise.allSettled(processes.map((p) => p.kill()));
      throw failure.reason;
    }
  }
  const apps = Object.fromEntries(names.map((name) => [name, replicas[name][0]])) as Record<SystemApp, AppProcess>;
  return new RunningSystem(apps, replicas);
}
