import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@saga/launcher';

interface Project {
  readonly name: string;
  readonly kind: 'app' | 'lib';
  readonly dir: string;
  readonly dependencies: string[];
  readonly devDependencies: string[];
  /** Every `@saga/*` package its production source imports. */
  readonly imports: Set<string>;
  /** Every `@saga/*` package its specs and test support (`src/testing/`, outside the build) import. */
  readonly testImports: Set<string>;
}

function projectsIn(kind: 'app' | 'lib'): Project[] {
  const base = join(workspaceRoot, kind === 'app' ? 'apps' : 'libs');
  return readdirSync(base).map((dirName) => {
    const dir = join(base, dirName);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    return {
      name: pkg.name,
      kind,
      dir,
      dependencies: Object.keys(pkg.dependencies ?? {}),
      devDependencies: Object.keys(pkg.devDependencies ?? {}),
      imports: importsOf(join(dir, 'src'), 'production'),
      testImports: importsOf(join(dir, 'src'), 'test'),
    };
  });
}

// Specs and a project's src/testing/ (which its tsconfig leaves out of the build) are test code.
function importsOf(
  dir: string,
  code: 'production' | 'test',
  inTesting = false,
  found = new Set<string>(),
): Set<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) importsOf(path, code, inTesting || entry.name === 'testing', found);
    else if (entry.name.endsWith('.ts')) {
      const isTest = inTesting || entry.name.endsWith('.spec.ts');
      if (isTest !== (code === 'test')) continue;
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

  it('imports in test code only what each project declares, test libraries as dev dependencies', () => {
    for (const project of [...apps, ...libs]) {
      const declared = [...project.dependencies, ...project.devDependencies];
      const undeclared = [...project.testImports].filter((i) => i !== project.name && !declared.includes(i));
      expect({ project: project.name, undeclared }).toEqual({ project: project.name, undeclared: [] });
      expect({ project: project.name, testingInProduction: project.dependencies.includes('@saga/testing') }).toEqual({
        project: project.name,
        testingInProduction: false,
      });
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
