import { createServer, type Server } from 'node:net';
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

/** A port that was free a moment ago, for a spec that names the app's port itself. */
async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('AppProcess', () => {
  const started: AppProcess[] = [];

  function app(
    entry: string,
    options: { env?: Record<string, string>; port?: number; readyTimeoutMs?: number } = {},
  ): AppProcess {
    const created = new AppProcess(
      { name: 'fixture', entry, env: options.env ?? {}, port: options.port },
      { readyTimeoutMs: options.readyTimeoutMs ?? 10_000 },
    );
    started.push(created);
    return created;
  }

  afterEach(async () => {
    await Promise.all(started.splice(0).map((a) => a.kill()));
  });

  it('gives the app a free port and resolves once its /readyz answers 200', async () => {
    const lines: string[] = [];
    const fixture = new AppProcess(
      { name: 'fixture', entry: readyServer, env: {} },
      { onLine: (name, line) => lines.push(`${name}: ${line}`) },
    );
    started.push(fixture);

    await fixture.start();

    expect(fixture.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await probesOf(fixture.url)).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${fixture.url}/readyz`)).status).toBe(200);
    expect(lines).toContain(`fixture: fixture listening on ${fixture.url}`);
    expect(fixture.recentOutput).toContain(`fixture listening on ${fixture.url}`);
  });

  it('starts the app on the port its spec names', async () => {
    const port = await freePort();
    const fixture = app(readyServer, { port });

    await fixture.start();

    expect(fixture.url).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  });

  it('has no URL before it was started', () => {
    expect(() => app(readyServer).url).toThrow('fixture was never started');
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

  it('brings the app back as a new process at the same address on restart()', async () => {
    const fixture = app(readyServer);
    await fixture.start();
    const before = { pid: fixture.pid!, url: fixture.url };

    await fixture.restart();

    expect(fixture.pid).not.toBe(before.pid);
    expect(isAlive(before.pid)).toBe(false);
    expect(fixture.url).toBe(before.url);
    // A fresh process: its probe count started again from zero.
    expect(await probesOf(fixture.url)).toBeLessThanOrEqual(2);
    expect((await fetch(`${fixture.url}/readyz`)).status).toBe(200);
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
    const fixture = app(readyServer, { env: { READYZ_STATUS: '503' }, readyTimeoutMs: 700 });

    await expect(fixture.start()).rejects.toThrow(/^fixture did not start: \/readyz did not answer 200 within 700 ms/);
  });

  it('stops probing /readyz once start() has given up', async () => {
    const fixture = app(readyServer, { env: { READYZ_STATUS: '503' }, readyTimeoutMs: 700 });
    await fixture.start().catch(() => undefined);
    // A probe already in flight when start() gave up may still land.
    await sleep(150);

    const afterGivingUp = await probesOf(fixture.url);
    await sleep(600);

    expect(await probesOf(fixture.url)).toBe(afterGivingUp);
  });
});
