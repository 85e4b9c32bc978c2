import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  curvesCsv, meanCurves, renderReport, summaryCsv, type ExperimentResults, type SummaryRow,
} from '../../src/audit/report.js';

const FRACTIONS = [0.01, 0.05];
const SCENARIOS = ['uniform', 'user'];
const RUNS = 2;

function row(scenario: string, fraction: number, k: number): SummaryRow {
  const V = -0.0123 + 0.01 * k;
  return {
    scenario, fraction, removed: 1000 * fraction * 10 + 0.5 * k,
    untrainPasses: 3.5 + k, retrainPasses: 14, untrainSeconds: 0.812 + k, retrainSeconds: 7.25 + k,
    aucUntrain: 0.91234 - 0.01 * k, aucRetrain: 0.91301 - 0.01 * k, retrainBestAuc: 0.9141 - 0.01 * k, retrainBestIteration: 9.5,
    mi: { undeleted: 0.5012, retrain: 0.5321 + 0.01 * k, untrain: 0.5321 + 0.01 * k + V, block: 0.4811 },
    V, VCI: [V - 0.0101, V + 0.0102],
    Vprime: V - 0.5012, VprimeCI: [V - 0.5012 - 0.0101, V - 0.5012 + 0.0102],
    Vblock: -0.0512, VblockCI: [-0.0611, -0.0413],
    ks: {
      undeleted: { statistic: 0.31, pValue: 1.2e-9, pValues: [1e-9, 2e-8] }, retrain: { statistic: 0.041, pValue: 0.734, pValues: [0.7, 0.6] },
      exact: { statistic: 0.043, pValue: 0.6871, pValues: [0.6, 0.5] }, block: { statistic: 0.2, pValue: 0.00321, pValues: [0.01, 0.02] },
    },
    ksReference: scenario === 'uniform' ? 'held-out' : 'retrained',
    beforeAfter: { untrain: 0.55, retrain: 0.52 }, runs: RUNS,
  };
}

function fakeResults(): ExperimentResults {
  const retrainCurves: ExperimentResults['retrainCurves'] = [];
  const untrainCurves: ExperimentResults['untrainCurves'] = [];
  const summary: SummaryRow[] = [];
  let k = 0;
  for (const scenario of SCENARIOS) {
    for (const fraction of FRACTIONS) {
      for (let run = 0; run < RUNS; run++) {
        for (let iteration = 1; iteration <= 15; iteration++) {
          const auc = 0.92 - 0.3 * Math.exp(-iteration / 3) - 0.0008 * Math.max(0, iteration - 10) - fraction * 0.2 + 0.001 * run;
          retrainCurves.push({ scenario, fraction, run, iteration, auc, certificate: 10 ** (-iteration / 4) });
        }
        for (let pass = 0; pass <= 6; pass++) {
          untrainCurves.push({
            scenario, fraction, run, pass,
            auc: 0.915 - fraction * 0.2 - 0.004 * Math.exp(-pass) + 0.001 * run,
            certificate: 10 ** (-1 - pass) * (1 + fraction * 10),
          });
        }
      }
      summary.push(row(scenario, fraction, k++));
    }
  }
  return {
    meta: {
      data: 'data/<a&b>.csv', users: 943, items: 1682, interactions: 100000, factors: 32,
      regularization: 0.05, alpha: 40, solver: 'cholesky', runs: RUNS, tolerance: 3e-4, fractions: FRACTIONS,
      scenarios: SCENARIOS, seconds: 123.4, date: '2026-01-02T03:04:05Z',
    },
    retrainCurves, untrainCurves, summary, cells: [],
  };
}

