// The privacy-audit experiment as one self-contained HTML page: inline CSS, inline SVG charts drawn
// headlessly by Vega-Lite → Vega (renderer 'none', no browser, no canvas), no scripts and no network
// URLs, so the file can be archived or mailed and opened anywhere. Plus CSV exports of the summary
// and of the learning curves.
//
// Only the CLI's `experiment` needs the charts: vega and vega-lite are optional peer dependencies,
// loaded here on first use, so that neither the library nor any other command needs them.
import type { TopLevelSpec } from 'vega-lite';

type Charting = { vega: typeof import('vega'); compile: typeof import('vega-lite').compile };
let charting: Promise<Charting> | undefined;

/** Throws the clear error right away when the charting packages are missing (before long work). */
export async function checkCharting(): Promise<void> {
  await loadCharting();
}

/** vega and vega-lite, loaded once; a clear error when they are not installed. */
function loadCharting(): Promise<Charting> {
  charting ??= Promise.all([import('vega'), import('vega-lite')]).then(
    ([vega, vl]) => ({ vega, compile: vl.compile }),
    (err: unknown) => {
      charting = undefined;
      throw new Error(
        `the audit report's charts need vega and vega-lite, which are not installed (${(err as Error).message.split('\n')[0]}); ` +
        'install them next to untrain-als: npm install vega@6.4 vega-lite@6.4',
      );
    },
  );
  return charting;
}
import type { Cell } from './experiment.js';

/** KS over runs: mean statistic D, Fisher's combined p-value, and each run's p-value. */
export interface KsFigure { statistic: number; pValue: number; pValues: number[] }

export interface SummaryRow {
  scenario: string; fraction: number; removed: number;          // mean number of pairs removed
  untrainPasses: number; retrainPasses: number;                  // means over runs (retrain: passes to the same certificate)
  untrainSeconds: number; retrainSeconds: number;
  aucUntrain: number; aucRetrain: number;                        // validation AUC at the certificate
  retrainBestAuc: number; retrainBestIteration: number;           // retraining's best AUC on the way there
  mi: { undeleted: number; retrain: number; untrain: number; block: number }; // mean MI accuracies over runs
  V: number; VCI: [number, number];                              // V = MI(untrain) − MI(retrain), mean and 95% interval
  Vprime: number; VprimeCI: [number, number];                    // V′ = V − MI(undeleted)
  Vblock: number; VblockCI: [number, number];                    // MI(block-untrain) − MI(retrain)
  ks: { undeleted: KsFigure; retrain: KsFigure; exact: KsFigure; block: KsFigure };
  ksReference: 'held-out' | 'retrained';                         // forgotten pairs' scores against held-out pairs' (uniform), or against the retrained model's
  beforeAfter: { untrain: number; retrain: number };            // AUC of the score-drop attacker
  runs: number;
}

export interface ExperimentResults {
  meta: { data: string; users: number; items: number; interactions: number; factors: number; regularization: number;
          alpha: number; solver: string; runs: number; tolerance: number; baseTolerance?: number; fractions: number[]; scenarios: string[]; seconds: number; date: string };
  retrainCurves: Array<{ scenario: string; fraction: number; run: number; iteration: number; auc: number; certificate: number }>;
  untrainCurves: Array<{ scenario: string; fraction: number; run: number; pass: number; auc: number; certificate: number }>;
  summary: SummaryRow[];
  /** Every (run, scenario, fraction) measurement the summary averages. */
  cells: Cell[];
}

// ---------------------------------------------------------------------------------------------
// Formatting

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

const NA = 'n/a';

