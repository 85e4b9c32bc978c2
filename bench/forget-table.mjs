#!/usr/bin/env node
// The forgetting table: for each data set and removal fraction, exact untraining against
// retraining from scratch to the same certificate, and what each does to the scores of the
// forgotten pairs and of the held-out pairs (never-seen positives).
//
// Per data set a base model is trained until its certificate is ≤ --base-tol (1% seeded hold-out,
// no AUC after any pass). Per removal fraction and removal seed, a uniform sample of its training
// pairs is untrained (exact, the default mode) to --tol, and a model is retrained from scratch on
// the same remaining pairs to --tol. Both sides pay alike (bench/lib/measure.mjs,
// untrainAgainstRetrain): loss and certificate after every pass, nothing else; untraining timed over
// the whole forget call, retraining from its first pass (model creation and upload are set-up);
// the held-out AUC once at the end for each, outside the clocks.
// Writes the JSON after every row (a run cut short keeps its rows) and a Markdown table.
//
//   node bench/forget-table.mjs [--sets ml100k,ml1m,mlsmall,longtail] [--fractions 0.001,0.01,0.05] [--seeds 1]
//        [--solver cg] [--factors 64] [--reg 50] [--alpha 40] [--tol 1e-4] [--base-tol 5e-5] [--base-max 1000]
//        [--max 1000 (retrain)] [--forget-max 1000] [--split-seed 0] [--threads 0] [--data dir] [--out file.json] [--md file.md] [--json]
//   node bench/forget-table.mjs --from bench/results/forget-table.json [--md file.md]   (the Markdown of an earlier run)
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { modelToBytes, sampleTrainingPairs } from '../dist/index.node.js';
import { benchDir, itemHistogram, list, loadSet, log, machine, writeJson } from './lib/common.mjs';
import { trainToCertificate, untrainAgainstRetrain } from './lib/measure.mjs';
import { markdownTable } from './lib/report.mjs';

const { values: v } = parseArgs({
  options: Object.fromEntries([
    ...['sets', 'fractions', 'seeds', 'solver', 'factors', 'reg', 'alpha', 'tol', 'base-tol', 'base-max', 'max', 'forget-max', 'split-seed',
      'threads', 'data', 'out', 'md', 'from'].map((name) => [name, { type: 'string' }]),
    ['json', { type: 'boolean' }], ['help', { type: 'boolean' }],
  ]),
});
if (v.help) {
  process.stdout.write('node bench/forget-table.mjs [--sets ml100k,ml1m,mlsmall,longtail] [--fractions 0.001,0.01,0.05] [--seeds 1 (removal seeds)]\n' +
    '  [--solver cg] [--factors 64] [--reg 50] [--alpha 40] [--tol 1e-4] [--base-tol 5e-5] [--base-max 1000]\n' +
    '  [--max 1000 (retrain passes)] [--forget-max 1000] [--split-seed 0] [--threads 0 (every core)] [--data dir] [--out file.json] [--md file.md] [--json]\n' +
    '  [--from file.json: only write the Markdown of an earlier run]\n');
  process.exit(0);
}
const settings = {
  sets: list(v.sets, 'ml100k,ml1m,mlsmall,longtail'),
  fractions: list(v.fractions, '0.001,0.01,0.05').map(Number),
  seeds: list(v.seeds, '1').map(Number),
  solver: v.solver ?? 'cg',
  factors: Number(v.factors ?? 64),
  reg: Number(v.reg ?? 50),
  alpha: Number(v.alpha ?? 40),
  tol: Number(v.tol ?? 1e-4),
  baseTol: Number(v['base-tol'] ?? 5e-5),
  max: Number(v.max ?? 1000),
  baseMax: Number(v['base-max'] ?? 1000),
  forgetMax: Number(v["forget-max"] ?? 1000),
  splitSeed: Number(v['split-seed'] ?? 0),
  threads: Number(v.threads ?? 0),
};
const outFile = v.out ?? join(benchDir, 'results/forget-table.json');
const mdFile = v.md ?? join(benchDir, 'results/forget-table.md');
if (v.from) {
  writeFileSync(mdFile, markdown(JSON.parse(readFileSync(v.from, 'utf8'))));
  log(`wrote ${mdFile}`);
  process.exit(0);
}
const command = `node bench/forget-table.mjs ${process.argv.slice(2).join(' ')}`.trim();
const result = { command, machine: machine(), settings, sets: [], rows: [] };
const save = () => writeJson(outFile, result);

