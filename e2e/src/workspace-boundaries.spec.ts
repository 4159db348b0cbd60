import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@saga/launcher';

interface Project {
  readonly name: string;
  readonly kind: 'app' | 'lib';
  readonly dir: string;
  readonly dependencies: string[];
  /** Every `@saga/*` package its source imports. */
  readonly imports: Set<string>;
}

function projectsIn(kind: 'app' | 'lib'): Project[] {
  const base = join(workspaceRoot, kind === 'app' ? 'apps' : 'libs');
  return readdirSync(base).map((dirName) => {
    const dir = join(base, dirName);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
    };
    return {
      name: pkg.name,
      kind,
      dir,
      dependencies: Object.keys(pkg.dependencies ?? {}),
      imports: importsOf(join(dir, 'src')),
    };
  });
}

function importsOf(dir: string, found = new Set<string>()): Set<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) importsOf(path, found);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
      for (const match of readFileSync(path, 'utf8').matchAll(/from '(@saga\/[a-z-]+)'/g)) found.add(match[1]);
    }
  }
  return found;
}

const apps = projectsIn('app');
const libs = projectsIn('lib');
const appNames = new Set(apps.map((a) => a.name));
const lib = (name: string) => libs.find((l) => l.name === `@saga/${name}`)!;

describe('the workspace', () => {
  it('has apps that depend on libs only', () => {
    for (const app of apps) {
      expect({ app: app.name, on: app.dependencies.filter((d) => appNames.has(d)) }).toEqual({ app: app.name, on: [] });
    }
  });

  it('has libs that never depend on an app', () => {
    for (const l of libs) {
      const onApps = [...l.dependencies, ...l.imports].filter((d) => appNames.has(d));
      expect({ lib: l.name, on: onApps }).toEqual({ lib: l.name, on: [] });
    }
  });

  it('imports in production code only what each project declares', () => {
    for (const project of [...apps, ...libs]) {
      const undeclared = [...project.imports].filter((i) => i !== project.name && !project.dependencies.includes(i));
      expect({ project: project.name, undeclared }).toEqual({ project: project.name, undeclared: [] });
    }
  });

  it('keeps contracts free of every dependency but zod', () => {
    expect(lib('contracts').dependencies).toEqual(['zod']);
  });

  it('keeps messaging, persistence and observability ignorant of sagas', () => {
    for (const name of ['messaging', 'persistence', 'observability']) {
      expect([...lib(name).imports, ...lib(name).dependencies]).not.toContain('@saga/saga');
    }
  });
});
