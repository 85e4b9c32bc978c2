// The core must run in browsers and edge workers: nothing outside src/node/ and src/cli/ may
// import Node modules or touch `process`, and the built library bundle must not either.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const NODE_ONLY = /(^|\/)(node|cli)(\/|\.ts$)/;

describe('portability of the core', () => {
  it('no core source file imports node: modules or uses process', () => {
    const core = walk(join(ROOT, 'src')).filter((p) => p.endsWith('.ts') && !NODE_ONLY.test(relative(join(ROOT, 'src'), p)));
    expect(core.length).toBeGreaterThan(10);
    const offenders = core.filter((p) => {
      const text = readFileSync(p, 'utf8');
      return /from ['"](node:|fs|path|os|zlib|worker_threads)/.test(text) || /\bprocess\./.test(text) || /\bBuffer\./.test(text);
    });
    expect(offenders.map((p) => relative(ROOT, p))).toEqual([]);
  });

  it('the built library bundle (dist/index.js) has no Node import', () => {
    const bundle = readFileSync(join(ROOT, 'dist/index.js'), 'utf8');
    expect(bundle).not.toMatch(/from ['"]node:/);
    expect(bundle).not.toMatch(/require\(/);
  });
});
