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

  /** CPU seconds per owner: every app, `postgres`, `rabbitmq` and `bench` (this process). */
  cpu(): CpuReading {
    const reading: CpuReading = {};
    for (const [app, pids] of Object.entries(this.apps())) {
      reading[app] = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    }
    const byName = new Map<string, number>();
    for (const pid of allPids()) {
      const stat = readStat(pid);
      if (stat) byName.set(stat.comm, (byName.get(stat.comm) ?? 0) + stat.seconds);
    }
    for (const [owner, names] of Object.entries(serverProcesses)) {
      reading[owner] = names.reduce((sum, name) => sum + (byName.get(name) ?? 0), 0);
    }
    reading.bench = cpuSeconds(process.pid);
    return reading;
  }

  /** Samples every app's resident memory every `everyMs` until stopSampling(), keeping each one's peak. */
  startSampling(everyMs = 200): void {
    this.peakRss.clear();
    const sample = () => {
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

function cpuSeconds(pid: number): number {
  return readStat(pid)?.seconds ?? 0;
}

function readStat(pid: number): { comm: string; seconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself contain spaces or parentheses.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // Fields 14 and 15 of /proc/<pid>/stat (utime, stime); fields[0] here is field 3.
    return { comm, seconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond };
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
