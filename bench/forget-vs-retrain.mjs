#!/usr/bin/env node
// Untrain (exact, block) vs retrain from scratch: passes, seconds and AUC to reach
// a certificate, for several removal fractions. The acceptance table of the forgetting milestone.
//
//   node bench/forget-vs-retrain.mjs [--sets ml100k,ml1m] [--solvers cg,cholesky] [--fractions 0.01,0.05,0.2]
//        [--factors 64] [--reg 50] [--alpha 40] [--tol 1e-4] [--base-tol 5e-5] [--max 300] [--threads 0] [--out file] [--json]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { modelToBytes, modelFromBytes, sampleTrainingPairs } from '../dist/index.node.js';
import { benchDir, list, loadSet, log, machine, writeJson } from './lib/common.mjs';
import { timedForget, timedRetrain, trainToCertificate } from './lib/measure.mjs';

const { values: v } = parseArgs({
  options: {
    sets: { type: 'string' }, solvers: { type: 'string' }, fractions: { type: 'string' }, modes: { type: 'string' },
    factors: { type: 'string' }, reg: { type: 'string' }, alpha: { type: 'string' }, tol: { type: 'string' },
    'base-tol': { type: 'string' }, 'split-seed': { type: 'string' }, max: { type: 'string' }, threads: { type: 'string' },
    data: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
  },
});
if (v.help) {
  process.stdout.write('node bench/forget-vs-retrain.mjs [--sets ml100k,ml1m] [--solvers cg,cholesky] [--fractions 0.01,0.05,0.2]\n' +
    '  [--modes exact,block] [--split-seed 0] [--factors 64] [--reg 50] [--alpha 40] [--tol 1e-4] [--base-tol 5e-5] [--max 300]\n' +
    '  [--threads 0 (every core)] [--data dir] [--out file] [--json]\n');
  process.exit(0);
}
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
const threads = Number(v.threads ?? 0);
const outFile = v.out ?? join(benchDir, 'results/forget-vs-retrain.json');

const rows = [];
for (const set of sets) {
  const { ds } = await loadSet(set, { dataDir: v.data, holdout: 0.01, seed: splitSeed });
  for (const solver of solvers) {
    const opts = { factors, regularization: reg, alpha, solver, cgSteps: 3, seed: 0, iterations: maxIt, threads };
    // base model: trained until its certificate is ≤ base-tol
    const base = await trainToCertificate(ds, opts, baseTol);
    log(`${set} ${solver}: base ${base.passes} passes, ${base.seconds.toFixed(1)} s, certificate ${base.certificate.toExponential(2)}, AUC ${base.fit.iterations.at(-1).auc.toFixed(4)}`);
    const bytes = modelToBytes(base.model);
    for (const fraction of fractions) {
      const pairs = sampleTrainingPairs(base.model, fraction, 1);
      const row = { set, solver, fraction, pairs: pairs.length, basePasses: base.passes, baseCertificate: base.certificate, tol };
      for (const mode of modes) {
        const m = await modelFromBytes(bytes, { threads });
        const r = (row[mode] = timedForget(m, pairs, { mode, tol,
          // block mode never reaches the retrain objective's certificate: cap its passes
          maxPasses: mode === 'block' ? Math.min(maxIt, 60) : maxIt }));
        log(`  f ${fraction} ${mode.padEnd(5)}: ${r.passes} passes, ${r.seconds.toFixed(2)} s, certificate ${r.certificateBefore.toExponential(2)} → ${r.certificateAfter.toExponential(2)}, AUC ${r.auc.toFixed(4)}`);
        if (mode === 'exact') {
          // retrain on exactly the same remaining data, from scratch, every pass (for the best AUC)
          const re = await timedRetrain(m, { tol, iterations: maxIt, stopAtTol: false });
          const best = re.fit.bestIteration;
          row.retrain = {
            passesToTol: re.passesToTol, secondsToTol: re.secondsToTol, bestIteration: best, secondsToBest: re.elapsed[best - 1],
            bestAuc: re.fit.bestAuc, aucAtTol: re.passesToTol ? re.fit.iterations[re.passesToTol - 1].auc : null, iterationsRun: re.fit.iterations.length,
          };
          log(`  f ${fraction} retrain: certificate ≤ ${tol} at ${re.passesToTol} (${re.secondsToTol?.toFixed(2)} s), best AUC ${re.fit.bestAuc.toFixed(4)} at ${best} (${re.elapsed[best - 1].toFixed(2)} s)`);
        }
        m.dispose();
      }
      rows.push(row);
    }
    base.model.dispose();
  }
}
const result = { machine: machine(), splitSeed, factors, reg, alpha, tol, baseTol, threads, rows };
writeJson(outFile, result);
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
