#!/usr/bin/env node
// Untrain (exact, block) vs retrain from scratch: passes, seconds and AUC to reach
// a certificate, for several removal fractions. The acceptance table of the forgetting milestone.
//
//   node bench/forget-vs-retrain.mjs [--sets ml100k,ml1m] [--solvers cg,cholesky] [--fractions 0.01,0.05,0.2]
//        [--factors 64] [--reg 50] [--alpha 40] [--tol 1e-4] [--base-tol 5e-5] [--max 300] [--out file] [--json]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ALS, prepareDataset, modelToBytes, modelFromBytes } from '../dist/index.js';
import { readInteractionsFile } from '../dist/node.js';
import { sampleTrainingPairs, retrain } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: v } = parseArgs({
  options: {
    sets: { type: 'string' }, solvers: { type: 'string' }, fractions: { type: 'string' }, modes: { type: 'string' },
    factors: { type: 'string' }, reg: { type: 'string' }, alpha: { type: 'string' }, tol: { type: 'string' },
    'base-tol': { type: 'string' }, 'split-seed': { type: 'string' }, max: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' },
    json: { type: 'boolean' }, help: { type: 'boolean' },
  },
});
if (v.help) {
  process.stdout.write('node bench/forget-vs-retrain.mjs [--sets ml100k,ml1m] [--solvers cg,cholesky] [--fractions 0.01,0.05,0.2]\n' +
    '  [--modes exact,block] [--split-seed 0] [--factors 64] [--reg 50] [--alpha 40] [--tol 1e-4] [--base-tol 5e-5] [--max 300] [--out file] [--json]\n');
  process.exit(0);
}
const list = (s, d) => (s ?? d).split(',').map((x) => x.trim()).filter(Boolean);
const sets = list(v.sets, 'ml100k,ml1m');
const solvers = list(v.solvers, 'cg,cholesky');
const fractions = list(v.fractions, '0.01,0.05,0.2').map(Number);
const modes = list(v.modes, 'exact,block');
const factors = Number(v.factors ?? 64);
const reg = Number(v.reg ?? 50);
const alpha = Number(v.alpha ?? 40);
const tol = Number(v.tol ?? 1e-4);
const baseTol = Number(v['base-tol'] ?? 5e-5);
const maxIt = Number(v.max ?? 300);
const splitSeed = Number(v['split-seed'] ?? 0);
const dataDir = v.data ?? process.env.UNTRAIN_ALS_DATA ?? resolve(here, '../../shared/data');
const outFile = v.out ?? join(here, 'results/forget-vs-retrain.json');
const log = (s) => process.stderr.write(s + '\n');
const FILES = { ml100k: 'ml-100k/u.data', ml1m: 'ml-1m/ratings-users-1-2999.dat.gz' };

const rows = [];
for (const set of sets) {
  const ds = prepareDataset(await readInteractionsFile(join(dataDir, FILES[set])), { holdout: 0.01, seed: splitSeed });
  for (const solver of solvers) {
    const opts = { factors, regularization: reg, alpha, solver, cgSteps: 3, seed: 0, iterations: maxIt };
    // base model: trained until its certificate is ≤ base-tol
    const base = await ALS.create(opts);
    const t0 = performance.now();
    let baseIt = 0;
    const baseFit = await base.fit(ds, { certificate: true, onIteration: (r) => { baseIt = r.iteration; return r.certificate > baseTol; } });
    const baseSeconds = (performance.now() - t0) / 1000;
    log(`${set} ${solver}: base ${baseIt} passes, ${baseSeconds.toFixed(1)} s, certificate ${base.fitResidual.toExponential(2)}, AUC ${baseFit.iterations.at(-1).auc.toFixed(4)}`);
    const bytes = modelToBytes(base);
    for (const fraction of fractions) {
      const pairs = sampleTrainingPairs(base, fraction, 1);
      const row = { set, solver, fraction, pairs: pairs.length, basePasses: baseIt, baseCertificate: base.fitResidual, tol };
      for (const mode of modes) {
        const m = await modelFromBytes(bytes);
        const r = m.forget(pairs, { mode, tol,
          // block mode never reaches the retrain objective's certificate: cap its passes
          maxPasses: mode === 'block' ? Math.min(maxIt, 60) : maxIt });
        row[mode] = {
          passes: r.passes, seconds: r.seconds, instantSeconds: r.instantSeconds, auc: r.auc,
          certificateBefore: r.certificateBefore, certificateAfter: r.certificateAfter, rowsSolved: r.rowsSolved,
        };
        log(`  f ${fraction} ${mode.padEnd(5)}: ${r.passes} passes, ${r.seconds.toFixed(2)} s, certificate ${r.certificateBefore.toExponential(2)} → ${r.certificateAfter.toExponential(2)}, AUC ${r.auc.toFixed(4)}`);
        if (mode === 'exact') {
          // retrain on exactly the same remaining data, from scratch
          const tr0 = performance.now();
          let tolAt = null;
          let tolSeconds = null;
          let elapsed = 0;
          const cum = [];
          const { fit } = await retrain(m, {
            iterations: maxIt,
            onIteration: (it) => {
              elapsed = (performance.now() - tr0) / 1000;
              cum.push(elapsed);
              if (tolAt === null && it.certificate <= tol) {
                tolAt = it.iteration;
                tolSeconds = elapsed;
              }
            },
          });
          const best = fit.bestIteration;
          row.retrain = {
            passesToTol: tolAt, secondsToTol: tolSeconds, bestIteration: best, secondsToBest: cum[best - 1],
            bestAuc: fit.bestAuc, aucAtTol: tolAt ? fit.iterations[tolAt - 1].auc : null, iterationsRun: fit.iterations.length,
          };
          log(`  f ${fraction} retrain: certificate ≤ ${tol} at ${tolAt} (${tolSeconds?.toFixed(2)} s), best AUC ${fit.bestAuc.toFixed(4)} at ${best} (${cum[best - 1].toFixed(2)} s)`);
        }
        m.dispose();
      }
      rows.push(row);
    }
    base.dispose();
  }
}
mkdirSync(dirname(outFile), { recursive: true });
const result = { date: new Date().toISOString(), node: process.version, splitSeed, factors, reg, alpha, tol, baseTol, rows };
writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
if (v.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
else {
  console.table(rows.map((r) => ({
    set: r.set, solver: r.solver, f: r.fraction,
    'untrain passes': r.exact?.passes, 'untrain s': r.exact && +r.exact.seconds.toFixed(2), 'untrain AUC': r.exact && +r.exact.auc.toFixed(4),
    'retrain→tol passes': r.retrain?.passesToTol, 'retrain→tol s': r.retrain?.secondsToTol && +r.retrain.secondsToTol.toFixed(2),
    'retrain best it': r.retrain?.bestIteration, 'retrain best s': r.retrain && +r.retrain.secondsToBest.toFixed(2), 'retrain best AUC': r.retrain && +r.retrain.bestAuc.toFixed(4),
    'block passes': r.block?.passes, 'block AUC': r.block && +r.block.auc.toFixed(4),
  })));
  log(`wrote ${outFile}`);
}