/** Fixed decimals (AUC, MI, V: 4); NaN/±∞ → n/a; never prints "-0.0000". */
function fixed(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return NA;
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** Two significant digits for p-values; exponent form below 0.001. */
function pValue(p: number): string {
  if (!Number.isFinite(p)) return NA;
  if (p === 0) return '0';
  if (p < 1e-3) return p.toExponential(1);
  return String(Number(p.toPrecision(2)));
}

/** Means of counts: an integer as is, otherwise one decimal. */
function count(x: number): string {
  if (!Number.isFinite(x)) return NA;
  return Number.isInteger(x) ? x.toLocaleString('en-US') : x.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
}

/** Seconds: three significant digits (whole seconds from 100 s on). */
function seconds(x: number): string {
  if (!Number.isFinite(x)) return NA;
  if (Math.abs(x) >= 100) return x.toFixed(0);
  return String(Number(x.toPrecision(3)));
}

/** "0.0123 [-0.0040, 0.0286]"; `html` puts the interval on its own line in a table cell. */
function withInterval(x: number, ci: [number, number], html = false): string {
  const [lo, hi] = ci;
  const interval = !Number.isFinite(lo) || !Number.isFinite(hi) ? `[${NA}]` : `[${fixed(lo)}, ${fixed(hi)}]`;
  return html ? `${fixed(x)} <span class="interval">${interval}</span>` : `${fixed(x)} ${interval}`;
}

/** A fraction as JavaScript prints it (0.05), the label used in every chart and table. */
function fractionLabel(f: number): string {
  return String(f);
}

// ---------------------------------------------------------------------------------------------
// Charts

/** Vega rejects NaN poorly in some encodings: missing numbers become null (dropped as invalid). */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

const FONT = 'Helvetica, Arial, sans-serif';

const BASE_CONFIG = {
  font: FONT,
  background: 'white',
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: 'right' },
  title: { fontSize: 13, anchor: 'start', subtitleFontSize: 11, subtitleColor: '#555' },
  view: { stroke: '#bbb' },
  line: { strokeWidth: 2 },
} as const;

/** Compiles a Vega-Lite spec and renders it to an SVG string without a browser. */
async function toSvg(spec: Record<string, unknown>): Promise<string> {
  const { vega, compile } = await loadCharting();
  const full = { config: BASE_CONFIG, ...spec } as unknown as TopLevelSpec;
  const vgSpec = compile(full).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // Let the page scale a wide chart down rather than overflow it.
    return svg.replace(/^<svg /, '<svg role="img" ');
  } finally {
    view.finalize();
  }
}

/** Mean of `value` grouped by (fraction, step) over runs: the curves drawn. */
export function meanCurves<T extends { fraction: number; run: number }>(
  rows: T[], step: (r: T) => number, value: (r: T) => number,
): Array<{ fraction: string; f: number; step: number; value: number; n: number }> {
  // Runs stop at different passes (each when it reaches the certificate). A run that has stopped
  // keeps its last value, so the mean over runs does not jump where the shorter runs end.
  const runs = new Map<string, { f: number; points: Array<[number, number]> }>();
  for (const r of rows) {
    const v = value(r);
    if (!Number.isFinite(v)) continue;
    const key = `${r.fraction}\u0000${r.run}`;
    const g = runs.get(key) ?? { f: r.fraction, points: [] };
    g.points.push([step(r), v]);
    runs.set(key, g);
  }
  const steps = new Map<number, Set<number>>();
  for (const g of runs.values()) {
    g.points.sort((p, q) => p[0] - q[0]);
    const s = steps.get(g.f) ?? new Set<number>();
    for (const [x] of g.points) s.add(x);
    steps.set(g.f, s);
  }
  const acc = new Map<string, { f: number; step: number; sum: number; n: number }>();
  for (const g of runs.values()) {
    const xs = [...steps.get(g.f)!].sort((p, q) => p - q);
    let i = 0;
    for (const x of xs) {
      if (x < g.points[0][0]) continue; // before this run's first point
      while (i + 1 < g.points.length && g.points[i + 1][0] <= x) i++;
      const key = `${g.f}\u0000${x}`;
      const a = acc.get(key) ?? { f: g.f, step: x, sum: 0, n: 0 };
      a.sum += g.points[i][1];
      a.n++;
      acc.set(key, a);
    }
  }
  return [...acc.values()]
    .sort((a, b) => a.f - b.f || a.step - b.step)
    .map((a) => ({ fraction: fractionLabel(a.f), f: a.f, step: a.step, value: a.sum / a.n, n: a.n }));
}

/** The curve's value at `x`, linear between the steps drawn (clamped to its ends). */
function interpolate(curve: Array<{ step: number; value: number }>, x: number): number {
  let prev = curve[0];
  if (x <= prev.step) return prev.value;
  for (const c of curve) {
    if (c.step >= x) return c.step === prev.step ? c.value : prev.value + ((c.value - prev.value) * (x - prev.step)) / (c.step - prev.step);
    prev = c;
  }
  return prev.value;
}

