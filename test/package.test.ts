// The published package: what the tarball holds (no source maps, one .wasm, no inlined kernels
// where the .wasm file is loaded, declarations of the public API only), and publint and
// @arethetypeswrong/cli clean on it (ESM only: node10 and require() resolution are not supported;
// the README says so).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = (name: string): string => resolve('node_modules/.bin', name);

describe('the published package', () => {
  it('the tarball holds one .wasm, no source maps and no declarations of the CLI or the audit', () => {
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' }));
    const files: string[] = pack.files.map((f: { path: string }) => f.path);
    expect(files.filter((f) => f.endsWith('.wasm'))).toEqual(['dist/untrain_als.wasm']);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => /^dist\/types\/(cli|audit)/.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('build/') || f.startsWith('src/'))).toEqual([]);
    // every chunk the entries import is in the tarball, and no stale one from an earlier build
    const entries = ['dist/index.node.js', 'dist/node.js', 'dist/cli.js'];
    const imported = new Set(entries.flatMap((e) => [...readFileSync(resolve(e), 'utf8').matchAll(/from '\.\/(chunks\/[^']+)'/g)].map((m) => `dist/${m[1]}`)));
    expect(files.filter((f) => f.startsWith('dist/chunks/')).sort()).toEqual([...imported].sort());
    expect(pack.size).toBeLessThan(400_000);
  });

  it('publint --strict finds nothing', () => {
    const r = spawnSync(bin('publint'), ['--strict'], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/All good!/);
  }, 60_000);

  it('@arethetypeswrong/cli (profile esm-only) finds no problem', () => {
    const r = spawnSync(bin('attw'), ['--pack', '.', '--profile', 'esm-only', '--format', 'json'], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const problems = (report.analysis?.problems ?? []).filter((p: { resolutionKind?: string }) => !['node10', 'node16-cjs'].includes(p.resolutionKind ?? ''));
    expect(problems).toEqual([]);
  }, 60_000);
});
