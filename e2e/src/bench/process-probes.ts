import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { RunningSystem } from '@saga/launcher';

/** Clock ticks per second of /proc's CPU times (USER_HZ), read once. */
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** What the benchmark charges CPU to: each app by name, and the servers by their process names. */
export type CpuOwner = string;

/** CPU seconds used so far by each owner's processes (user + system, from /proc/<pid>/stat). */
export type CpuReading = Record<CpuOwner, number>;

/** The server processes whose CPU a saga also costs, by the command names /proc shows for them. */
const serverProcesses: Record<string, readonly string[]> = {
  postgres: ['postgres'],
  rabbitmq: ['beam.smp', 'erl_child_setup', 'inet_gethost'],
};

/** The pids of every process of each app of a running system. */
export function appPids(system: RunningSystem): Record<string, readonly number[]> {
  return Object.fromEntries(
    Object.entries(system.replicas).map(([app, processes]) => [
      app,
      processes.map((p) => p.pid).filter((pid): pid is number => pid !== undefined),
    ]),
  );
}

/**
 * Reads CPU time and memory of the apps (by pid) and of PostgreSQL and RabbitMQ (every process of
 * theirs on this machine, so the benchmark must have the servers to itself while it runs).
 */
export class ProcessProbes {
  private readonly peakRss = new Map<string, number>();
  private sampler: NodeJS.Timeout | undefined;

  /** `apps` gives the pids of each app's processes (its replicas) as they are now. */
  constructor(private readonly apps: () => Record<string, readonly number[]>) {}

  /**
   * CPU seconds per owner so far: every app, `postgres`, `rabbitmq` and `bench` (this process). A
   * process that has exited (a pool closing an idle connection ends its Postgres backend) keeps what it
   * had used when last seen, so readings only grow.
   */
  cpu(): CpuReading {
    this.refresh();
    const reading: CpuReading = Object.fromEntries(
      [...Object.keys(this.apps()), ...Object.keys(serverProcesses)].map((o) => [o, 0]),
    );
    for (const { owner, seconds } of this.seen.values()) reading[owner] = (reading[owner] ?? 0) + seconds;
    return reading;
  }

  // Every process charged to an owner, by pid and start time (a pid may be reused), as last read.
  private readonly seen = new Map<string, { owner: CpuOwner; seconds: number }>();

  private refresh(): void {
    const ownerOf = new Map<number, CpuOwner>([[process.pid, 'bench']]);
    for (const [app, pids] of Object.entries(this.apps())) for (const pid of pids) ownerOf.set(pid, app);
    const serverOwner = new Map(
      Object.entries(serverProcesses).flatMap(([owner, names]) => names.map((n) => [n, owner])),
    );
    for (const pid of allPids()) {
      const stat = readStat(pid);
      const owner = ownerOf.get(pid) ?? (stat && serverOwner.get(stat.comm));
      if (stat && owner) this.seen.set(`${pid}:${stat.startTime}`, { owner, seconds: stat.seconds });
    }
  }

  /** Samples every app's resident memory every `everyMs` until stopSampling(), keeping each one's peak. */
  startSampling(everyMs = 200): void {
    this.peakRss.clear();
    const sample = () => {
      this.refresh();
      for (const [app, pids] of Object.entries(this.apps())) {
        const rss = Math.max(0, ...pids.map((pid) => statusField(pid, 'VmRSS')));
        this.peakRss.set(app, Math.max(this.peakRss.get(app) ?? 0, rss));
      }
    };
    sample();
    this.sampler = setInterval(sample, everyMs);
  }

  /** Stops sampling and returns each app's peak resident memory (its largest replica's) in MiB since startSampling(). */
  stopSampling(): Record<string, number> {
    clearInterval(this.sampler);
    return Object.fromEntries([...this.peakRss].map(([app, kib]) => [app, Math.round(kib / 1024)]));
  }

  /** Each app's resident memory now (its largest replica's), in MiB. */
  rss(): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.apps()).map(([app, pids]) => [
        app,
        Math.round(Math.max(0, ...pids.map((pid) => statusField(pid, 'VmRSS'))) / 1024),
      ]),
    );
  }

  /** Each app's peak resident memory over its whole life (VmHWM, its largest replica's), in MiB. */
  lifetimePeakRss(): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.apps()).map(([app, pids]) => [
        app,
        Math.round(Math.max(0, ...pids.map((pid) => statusField(pid, 'VmHWM'))) / 1024),
      ]),
    );
  }
}

/** The CPU each owner used between two readings, in seconds. */
export function cpuBetween(before: CpuReading, after: CpuReading): CpuReading {
  return Object.fromEntries(Object.keys(after).map((owner) => [owner, after[owner] - (before[owner] ?? 0)]));
}

function readStat(pid: number): { comm: string; seconds: number; startTime: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself contain spaces or parentheses.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // Fields 14, 15 and 22 of /proc/<pid>/stat (utime, stime, starttime); fields[0] here is field 3.
    return { comm, seconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond, startTime: fields[19] };
  } catch {
    return undefined; // The process ended between listing and reading.
  }
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}