/** Powers of ten covering positive values: the ticks of a log axis, without the 2…9 in between. */
function decades(values: number[]): number[] {
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const step = Math.max(1, Math.ceil((hi - lo) / 10));
  const out: number[] = [];
  for (let e = lo; e <= hi; e += step) out.push(10 ** e);
  return out;
}

function sortedFractions(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

function fractionColor(fractions: number[]): Record<string, unknown> {
  return {
    field: 'fraction', type: 'ordinal', title: 'fraction removed',
    sort: fractions.map(fractionLabel),
    // Ten distinct hues while they suffice; past that (the CLI's default has 12 fractions) an ordered
    // scheme, so that neighbouring fractions get neighbouring colours rather than repeated ones.
    scale: {
      domain: fractions.map(fractionLabel),
      scheme: fractions.length <= 10 ? 'tableau10' : { name: 'turbo', extent: [0.05, 0.95] },
    },
  };
}

function noData(what: string): string {
  return `<p class="nodata">No ${escapeHtml(what)} in these results.</p>`;
}

async function retrainChart(results: ExperimentResults, scenario: string): Promise<string> {
  const rows = results.retrainCurves.filter((r) => r.scenario === scenario);
  if (rows.length === 0) return noData('retraining curves');
  const curves = meanCurves(rows, (r) => r.iteration, (r) => r.auc);
  const fractions = sortedFractions(curves.map((c) => c.f));
  // Best iteration: the summary's (mean over runs), else the arg-max of the mean curve; the dot sits
  // on the mean curve at the nearest iteration drawn.
  const best = fractions.map((f) => {
    const curve = curves.filter((c) => c.f === f);
    const row = results.summary.find((s) => s.scenario === scenario && s.fraction === f);
    let at = row && Number.isFinite(row.retrainBestIteration) ? row.retrainBestIteration : NaN;
    if (!Number.isFinite(at)) at = curve.reduce((b, c) => (c.value > b.value ? c : b), curve[0]).step;
    return { fraction: fractionLabel(f), step: at, value: interpolate(curve, at) };
  });
  const color = fractionColor(fractions);
  return toSvg({
    width: 680, height: 300,
    title: { text: 'Validation AUC while retraining from scratch', subtitle: `scenario ${scenario}; mean over runs; dashed rule and dot: best iteration (mean over runs)` },
    layer: [
      {
        data: { values: curves },
        mark: { type: 'line', point: { size: 18 } },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'ALS iteration', axis: { tickMinStep: 1 } },
          y: { field: 'value', type: 'quantitative', title: 'validation AUC', scale: { zero: false } },
          color,
        },
      },
      {
        data: { values: best },
        mark: { type: 'rule', strokeDash: [5, 4], strokeWidth: 1.5 },
        encoding: { x: { field: 'step', type: 'quantitative' }, color },
      },
      {
        data: { values: best },
        mark: { type: 'point', filled: true, size: 110, stroke: 'black', strokeWidth: 1, opacity: 1 },
        encoding: {
          x: { field: 'step', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative' },
          color,
        },
      },
    ],
  });
}

