// Figures, their speedups across configurations, and the plain-text report of a benchmark result
// (tables aligned in columns).

/**
 * A figure of one benchmark row: `values` by configuration (a number, or a string saying why
 * there is none). `better`: 'lower' (times) or 'higher' (rates); `compare`: false where a ratio
 * across configurations means nothing (pass counts, ratios).
 */
export function figure(name, unit, values, { better = 'lower', compare = true } = {}) {
  const f = { name, unit, better, values };
  if (compare) {
    f.speedups = {
      threads: speedup(values['wasm-1-thread'], values['wasm-threads'], better),
      wasmJs: speedup(values.js, values['wasm-1-thread'], better),
    };
  }
  return f;
}

/** How many times faster `b` is than `a` (null unless both are numbers). */
function speedup(a, b, better) {
  if (typeof a !== 'number' || typeof b !== 'number' || !(a > 0 && b > 0)) return null;
  return better === 'lower' ? a / b : b / a;
}

/** A figure's value as text: 3 significant digits, without exponents; passes as integers. */
export function formatValue(x, unit) {
  if (x === undefined) return '';
  if (typeof x === 'string') return x;
  if (x === null || !Number.isFinite(x)) return '-';
  if (unit === 'passes') return String(x);
  if (unit === '×') return `${x < 10 ? x.toFixed(2) : x.toFixed(1)}×`;
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** Rows of cells as text in aligned columns; `right[c]` right-aligns column c. */
export function formatTable(header, rows, right) {
  const width = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells) => cells.map((s, c) => (right[c] ? s.padStart(width[c]) : s.padEnd(width[c]))).join('  ').trimEnd();
  return [line(header), line(width.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * One section's table: a line per figure of every row ({ set, factors, solver, figures }), a column
 * per configuration, then the two speedups.
 */
function figureTable(title, rows, configs, configLabel) {
  const header = ['set', 'k', 'solver', 'figure', ...configs.map(configLabel), 'threads×', 'wasm/js×'];
  const right = header.map((_, c) => c === 1 || c >= 4);
  const body = [];
  for (const r of rows) {
    for (const f of r.figures) {
      body.push([
        r.label, String(r.factors), r.solver ?? '', f.unit === '×' ? f.name : `${f.name} (${f.unit})`,
        ...configs.map((c) => formatValue(f.values[c], f.unit)),
        formatValue(f.speedups?.threads ?? undefined, '×'), formatValue(f.speedups?.wasmJs ?? undefined, '×'),
      ]);
    }
  }
  return `${title}\n${formatTable(header, body, right)}`;
}

const sci = (x) => x.toExponential();

/** The text report of a result of bench/als-iteration.mjs (its JSON). */
export function textReport({ machine: m, settings: s, configs, passes, evaluation, forgetting }) {
  const cols = s.configs;
  const label = (c) => (c === 'wasm-threads' ? `${c} (${configs[c].threadsRun ?? '?'})` : c);
  const out = [
    `untrain-als benchmark: node ${m.node}, ${m.cores} cores (${m.cpu}), load ${m.loadavg.map((x) => x.toFixed(2)).join(' ')}, ${m.date}`,
    `λ ${s.model.regularization}, α ${s.model.alpha}, CG ${s.model.cgSteps} steps; data with a ${s.holdout * 100}% hold-out (split seed ${s.splitSeed}).`,
    'Speedups (how many times faster): threads× = wasm-1-thread against wasm-threads, wasm/js× = js against wasm-1-thread.',
  ];
  for (const c of cols) if (configs[c].threadNote) out.push(`${c}: ${configs[c].threadNote}`);
  if (passes.length) out.push('', figureTable('ALS pass (all users, then all items)', passes, cols, label));
  if (evaluation.length) {
    out.push('', figureTable('Evaluation (held-out AUC; top-10 with training items skipped)', evaluation, cols, label));
    for (const r of evaluation) {
      for (const [c, x] of Object.entries(r.results)) {
        if (x.throughputUsers < x.throughputOf) {
          out.push(`  ${r.label} k${r.factors} ${c}: top-10 for ${x.throughputUsers} of ${x.throughputOf} users (stopped after ${x.throughputSeconds.toFixed(0)} s)`);
        }
      }
    }
  }
  if (forgetting?.rows.length) {
    const f = forgetting;
    out.push('', figureTable(`Forgetting ${f.fraction * 100}% of the training pairs of ${f.label} (uniform, seed ${f.seed}) to certificate ${sci(f.tol)}, ` +
      'against retraining from scratch to it', f.rows, cols, label));
    for (const r of f.rows) {
      out.push(`  base k${r.factors} ${r.solver}: ${r.base.passes} passes to certificate ${r.base.certificate.toExponential(2)} (≤ ${sci(f.baseTol)}); ${r.pairs} pairs forgotten`);
    }
  }
  const skips = new Set([passes, evaluation, forgetting?.rows ?? []].flat().flatMap((r) => Object.values(r.results)).map((x) => x.skipped).filter(Boolean));
  if (skips.size) out.push('', 'skipped:', ...[...skips].map((x) => `  ${x}`));
  return out.join('\n') + '\n';
}

/** Rows of cells as a Markdown table (`|` in a cell escaped). */
export function markdownTable(header, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
