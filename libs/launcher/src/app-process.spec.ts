import { join } from 'node:path';
import { AppLaunchError, AppProcess } from './app-process';

const readyServer = join(__dirname, '__fixtures__', 'ready-server.js');
const exitsAtOnce = join(__dirname, '__fixtures__', 'exits-at-once.js');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function probesOf(url: string): Promise<number> {
  return ((await (await fetch(`${url}/probes`)).json()) as { probes: number }).probes;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('AppProcess', () => {
  const started: AppProcess[] = [];

  function app(entry: string, env: Record<string, string> = {}, readyTimeoutMs = 10_000): AppProcess {
    const created = new AppProcess({ name: 'fixture', entry, env: { PORT: '0', ...env } }, { readyTimeoutMs });
    started.push(created);
    return created;
  }

  afterEach(async () => {
    await Promise.all(started.splice(0).map((a) => a.kill()));
  });

  it('learns the URL from the app’s "listening on" line and resolves once /readyz answers 200', async () => {
    const lines: string[] = [];
    const fixture = new AppProcess(
      { name: 'fixture', entry: readyServer, env: { PORT: '0' } },
      { onLine: (name, line) => lines.push(`${name}: ${line}`) },
    );
    started.push(fixture);

    await fixture.start();

    expect(fixture.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${fixture.url}/readyz`)).status).toBe(200);
    expect(await probesOf(fixture.url)).toBeGreaterThanOrEqual(2);
    expect(lines).toContain(`fixture: fixture listening on ${fixture.url}`);
    expect(fixture.recentOutput).toContain(`fixture listening on ${fixture.url}`);
  });

  it('has no URL before it was started', () => {
    expect(() => app(readyServer).url).toThrow('fixture is not running');
  });

  it('ends the app on the spot with SIGKILL on kill()', async () => {
    const fixture = app(readyServer);
    await fixture.start();
    const pid = fixture.pid!;

    const code = await fixture.kill();

    // A SIGKILLed process has no exit code, and never got the chance to react to SIGTERM.
    expect(code).toBeNull();
    expect(isAlive(pid)).toBe(false);
    expect(fixture.recentOutput).not.toContain('fixture got SIGTERM');
    await expect(fetch(`${fixture.url}/readyz`)).rejects.toThrow();
  });

  it('lets the app exit by itself with SIGTERM on stop()', async () => {
    const fixture = app(readyServer);
    await fixture.start();
    const pid = fixture.pid!;

    expect(await fixture.stop()).toBe(0);
    expect(isAlive(pid)).toBe(false);
  });

  it('does nothing when killed twice', async () => {
    const fixture = app(readyServer);
    await fixture.start();
    await fixture.kill();

    await expect(fixture.kill()).resolves.toBeNull();
  });

  it('brings the app back as a new process on a new port on restart()', async () => {
    const fixture = app(readyServer);
    await fixture.start();
    const before = { pid: fixture.pid!, url: fixture.url };

    await fixture.restart();

    expect(fixture.pid).not.toBe(before.pid);
    expect(isAlive(before.pid)).toBe(false);
    expect(fixture.url).not.toBe(before.url);
    expect((await fetch(`${fixture.url}/readyz`)).status).toBe(200);
    await expect(fetch(`${before.url}/readyz`)).rejects.toThrow();
  });

  it('rejects start() with an AppLaunchError carrying the output of an app that exits at once', async () => {
    const fixture = app(exitsAtOnce);

    const error = await fixture.start().then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(AppLaunchError);
    const launchError = error as AppLaunchError;
    expect(launchError.app).toBe('fixture');
    expect(launchError.message).toMatch(/^fixture did not start: exited with code 1/);
    expect(launchError.recentOutput).toContain('fatal: DATABASE_URL is required');
    expect(launchError.message).toContain('fatal: DATABASE_URL is required');
  });

  it('rejects start() with an AppLaunchError when /readyz never answers 200', async () => {
    const fixture = app(readyServer, { READYZ_STATUS: '503' }, 700);

    await expect(fixture.start()).rejects.toThrow(/^fixture did not start: \/readyz never answered 200/);
  });

  it('stops probing /readyz once start() has given up', async () => {
    const fixture = app(readyServer, { READYZ_STATUS: '503' }, 700);
    await fixture.start().catch(() => undefined);
    const url = fixture.url;

    const afterGivingUp = await probesOf(url);
    await sleep(600);

    expect(await probesOf(url)).toBe(afterGivingUp);
  });
});