async function untrainChart(results: ExperimentResults, scenario: string): Promise<string> {
  const rows = results.untrainCurves.filter((r) => r.scenario === scenario);
  if (rows.length === 0) {
    const passes = results.summary.filter((r) => r.scenario === scenario).map((r) => `${count(r.untrainPasses)} at fraction ${fractionLabel(r.fraction)}`);
    return `<p class="nodata">No untrain pass was recorded for scenario ${escapeHtml(scenario)}, so there is no curve to draw`
      + `${passes.length > 0 ? ` (mean untrain passes: ${escapeHtml(passes.join(', '))})` : ''}.</p>`;
  }
  const auc = meanCurves(rows, (r) => r.pass, (r) => r.auc);
  const cert = meanCurves(rows, (r) => r.pass, (r) => r.certificate).filter((c) => c.value > 0);
  const fractions = sortedFractions(auc.map((c) => c.f));
  const retrained = fractions.flatMap((f) => {
    const row = results.summary.find((s) => s.scenario === scenario && s.fraction === f);
    return row && Number.isFinite(row.aucRetrain) ? [{ fraction: fractionLabel(f), value: row.aucRetrain }] : [];
  });
  const color = fractionColor(fractions);
  const x = { field: 'step', type: 'quantitative', title: 'untrain pass', axis: { tickMinStep: 1 } };
  const aucPanel = {
    width: 400, height: 280,
    title: { text: 'Validation AUC while untraining', subtitle: 'dashed: AUC of the model retrained from scratch' },
    layer: [
      {
        data: { values: auc },
        mark: { type: 'line', point: { size: 18 } },
        encoding: { x, y: { field: 'value', type: 'quantitative', title: 'validation AUC', scale: { zero: false } }, color },
      },
      ...(retrained.length > 0 ? [{
        data: { values: retrained },
        mark: { type: 'rule', strokeDash: [5, 4], strokeWidth: 1.5 },
        encoding: { y: { field: 'value', type: 'quantitative' }, color },
      }] : []),
    ],
  };
  const certPanel = {
    width: 400, height: 280,
    title: { text: 'Optimality certificate while untraining', subtitle: 'relative residual of the normal equations (log scale)' },
    data: { values: cert },
    mark: { type: 'line', point: { size: 18 } },
    encoding: { x, y: { field: 'value', type: 'quantitative', title: 'certificate', scale: { type: 'log' }, axis: { format: '.0e', values: decades(cert.map((c) => c.value)) } }, color },
  };
  return toSvg({
    ...(cert.length > 0 ? { hconcat: [aucPanel, certPanel], resolve: { scale: { y: 'independent' } } } : aucPanel),
  });
}

async function membershipChart(rows: SummaryRow[], scenario: string): Promise<string> {
  if (rows.length === 0) return noData('summary rows');
  const models = ['undeleted', 'retrain', 'untrain', 'block'] as const;
  const fractions = sortedFractions(rows.map((r) => r.fraction)).map(fractionLabel);
  const values = rows.flatMap((r) => models.map((m) => ({ fraction: fractionLabel(r.fraction), model: m, mi: finiteOrNull(r.mi[m]) })));
  return toSvg({
    width: 560, height: 280,
    title: { text: 'Membership-inference accuracy', subtitle: `scenario ${scenario}; mean over runs; dashed: 0.5, a coin toss` },
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: { size: 60, filled: true } },
        encoding: {
          x: { field: 'fraction', type: 'ordinal', sort: fractions, title: 'fraction removed', axis: { labelAngle: 0 } },
          y: { field: 'mi', type: 'quantitative', title: 'MI accuracy', scale: { zero: false } },
          color: {
            field: 'model', type: 'nominal', title: 'model attacked', sort: [...models],
            scale: { domain: [...models], range: ['#7f7f7f', '#1f77b4', '#d62728', '#ff7f0e'] },
            legend: { symbolType: 'stroke', symbolStrokeWidth: 2.5, symbolSize: 300 },
          },
          strokeDash: { field: 'model', type: 'nominal', sort: [...models], title: 'model attacked', scale: { domain: [...models], range: [[4, 3], [1, 0], [1, 0], [1, 0]] } },
        },
      },
      { data: { values: [{ y: 0.5 }] }, mark: { type: 'rule', strokeDash: [2, 3], color: '#444' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
    ],
  });
}