describe('renderReport', () => {
  const results = fakeResults();
  let html = '';
  beforeAll(async () => {
    html = await renderReport(results);
    writeFileSync('/tmp/report-sample.html', html);
  });

  it('is one complete HTML document', () => {
    expect(html.trimStart().startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toMatch(/<html[^>]*>[\s\S]*<head>[\s\S]*<\/head>\s*<body>[\s\S]*<\/body>\s*<\/html>\s*$/);
    expect(html.match(/<html/g)).toHaveLength(1);
    expect(html).toContain('<meta charset="utf-8">');
    for (const heading of ['Retrain dynamics', 'Untrain dynamics', 'Membership inference', 'Vulnerability',
      'Score distributions (KS)', 'Summary']) {
      expect(html).toContain(`<h2>${heading}</h2>`);
    }
  });

  it('inlines at least four SVG charts with drawn marks', () => {
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).toBeGreaterThanOrEqual(4);
    for (const svg of svgs) expect(svg).toMatch(/<path/);
  });

  it('has no scripts and no network URLs outside SVG xmlns attributes', () => {
    expect(html).not.toMatch(/<script/i);
    const withoutXmlns = html.replace(/\sxmlns(:\w+)?="[^"]*"/g, '');
    expect(withoutXmlns).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).not.toMatch(/url\(/i);
  });

  it('shows every summary row with its scenario and fraction', () => {
    const tbody = html.slice(html.indexOf('<table class="summary">'));
    const rows = tbody.match(/<tbody>[\s\S]*?<\/tbody>/)![0].match(/<tr>/g) ?? [];
    expect(rows).toHaveLength(results.summary.length);
    for (const r of results.summary) {
      expect(tbody).toContain(`<td>${r.scenario}</td><td>${r.fraction}</td>`);
      expect(html).toContain(`${r.scenario}, fraction ${r.fraction}: forgotten pairs vs ${r.scenario === 'uniform' ? 'held-out pairs' : 'the same pairs under retraining'}</caption>`);
    }
  });

  it('formats V and V′ with their 95% intervals, MI and AUC to 4 decimals, p to 2 significant', () => {
    // row 0: V = -0.0123, interval [-0.0224, -0.0021]; row 1: V = -0.0023 [-0.0124, 0.0079].
    const cells = (html.match(/<td class="ci">[\s\S]*?<\/td>/g) ?? []).map((c) => c.replace(/<[^>]+>/g, ''));
    expect(cells).toHaveLength(3 * results.summary.length);
    expect(cells[0]).toBe('-0.0123 [-0.0224, -0.0021]');
    expect(cells[1]).toBe('-0.5135 [-0.5236, -0.5033]');
    expect(cells[2]).toBe('-0.0512 [-0.0611, -0.0413]');
    expect(cells[3]).toBe('-0.0023 [-0.0124, 0.0079]');
    // KS: runs with p < 0.05 out of all, and no retrained-vs-retrained row outside uniform removal
    expect(html).toContain('<td>block-untrained</td><td>0.2000</td><td>0.0032</td><td>2 of 2</td><td>separated</td>');
    const userTables = html.match(/user, fraction [\s\S]*?<\/table>/g)!;
    expect(userTables).toHaveLength(2);
    for (const t of userTables) expect(t).not.toContain('<td>retrained</td>');
    expect(html).toContain('<td>0.9123</td>');
    expect(html).toContain('<td>0.5012</td>');
    expect(html).toContain('<td>0.73</td>');
    expect(html).toContain('<td>1.2e-9</td>');
    expect(html).toContain('<td>0.0032</td>');
  });

  it('explains how to read V', () => {
    const text = html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
    expect(text).toContain('V &lt; 0 does not mean better privacy but left-over memory: the forgotten pairs still look like training pairs to the attacker.');
    expect(text).toContain('as private as retraining when V ≈ 0');
    expect(text).toContain('V′ is V shifted by about −0.5');
    expect(text).toContain('under retraining the two sets are exchangeable');
    expect(text).toContain('combined by Fisher');
    expect(text).toContain('user and item scenarios');
  });

  it('escapes HTML-special characters taken from the results', () => {
    expect(html).toContain('data/&lt;a&amp;b&gt;.csv');
    expect(html).not.toContain('<a&b>');
  });

  it('escapes a hostile scenario name everywhere, charts included', async () => {
    const hostile = fakeResults();
    const name = '<script>x</script>';
    for (const r of hostile.summary) if (r.scenario === 'user') r.scenario = name;
    hostile.meta.scenarios = ['uniform', name];
    const out = await renderReport(hostile);
    expect(out).not.toMatch(/<script/i);
    expect(out).toContain('&lt;script&gt;x&lt;/script&gt;');
  });

  it('gives each of 12 removal fractions (the CLI default) its own line colour', async () => {
    const many = fakeResults();
    const fractions = Array.from({ length: 12 }, (_, i) => Number((0.05 * (i + 1)).toFixed(2)));
    many.retrainCurves = fractions.flatMap((fraction) => Array.from({ length: 5 }, (_, i) => ({
      scenario: 'uniform', fraction, run: 0, iteration: i + 1, auc: 0.9 - fraction * 0.1 - 0.1 / (i + 1),
    })));
    many.meta.fractions = fractions;
    const out = await renderReport(many);
    const firstSvg = out.match(/<svg[\s\S]*?<\/svg>/)![0];
    const strokes = [...firstSvg.matchAll(/<g class="mark-line[^>]*><path[^>]*?stroke="([^"]+)"/g)].map((m) => m[1]);
    expect(strokes).toHaveLength(12);
    expect(new Set(strokes).size).toBe(12);
  });

  it('charts the first scenario when there is no uniform one, and says so', async () => {
    const only = fakeResults();
    only.summary = only.summary.filter((r) => r.scenario === 'user');
    only.retrainCurves = only.retrainCurves.filter((r) => r.scenario === 'user');
    only.untrainCurves = only.untrainCurves.filter((r) => r.scenario === 'user');
    only.meta.scenarios = ['user'];
    const out = await renderReport(only);
    expect((out.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(out).toContain('scenario user, mean over runs');
  });
});

describe('mean curves over runs', () => {
  it('a run that has stopped keeps its last value, so the mean does not jump where it ends', () => {
    const rows = [
      ...[1, 2, 3].map((pass) => ({ fraction: 0.1, run: 0, pass, auc: pass })),
      ...[1, 2, 3, 4, 5].map((pass) => ({ fraction: 0.1, run: 1, pass, auc: 10 })),
      { fraction: 0.2, run: 0, pass: 2, auc: 7 },
    ];
    const m = meanCurves(rows, (r) => r.pass, (r) => r.auc);
    const at = (f: number, step: number) => m.find((c) => c.f === f && c.step === step);
    expect(at(0.1, 1)).toMatchObject({ value: 5.5, n: 2 });
    expect(at(0.1, 4)).toMatchObject({ value: 6.5, n: 2 });
    expect(at(0.1, 5)).toMatchObject({ value: 6.5, n: 2 });
    expect(at(0.2, 2)).toMatchObject({ value: 7, n: 1 });
    expect(at(0.2, 1)).toBeUndefined();
    expect(m).toHaveLength(6);
  });
});

describe('CSV exports', () => {
  it('summaryCsv: a header and one line per row, all with the same number of columns', () => {
    const results = fakeResults();
    const csv = summaryCsv(results.summary);
    expect(csv.endsWith('\n')).toBe(true);
    const lines = csv.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + results.summary.length);
    const header = lines[0].split(',');
    expect(header.slice(0, 3)).toEqual(['scenario', 'fraction', 'runs']);
    expect(header).toContain('V');
    expect(header).toContain('VLow');
    expect(header).toContain('ksBlockP');
    expect(header.length).toBe(36);
    expect(header).toContain('Vblock');
    expect(header).toContain('miBlock');
    for (const line of lines.slice(1)) expect(line.split(',')).toHaveLength(header.length);
    const first = Object.fromEntries(header.map((h, i) => [h, lines[1].split(',')[i]]));
    expect(first.scenario).toBe('uniform');
    expect(first.fraction).toBe('0.01');
    expect(first.V).toBe(String(results.summary[0].V));
    expect(first.ksUndeletedP).toBe('1.2e-9');
  });

  it('curvesCsv: header from the keys, numbers as printed, strings with commas or quotes quoted', () => {
    const csv = curvesCsv([
      { scenario: 'uniform', fraction: 0.05, run: 0, iteration: 1, auc: 0.8125 },
      { scenario: 'a,b', fraction: 0.1, run: 1, iteration: 2, auc: 0.9 },
      { scenario: 'say "hi"', fraction: 0.1, run: 1, iteration: 3, auc: NaN },
    ]);
    expect(csv).toBe(
      'scenario,fraction,run,iteration,auc\n'
      + 'uniform,0.05,0,1,0.8125\n'
      + '"a,b",0.1,1,2,0.9\n'
      + '"say ""hi""",0.1,1,3,NaN\n',
    );
  });

  it('curvesCsv: the union of keys, a missing value left empty; empty input gives an empty string', () => {
    expect(curvesCsv([{ a: 1 }, { a: 2, b: 'x' }])).toBe('a,b\n1,\n2,x\n');
    expect(curvesCsv([])).toBe('');
  });
});
