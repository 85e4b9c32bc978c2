// Loose edges of the CLI and the API, tidied (issue 12): -h everywhere, one-line errors for negative
// numbers and empty values, agreeing iteration rules, one notFound shape, unknown option keys, NaN
// shown as NaN, K validated, and the charting packages needed by `experiment` alone.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALS } from '../src/model/als.js';
import { OptionError } from '../src/model/options.js';
import { randomData, runCli } from './helpers.js';
import { MAIN_HELP } from '../src/cli/main.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uals-edges-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CLI edges', () => {
  it('-h works for every command', async () => {
    const commands = MAIN_HELP.split('\n').filter((l) => /^ {2}[a-z]+ {2,}/.test(l)).map((l) => l.trim().split(/\s+/)[0]);
    expect(commands.length).toBeGreaterThanOrEqual(10);
    for (const c of commands) {
      const r = await runCli([c, '-h']);
      expect(r.code, c).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Usage: untrain-als ${c}`));
    }
  });

  it('negative numbers and empty values give one-line usage errors; train and retrain agree on 0 iterations', async () => {
    const neg = await runCli(['recommend', '--model', 'm.uals', '--user', '1', '-n', '-5']);
    expect(neg.code).toBe(2);
    expect(neg.stderr.trim().split('\n')).toHaveLength(1);
    expect(neg.stderr).toMatch(/--n "-5": expected an integer ≥ 1/);
    const empty = await runCli(['train', '--out', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--out "": expected a value/);
    const zero = await runCli(['train', '--iterations', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--iterations "0": expected an integer ≥ 1/);
    const rzero = await runCli(['retrain', '--model', 'm.uals', '--iterations', '0']);
    expect(rzero.code).toBe(2);
    expect(rzero.stderr).toMatch(/--iterations "0": expected an integer ≥ 1/);
  });

  it('retrain reports notFound as the same list as forget, and the iteration it saves', async () => {
    const m = join(dir, 'm.uals');
    expect((await runCli(['train', '--factors', '4', '--iterations', '5', '--tol', '0', '--out', m])).code).toBe(0);
    const pairs = join(dir, 'p.csv');
    await import('node:fs/promises').then((fs) => fs.writeFile(pairs, 'user,item\nnobody,1\n'));
    const f = JSON.parse((await runCli(['forget', '--model', m, '--pairs', pairs, '--dry-run', '--json'])).stdout);
    const r = JSON.parse((await runCli(['retrain', '--model', m, '--pairs', pairs, '--iterations', '3', '--tol', '0', '--json'])).stdout);
    expect(r.notFound).toEqual(f.notFound);
    expect(r.notFound).toEqual([{ user: 'nobody', item: '1', reason: 'unknown user' }]);
    expect(r.keptIteration).toBe(3);
  });

  it('experiment checks its --out folder before any work, and refuses a repeated fraction', async () => {
    const file = join(dir, 'afile');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, 'x'));
    const t0 = Date.now();
    const bad = await runCli(['experiment', '--runs', '1', '--fractions', '0.1', '--out', join(file, 'sub')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--out ".*sub": cannot write there/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    // /proc refuses new entries with ENOENT, where Node's recursive mkdir loops forever
    const proc = await runCli(['experiment', '--runs', '1', '--fractions', '0.1', '--out', '/proc/untrain-als-test/sub']);
    expect(proc.code).toBe(2);
    expect(proc.stderr).toMatch(/--out "\/proc\/untrain-als-test\/sub": cannot write there \(ENOENT\)/);
    const rep = await runCli(['experiment', '--fractions', '0.1,0.1']);
    expect(rep.code).toBe(2);
    expect(rep.stderr).toMatch(/0\.1 is given twice/);
  });

  it('only experiment needs the charting packages: no bundle imports vega at load time', () => {
    for (const f of ['cli.js', 'index.js', 'index.node.js', 'node.js', 'index.worker.js']) {
      const src = readFileSync(join('dist', f), 'utf8');
      expect(src, f).not.toMatch(/^import .* from ["']vega(-lite)?["']/m);
    }
    expect(readFileSync('dist/cli.js', 'utf8')).toMatch(/import\(['"]vega['"]\)/);
  });
});

describe('API edges', () => {
  it('an unknown option key is an OptionError naming the closest valid key; NaN is shown as NaN; K is validated', async () => {
    await expect(ALS.create({ factor: 8 } as never)).rejects.toThrow(OptionError);
    await expect(ALS.create({ factor: 8 } as never)).rejects.toThrow(/invalid factor: 8; expected a known option: not "factor" but perhaps "factors"/);
    await expect(ALS.create({ regularization: Number.NaN })).rejects.toThrow(/invalid regularization: NaN/);
    const m = await ALS.create({ factors: 2, iterations: 2, tol: 0, backend: 'js' });
    const data = randomData(10, 8, 3, 1);
    await m.fit(data);
    expect(() => m.rankingMetrics(-1, data.train)).toThrow(/invalid K: -1; expected an integer ≥ 1/);
    expect(() => m.rankingMetrics(0, data.train)).toThrow(OptionError);
    expect(m.rankingMetrics(2, data.train).users).toBeGreaterThan(0);
    m.dispose();
  });
});

describe('save errors name the user\'s path', () => {
  it('a missing folder and a folder as the target are said of --out, not of a temp file', async () => {
    const missing = await runCli(['train', '--factors', '2', '--iterations', '1', '--tol', '0', '--out', join(dir, 'nope', 'm.uals')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(new RegExp(`cannot write ${join(dir, 'nope', 'm.uals').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no such folder \\(ENOENT\\)`));
    expect(missing.stderr).not.toMatch(/\.tmp/);
    const folder = await runCli(['train', '--factors', '2', '--iterations', '1', '--tol', '0', '--out', dir]);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toMatch(/cannot write .*: is a folder \(EISDIR\)/);
    expect(folder.stderr).not.toMatch(/\.tmp/);
  });
});