async function vulnerabilityChart(rows: SummaryRow[], scenario: string): Promise<string> {
  if (rows.length === 0) return noData('summary rows');
  const fractions = sortedFractions(rows.map((r) => r.fraction)).map(fractionLabel);
  const x = { field: 'fraction', type: 'ordinal', sort: fractions, title: 'fraction removed', axis: { labelAngle: 0 } };
  const zero = { data: { values: [{ y: 0 }] }, mark: { type: 'rule', strokeDash: [2, 3], color: '#444' }, encoding: { y: { field: 'y', type: 'quantitative' } } };
  // error bar and dot per fraction; `series` (when given) sets colour and a side-by-side offset
  const bars = (values: Array<Record<string, unknown>>, axisTitle: string, series?: { domain: string[]; range: string[] }) => {
    const extra = series
      ? {
        color: { field: 'mode', type: 'nominal', title: 'untraining', scale: series, legend: { orient: 'bottom' } },
        xOffset: { field: 'mode', type: 'nominal', sort: series.domain, scale: { paddingOuter: 0.6 } },
      }
      : {};
    return {
      data: { values },
      layer: [
        {
          mark: { type: 'errorbar', ticks: { size: 8 }, thickness: 1.5, ...(series ? {} : { color: '#9467bd' }) },
          encoding: { x, y: { field: 'lo', type: 'quantitative', title: axisTitle, scale: { zero: false } }, y2: { field: 'hi' }, ...extra },
        },
        {
          mark: { type: 'point', filled: true, size: 60, opacity: 1, ...(series ? {} : { color: '#9467bd' }) },
          encoding: { x, y: { field: 'v', type: 'quantitative' }, ...extra },
        },
      ],
    };
  };
  const modes = { domain: ['exact', 'block'], range: ['#d62728', '#ff7f0e'] };
  const vValues = rows.flatMap((r) => [
    { fraction: fractionLabel(r.fraction), mode: 'exact', v: finiteOrNull(r.V), lo: finiteOrNull(r.VCI[0]), hi: finiteOrNull(r.VCI[1]) },
    { fraction: fractionLabel(r.fraction), mode: 'block', v: finiteOrNull(r.Vblock), lo: finiteOrNull(r.VblockCI[0]), hi: finiteOrNull(r.VblockCI[1]) },
  ]);
  const vpValues = rows.map((r) => ({ fraction: fractionLabel(r.fraction), v: finiteOrNull(r.Vprime), lo: finiteOrNull(r.VprimeCI[0]), hi: finiteOrNull(r.VprimeCI[1]) }));
  return toSvg({
    hconcat: [
      {
        width: 430, height: 260,
        title: { text: 'V = MI(untrained) − MI(retrained)', subtitle: `scenario ${scenario}; mean, 95% interval; dashed: 0` },
        layer: [zero, bars(vValues, 'V', modes)],
      },
      {
        width: 330, height: 260,
        title: { text: 'V′ = V − MI(undeleted), exact mode', subtitle: 'mean, 95% interval over runs' },
        layer: [bars(vpValues, 'V′')],
      },
    ],
    resolve: { scale: { y: 'independent' } },
  });
}

// ---------------------------------------------------------------------------------------------
// Tables

const KS_MODELS = [
  ['undeleted', 'undeleted model'],
  ['retrain', 'retrained'],
  ['exact', 'exact-untrained'],
  ['block', 'block-untrained'],
] as const;

function ksTables(rows: SummaryRow[]): string {
  if (rows.length === 0) return noData('KS tests');
  return `<div class="ks-grid">${rows.map((r) => `
<table class="ks">
<caption>${escapeHtml(r.scenario)}, fraction ${escapeHtml(fractionLabel(r.fraction))}: forgotten pairs vs ${r.ksReference === 'held-out' ? 'held-out pairs' : 'the same pairs under retraining'}</caption>
<thead><tr><th>model</th><th>mean D</th><th>combined p</th><th>runs p &lt; 0.05</th><th>at 5%</th></tr></thead>
<tbody>${KS_MODELS.filter(([k]) => r.ksReference === 'held-out' || k !== 'retrain').map(([k, name]) => {
    const f = r.ks[k];
    const verdict = !Number.isFinite(f.pValue) ? NA : f.pValue < 0.05 ? 'separated' : 'not separated';
    const low = f.pValues.filter((p) => p < 0.05).length;
    return `<tr class="${f.pValue < 0.05 ? 'sep' : ''}"><td>${name}</td><td>${fixed(f.statistic)}</td><td>${pValue(f.pValue)}</td><td>${low} of ${f.pValues.length}</td><td>${verdict}</td></tr>`;
  }).join('')}</tbody>
</table>`).join('')}
</div>`;
}