for (const name of settings.sets) {
  const set = await loadSet(name, { dataDir: v.data, holdout: 0.01, seed: settings.splitSeed });
  const histogram = itemHistogram(set);
  const opts = {
    factors: settings.factors, regularization: settings.reg, alpha: settings.alpha, solver: settings.solver, cgSteps: 3, seed: 0,
    iterations: settings.baseMax, threads: settings.threads,
  };
  const load = loadavg();
  const base = await trainToCertificate(set.ds, opts, settings.baseTol);
  const info = {
    set: name, label: set.label, users: set.users, items: set.items, interactions: set.interactions, train: set.train, test: set.test,
    histogram, base: { passes: base.passes, seconds: base.seconds, certificate: base.certificate, converged: base.converged, auc: base.auc, loadavg: load },
  };
  result.sets.push(info);
  log(`${set.label}: ${set.users} users × ${set.items} items, ${set.train} training + ${set.test} held-out pairs; ` +
    `items with 1–3 pairs ${(100 * histogram.share1to3).toFixed(1)}% (${JSON.stringify(histogram.buckets)})`);
  log(`  base: ${base.passes} passes, ${base.seconds.toFixed(1)} s, certificate ${base.certificate.toExponential(2)}` +
    `${base.converged ? '' : ' NOT CONVERGED'}, AUC ${base.auc.toFixed(4)}`);
  const bytes = modelToBytes(base.model);
  for (const fraction of settings.fractions) {
    for (const seed of settings.seeds) {
      const pairs = sampleTrainingPairs(base.model, fraction, seed);
      const rowLoad = loadavg();
      const r = await untrainAgainstRetrain(bytes, pairs, {
        threads: settings.threads, tol: settings.tol, maxPasses: settings.forgetMax, iterations: settings.max,
      });
      result.rows.push({ set: name, label: set.label, fraction, seed, loadavg: rowLoad, ...r });
      save();
      const { untrain: u, retrain: re, scores: s } = r;
      log(`  f ${fraction} seed ${seed} (${pairs.length} pairs, load ${rowLoad[0].toFixed(2)}): ` +
        `untrain ${u.passes} passes ${u.seconds.toFixed(2)} s${u.converged ? '' : ' NOT CONVERGED'}; ` +
        `retrain ${re.passes} passes ${re.seconds.toFixed(2)} s${re.converged ? '' : ' NOT CONVERGED'}; ` +
        `forgotten ${s.forgotten.base.toFixed(3)} → ${s.forgotten.untrained.toFixed(3)} / ${s.forgotten.retrained.toFixed(3)}, ` +
        `held-out ${s.heldOut.base.toFixed(3)} / ${s.heldOut.retrained.toFixed(3)}`);
    }
  }
  base.model.dispose();
}
result.finished = new Date().toISOString();
save();
const md = markdown(result);
writeFileSync(mdFile, md);
if (v.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
else process.stdout.write(md);
log(`wrote ${outFile} and ${mdFile}`);

/** The table (one line per set and fraction: means over the removal seeds) and its notes. */
function markdown({ command, machine: m, settings: st, sets, rows }) {
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  const f3 = (x) => (x === null || x === undefined ? '-' : x.toFixed(3));
  const passes = (a) => (a.length === 1 ? String(a[0]) : mean(a).toFixed(1));
  const secs = (x) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const conv = (a) => (a.length === 1 ? (a[0] ? 'yes' : '**no**') : `${a.filter(Boolean).length}/${a.length}`);
  const body = [];
  for (const info of sets) {
    for (const fraction of st.fractions) {
      const rs = rows.filter((r) => r.set === info.set && r.fraction === fraction);
      if (!rs.length) continue;
      const g = (fn) => rs.map(fn);
      const us = mean(g((r) => r.untrain.seconds));
      const rts = mean(g((r) => r.retrain.seconds));
      body.push([
        info.label, `${fraction * 100}% (${rs[0].pairs})`,
        passes(g((r) => r.untrain.passes)), secs(us), passes(g((r) => r.retrain.passes)), secs(rts), `${(rts / us).toFixed(1)}×`,
        f3(mean(g((r) => r.scores.forgotten.base))), f3(mean(g((r) => r.scores.forgotten.untrained))),
        f3(mean(g((r) => r.scores.forgotten.retrained))), f3(mean(g((r) => r.scores.forgotten.meanAbsUntrainedRetrained))),
        f3(mean(g((r) => r.scores.heldOut.base))), f3(mean(g((r) => r.scores.heldOut.untrained))), f3(mean(g((r) => r.scores.heldOut.retrained))),
        f3(mean(g((r) => r.scores.heldOut.meanAbsUntrainedRetrained))),
        `${mean(g((r) => r.untrain.auc)).toFixed(4)} / ${mean(g((r) => r.retrain.auc)).toFixed(4)}`,
        `${conv(g((r) => r.untrain.converged))} / ${conv(g((r) => r.retrain.converged))}`,
      ]);
    }
  }
  const loads = rows.map((r) => r.loadavg[0]).concat(sets.map((s) => s.base.loadavg[0]));
  const out = [
    '# Forgetting vs retraining from scratch',
    '',
    `\`${command}\``,
    '',
    `${m.date}, node ${m.node}, ${m.cores} cores (${m.cpu}); 1-minute load average ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} ` +
      'before the rows (the machine is shared; timings of different runs are not comparable).',
    `k ${st.factors}, λ ${st.reg}, α ${st.alpha}, ${st.solver === 'cg' ? 'CG 3 steps' : 'Cholesky'}, ${st.threads || 'all'} threads; ` +
      `1% hold-out (split seed ${st.splitSeed}); base models trained to a certificate ≤ ${st.baseTol.toExponential()}; untraining (exact) ` +
      `and retraining from scratch both to ≤ ${st.tol.toExponential()}; removal seeds ${st.seeds.join(', ')}` +
      `${st.seeds.length > 1 ? ' (each line: the mean over the seeds; converged: how many runs did)' : ''}.`,
    'Seconds: untraining over the whole forget call (instant step included), retraining from its first pass; both with the loss and ' +
      'the certificate after every pass and no AUC. Scores are mean x_u·y_i: of the forgotten pairs under the base model, after ' +
      'untraining and after retraining, with the mean per-pair |untrained − retrained|; of the held-out pairs (never seen by any model), ' +
      'the same. The held-out per-pair |Δ| is how far two models at the same certificate differ anyway.',
    '',
    markdownTable([
      'data', 'removed (pairs)', 'untrain passes', 'untrain s', 'retrain passes', 'retrain s', 'retrain ÷ untrain',
      'forgotten: base', 'forgotten: untrained', 'forgotten: retrained', 'forgotten: per-pair |Δ|',
      'held-out: base', 'held-out: untrained', 'held-out: retrained', 'held-out: per-pair |Δ|', 'AUC untrained / retrained', 'converged (untrain / retrain)',
    ], body),
    '',
    ...sets.map((s) => {
      const h = s.histogram;
      const b = s.base;
      return `- ${s.label}: ${s.users} users × ${s.items} items, ${s.train} training + ${s.test} held-out pairs; items with 1–3 pairs ` +
        `${(100 * h.share1to3).toFixed(1)}% (1: ${h.buckets[1]}, 2–3: ${h.buckets['2–3']}, 4–10: ${h.buckets['4–10']}, 11–100: ${h.buckets['11–100']}, ` +
        `>100: ${h.buckets['>100']}). Base: ${b.passes} passes, ${secs(b.seconds)} s, certificate ${b.certificate.toExponential(2)}` +
        `${b.converged ? '' : ' (**not converged**)'}, AUC ${b.auc.toFixed(4)}.`;
    }),
    '',
  ];
  return out.join('\n');
}
