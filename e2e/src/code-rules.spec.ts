import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import ts from 'typescript';
import { BrokerHeader, FailureHeader, MessageHeader } from '@saga/contracts';
import { workspaceRoot } from '@saga/launcher';

// Rules of the code base that a reviewer would otherwise have to remember, checked on every run.

const sources = execFileSync('git', ['ls-files', '*.ts'], { cwd: workspaceRoot, encoding: 'utf8' })
  .split('\n')
  .filter((path) => /^(apps|libs|e2e)\//.test(path));

function parsed(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(join(workspaceRoot, path), 'utf8'), ts.ScriptTarget.Latest, true);
}

function findAll(source: ts.SourceFile, test: (node: ts.Node) => boolean): ts.Node[] {
  const found: ts.Node[] = [];
  const visit = (node: ts.Node) => {
    if (test(node)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function where(source: ts.SourceFile, node: ts.Node): string {
  return `${source.fileName}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
}

describe('the code', () => {
  it('has no function that takes more than four positional parameters', () => {
    const tooMany = sources.flatMap((path) => {
      const source = parsed(path);
      return findAll(source, (node) => ts.isFunctionLike(node) && node.parameters.length > 4).map((node) =>
        where(source, node),
      );
    });
    expect(tooMany).toEqual([]);
  });

  it('writes no header name as a literal outside contracts, in production code', () => {
    const names = new Set<string>([
      ...Object.values(MessageHeader),
      ...Object.values(FailureHeader),
      ...Object.values(BrokerHeader),
    ]);
    const literals = sources
      .filter((path) => !path.startsWith('libs/contracts/') && !path.endsWith('.spec.ts'))
      .flatMap((path) => {
        const source = parsed(path);
        return findAll(source, (node) => ts.isStringLiteralLike(node) && names.has(node.text)).map((node) =>
          where(source, node),
        );
      });
    expect(literals).toEqual([]);
  });
});