function summaryTable(rows: SummaryRow[]): string {
  if (rows.length === 0) return noData('summary rows');
  const head = `<thead>
<tr><th rowspan="2">scenario</th><th rowspan="2">fraction</th><th rowspan="2">pairs removed</th>
<th colspan="2">passes</th><th colspan="2">seconds</th><th colspan="3">validation AUC</th>
<th colspan="4">MI accuracy</th><th rowspan="2">V [95% interval]</th><th rowspan="2">V′ [95% interval]</th><th rowspan="2">V block [95% interval]</th>
<th colspan="4">KS combined p</th><th colspan="2">before/after AUC</th></tr>
<tr><th>untrain</th><th>retrain</th><th>untrain</th><th>retrain</th><th>untrain</th><th>retrain</th><th>retrain best</th>
<th>undeleted</th><th>retrain</th><th>untrain</th><th>block</th>
<th>undeleted</th><th>retrain</th><th>exact</th><th>block</th><th>untrain</th><th>retrain</th></tr>
</thead>`;
  const body = rows.map((r) => `<tr>
<td>${escapeHtml(r.scenario)}</td><td>${escapeHtml(fractionLabel(r.fraction))}</td><td>${count(r.removed)}</td>
<td>${count(r.untrainPasses)}</td><td>${count(r.retrainPasses)}</td><td>${seconds(r.untrainSeconds)}</td><td>${seconds(r.retrainSeconds)}</td>
<td>${fixed(r.aucUntrain)}</td><td>${fixed(r.aucRetrain)}</td><td>${fixed(r.retrainBestAuc)}</td>
<td>${fixed(r.mi.undeleted)}</td><td>${fixed(r.mi.retrain)}</td><td>${fixed(r.mi.untrain)}</td><td>${fixed(r.mi.block)}</td>
<td class="ci">${withInterval(r.V, r.VCI, true)}</td><td class="ci">${withInterval(r.Vprime, r.VprimeCI, true)}</td><td class="ci">${withInterval(r.Vblock, r.VblockCI, true)}</td>
<td>${pValue(r.ks.undeleted.pValue)}</td><td>${r.ksReference === 'held-out' ? pValue(r.ks.retrain.pValue) : '—'}</td><td>${pValue(r.ks.exact.pValue)}</td><td>${pValue(r.ks.block.pValue)}</td>
<td>${fixed(r.beforeAfter.untrain)}</td><td>${fixed(r.beforeAfter.retrain)}</td>
</tr>`).join('');
  return `<div class="scroll"><table class="summary">${head}<tbody>${body}</tbody></table></div>`;
}

function metaList(meta: ExperimentResults['meta']): string {
  const items: Array<[string, string]> = [
    ['data', meta.data],
    ['users × items', `${count(meta.users)} × ${count(meta.items)}`],
    ['interactions', count(meta.interactions)],
    ['factors', String(meta.factors)],
    ['regularization λ', String(meta.regularization)],
    ['confidence α', String(meta.alpha)],
    ['solver', meta.solver],
    ['runs', String(meta.runs)],
    ['base model trained to certificate', String(meta.baseTolerance ?? '–')],
    ['untrain and retrain to certificate', String(meta.tolerance)],
    ['removal fractions', meta.fractions.map(fractionLabel).join(', ')],
    ['scenarios', meta.scenarios.join(', ')],
    ['total time', `${seconds(meta.seconds)} s`],
    ['date', meta.date],
  ];
  return `<dl class="meta">${items.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl>`;
}

// ---------------------------------------------------------------------------------------------
// The page

const CSS = `
*{box-sizing:border-box}
body{font-family:${FONT};color:#222;background:#fff;margin:0;padding:24px 20px 48px;line-height:1.45;font-size:15px}
main{max-width:1200px;margin:0 auto}
h1{font-size:26px;margin:0 0 12px}
h2{font-size:20px;margin:36px 0 8px;padding-top:12px;border-top:1px solid #ddd}
p{margin:6px 0 10px;max-width:900px}
.note{color:#555;font-size:14px}
.meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:4px 24px;margin:0 0 8px;padding:12px 16px;background:#f6f7f9;border-radius:6px}
.meta div{display:flex;gap:8px;min-width:0}
.meta dt{color:#666;white-space:nowrap}
.meta dt::after{content:":"}
.meta dd{margin:0;font-weight:600;overflow-wrap:anywhere}
figure{margin:12px 0}
figure svg{max-width:100%;height:auto;display:block}
.nodata{color:#a00;font-style:italic}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:3px 7px;border:1px solid #d5d5d5;text-align:right;white-space:nowrap}
th{background:#f0f1f3;font-weight:600;text-align:center}
td:first-child{text-align:left}
caption{text-align:left;font-weight:600;padding:4px 0;white-space:normal}
.ks-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:14px 20px;align-items:start}
.ks{font-size:13px;width:100%}
.ks tr.sep td{background:#fff2e6}
.scroll{overflow-x:auto;max-width:100%}
.summary{font-size:11.5px}
.summary th{white-space:normal;padding:3px 3px}
.summary td{padding:3px 4px}
.summary td.ci{line-height:1.25}
.summary .interval{display:block;font-size:11px;color:#555}
.summary tbody tr:nth-child(even) td{background:#fafafa}
`;

