// `untrain-als experiment` end to end on a small synthetic problem: every output file is written
// and the summary has the fields the report and the issue ask for.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';


const run = (args: string[]) => runCli(args);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uals-exp-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('untrain-als experiment', () => {
  it('writes results.json, the CSVs and a self-contained report', async () => {
    const out = join(dir, 'exp');
    const r = await run(['experiment', '--runs', '2', '--fractions', '0.05,0.1', '--scenarios', 'uniform,user', '--factors', '8',
      '--reg', '20', '--alpha', '10', '--iterations', '200', '--max-passes', '5', '--tol', '1e-3', '--out', out, '--json']);
    // stderr is not a terminal here: one progress line per cell, nothing else
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(8);
    lines.forEach((l, t) => expect(l).toMatch(new RegExp(`^experiment: ${t + 1}/8 (uniform|user) 0\\.(05|1) run [01]$`)));
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.summary).toHaveLength(4);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    // untraining stops at the asked certificate or at --max-passes
    for (const c of results.untrainCurves) expect(c.pass).toBeLessThanOrEqual(5);
    const last = new Map<string, { pass: number; certificate: number }>();
    for (const c of results.untrainCurves) last.set(`${c.scenario}|${c.fraction}|${c.run}`, c);
    for (const c of last.values()) expect(c.certificate <= 1e-3 || c.pass === 5).toBe(true);
    // with --tol, retraining stops at the first iteration that reaches it: its curve ends there
    const lastRetrain = new Map<string, number>();
    for (const c of results.retrainCurves) lastRetrain.set(`${c.scenario}|${c.fraction}|${c.run}`, c.iteration);
    for (const row of results.summary) {
      const ends = [0, 1].map((run) => lastRetrain.get(`${row.scenario}|${row.fraction}|${run}`)!);
      expect(row.retrainPasses).toBeCloseTo((ends[0] + ends[1]) / 2, 9);
      expect(Math.max(...ends)).toBeLessThan(300);
    }
    for (const row of j.summary) {
      for (const key of ['scenario', 'fraction', 'untrainPasses', 'retrainPasses', 'untrainSeconds', 'retrainSeconds', 'aucUntrain', 'aucRetrain', 'mi', 'V', 'Vprime', 'VprimeCI', 'ks']) {
        expect(row).toHaveProperty(key);
      }
      expect(row.runs).toBe(2);
      expect(row.Vprime).toBeCloseTo(row.V - row.mi.undeleted, 12);
      expect(row.VprimeCI[0]).toBeLessThanOrEqual(row.Vprime);
      for (const m of ['undeleted', 'retrain', 'exact', 'block']) expect(row.ks[m].pValue).toBeGreaterThanOrEqual(0);
    }
    for (const f of ['results.json', 'summary.csv', 'retrain-curves.csv', 'untrain-curves.csv', 'report.html']) expect(existsSync(join(out, f))).toBe(true);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<svg/);
    expect(html).not.toMatch(/<script/);
    expect(readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n')).toHaveLength(5);
  });

  it('rejects bad fractions and scenarios', async () => {
    const a = await run(['experiment', '--fractions', '0.1,2']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/not a fraction/);
    const b = await run(['experiment', '--scenarios', 'uniform,breakup']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/"breakup"/);
    const h = await run(['experiment', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Usage: untrain-als experiment/);
  });
});