/** The experiment's report: one self-contained HTML document (inline CSS and SVG, no scripts, no URLs). */
export async function renderReport(results: ExperimentResults): Promise<string> {
  const scenarios = [...new Set([...results.meta.scenarios, ...results.summary.map((r) => r.scenario)])];
  // The charts follow the paper's uniform removal; without it, the first scenario there is.
  const scenario = scenarios.includes('uniform') ? 'uniform' : (scenarios[0] ?? 'uniform');
  const chartRows = results.summary.filter((r) => r.scenario === scenario).sort((a, b) => a.fraction - b.fraction);
  const [retrainSvg, untrainSvg, miSvg, vSvg] = await Promise.all([
    retrainChart(results, scenario),
    untrainChart(results, scenario),
    membershipChart(chartRows, scenario),
    vulnerabilityChart(chartRows, scenario),
  ]);
  const sc = escapeHtml(scenario);
  const date = escapeHtml(results.meta.date);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>untrain-als privacy audit (${date})</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>untrain-als privacy audit</h1>
<p>Forgetting interactions from an implicit-feedback ALS model by untraining it, compared with
retraining it from scratch on the remaining data: cost, recommendation quality, and what a
membership-inference attacker can still tell about the forgotten pairs.</p>
${metaList(results.meta)}

<p>Both untraining and retraining run until the certificate (the relative residual of the normal
equations of the retrain objective) is at most ${escapeHtml(String(results.meta.tolerance))}, so the
two models are compared equally close to a solution of the same problem. Stopping untraining
earlier leaves memory an attacker can see (on ML-100K, V was −0.064 when untraining stopped at the
base model's own residual after 1–3 passes).</p>

<h2>Retrain dynamics</h2>
<p>Validation AUC of the model retrained from scratch without the removed pairs, by ALS iteration,
one line per removal fraction (scenario ${sc}, mean over runs; a run that has reached the
certificate counts with its last value). The dashed rule and the large dot
mark the best iteration, the one early stopping would keep.</p>
<figure>${retrainSvg}</figure>

<h2>Untrain dynamics</h2>
<p>Validation AUC of the untrained model by untrain pass, one line per removal fraction
(scenario ${sc}, mean over runs); the dashed rules are the retrained models' AUC at the same
certificate. On the right, the certificate of the untrained model, which shrinks as it approaches
a stationary point of the retraining objective.</p>
<figure>${untrainSvg}</figure>

<h2>Membership inference</h2>
<p>Accuracy of the attack that tells remaining training pairs from forgotten pairs, against the
undeleted, the retrained, the (exact) untrained and the block-mode untrained model (scenario
${sc}, mean over runs). 0.5 means the attacker does no better than a coin toss.</p>
<figure>${miSvg}</figure>

<h2>Vulnerability</h2>
<p>V = MI(untrain) − MI(retrain) and V′ = V − MI(undeleted) by removal fraction, with their 95%
intervals over runs (scenario ${sc}), and the same V for the paper's block mode.</p>
<p>Read V two-sided. Untraining is as private as retraining when V ≈ 0, that is when its interval
covers 0. V &lt; 0 does not mean better privacy but left-over memory: the forgotten pairs still look
like training pairs to the attacker. V &gt; 0 would mean the untrained model sets them apart more
than retraining does.</p>
<p>MI(undeleted) ≈ 0.5 by construction, since both sets were training data for the undeleted
model, so V′ is V shifted by about −0.5; it is reported because the paper does. Judge by V, its
interval and the KS tests below.</p>
<figure>${vSvg}</figure>

<h2>Score distributions (KS)</h2>
<p>Two-sample Kolmogorov–Smirnov tests on the models' scores of the forgotten pairs. For uniform
removal the forgotten pairs are drawn like the held-out pairs (real positives no model trained on),
so under retraining the two sets are exchangeable: each model's forgotten-pair scores are tested
against its held-out-pair scores. For the other scenarios the removal set is not drawn like the
hold-out, so each model's scores of the forgotten pairs are tested against the retrained model's
scores of the same pairs. Mean D over runs; the p-values of the runs are combined by Fisher's
method (−2 Σ ln p against χ² with 2R degrees of freedom). The undeleted model should be separated,
exact untraining should read like retraining. Rows with combined p &lt; 0.05 are shaded.</p>
<p>A note on the user and item scenarios: when a user's whole history (or every interaction with an
item) is forgotten, both the untrained and the retrained model set that user's (item's) factors to
exactly 0, as for a user (item) without interactions, so every forgotten pair scores 0 under both.
KS D is then 0, and the attack tells those pairs from remaining ones perfectly (MI ≈ 1) for both
models alike: V ≈ 0 is the meaningful figure there, and block mode, which zeroes those factors
too, cannot be told apart either.</p>
${ksTables(results.summary)}

<h2>Summary</h2>
<p class="note">Means over runs. Passes: untrain passes and retraining iterations to the same
certificate; validation AUC at that certificate, and retraining's best on the way. V, V′ and V of
block mode with their 95% intervals. KS: combined p-values as above. Before/after AUC: the
attacker that ranks pairs by the drop of their score between the model before and after
forgetting (0.5: it cannot tell forgotten pairs from the others).</p>
${summaryTable(results.summary)}
</main>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// CSV

function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvLines(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

const SUMMARY_COLUMNS: Array<[string, (r: SummaryRow) => unknown]> = [
  ['scenario', (r) => r.scenario],
  ['fraction', (r) => r.fraction],
  ['runs', (r) => r.runs],
  ['removed', (r) => r.removed],
  ['untrainPasses', (r) => r.untrainPasses],
  ['retrainPasses', (r) => r.retrainPasses],
  ['untrainSeconds', (r) => r.untrainSeconds],
  ['retrainSeconds', (r) => r.retrainSeconds],
  ['aucUntrain', (r) => r.aucUntrain],
  ['aucRetrain', (r) => r.aucRetrain],
  ['retrainBestAuc', (r) => r.retrainBestAuc],
  ['retrainBestIteration', (r) => r.retrainBestIteration],
  ['miUndeleted', (r) => r.mi.undeleted],
  ['miRetrain', (r) => r.mi.retrain],
  ['miUntrain', (r) => r.mi.untrain],
  ['miBlock', (r) => r.mi.block],
  ['V', (r) => r.V],
  ['VLow', (r) => r.VCI[0]],
  ['VHigh', (r) => r.VCI[1]],
  ['Vprime', (r) => r.Vprime],
  ['VprimeLow', (r) => r.VprimeCI[0]],
  ['VprimeHigh', (r) => r.VprimeCI[1]],
  ['Vblock', (r) => r.Vblock],
  ['VblockLow', (r) => r.VblockCI[0]],
  ['VblockHigh', (r) => r.VblockCI[1]],
  ['ksReference', (r) => r.ksReference],
  ['ksUndeletedD', (r) => r.ks.undeleted.statistic],
  ['ksUndeletedP', (r) => r.ks.undeleted.pValue],
  ['ksRetrainD', (r) => r.ks.retrain.statistic],
  ['ksRetrainP', (r) => r.ks.retrain.pValue],
  ['ksExactD', (r) => r.ks.exact.statistic],
  ['ksExactP', (r) => r.ks.exact.pValue],
  ['ksBlockD', (r) => r.ks.block.statistic],
  ['ksBlockP', (r) => r.ks.block.pValue],
  ['beforeAfterUntrain', (r) => r.beforeAfter.untrain],
  ['beforeAfterRetrain', (r) => r.beforeAfter.retrain],
];

/** The summary as CSV: a header line, then one line per row (numbers as JavaScript prints them). */
export function summaryCsv(rows: SummaryRow[]): string {
  return csvLines(SUMMARY_COLUMNS.map(([name]) => name), rows.map((r) => SUMMARY_COLUMNS.map(([, get]) => get(r))));
}

/**
 * Curves (or any flat records) as CSV: the header is every key in first-seen order, a missing value
 * is an empty field; strings with commas, quotes or line breaks are quoted. Empty input → ''.
 */
export function curvesCsv(curves: Array<Record<string, number | string>>): string {
  if (curves.length === 0) return '';
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const c of curves) for (const k of Object.keys(c)) if (!seen.has(k)) { seen.add(k); keys.push(k); }
  return csvLines(keys, curves.map((c) => keys.map((k) => c[k])));
}
