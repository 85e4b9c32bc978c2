#!/usr/bin/env node
// Forgetting one pair: latency of the instant step and time to the certificate, on ML-1M
// (users 1–2999) by default, with the instant step by direct re-solve and by Sherman–Morrison updates of the inverse cache.
//
//   node bench/forget-single.mjs [--set ml1m|ml100k] [--factors 64] [--solver cg] [--tol 1e-4] [--pairs 5] [--threads 0]
import { parseArgs } from 'node:util';
import { modelToBytes, modelFromBytes, sampleTrainingPairs } from '../dist/index.node.js';
import { loadSet } from './lib/common.mjs';
import { timedForget, trainToCertificate } from './lib/measure.mjs';

const { values: v } = parseArgs({
  options: {
    set: { type: 'string' }, factors: { type: 'string' }, solver: { type: 'string' }, tol: { type: 'string' },
    'base-tol': { type: 'string' }, pairs: { type: 'string' }, threads: { type: 'string' }, data: { type: 'string' },
    json: { type: 'boolean' }, help: { type: 'boolean' },
  },
});
if (v.help) {
  process.stdout.write('node bench/forget-single.mjs [--set ml1m|ml100k] [--factors 64] [--solver cg|cholesky] [--tol 1e-4] [--base-tol 5e-5] [--pairs 5]\n' +
    '  [--threads 0 (every core)] [--data dir] [--json]\n');
  process.exit(0);
}
const set = v.set ?? 'ml1m';
const tol = Number(v.tol ?? 1e-4);
const baseTol = Number(v['base-tol'] ?? 5e-5);
const threads = Number(v.threads ?? 0);
const { ds } = await loadSet(set, { dataDir: v.data, holdout: 0.01, seed: 0 });
const { model: base } = await trainToCertificate(ds,
  { factors: Number(v.factors ?? 64), regularization: 50, alpha: 40, solver: v.solver ?? 'cg', iterations: 400, threads }, baseTol);
const bytes = modelToBytes(base);
const n = Number(v.pairs ?? 5);
const picks = sampleTrainingPairs(base, n / base.trainRows.indptr[base.nUsers], 7).slice(0, n);
const rows = [];
for (const variant of ['direct', 'cache']) {
  for (const pair of picks) {
    const m = await modelFromBytes(bytes, { threads });
    const cache = variant === 'cache' ? m.cacheInverses() : undefined;
    const r = timedForget(m, [pair], { tol, maxPasses: 200, trace: true }); // trace: also the certificate before the instant step
    rows.push({ variant, pair: pair.join(','), cacheSeconds: cache?.seconds ?? null, cacheMiB: cache ? cache.bytes / 2 ** 20 : null,
      instantMs: r.instantSeconds * 1000, seconds: r.seconds, passes: r.passes, certificateBefore: r.certificateBefore, certificateInstant: r.certificateInstant, certificateAfter: r.certificateAfter });
    m.dispose();
  }
}
const out = { set, baseCertificate: base.fitResidual, tol, threads, rows };
if (v.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
else {
  console.log(`${set}: base certificate ${base.fitResidual.toExponential(2)}, tolerance ${tol}`);
  console.table(rows.map((r) => ({ ...r, instantMs: +r.instantMs.toFixed(2), seconds: +r.seconds.toFixed(3),
    certificateBefore: r.certificateBefore.toExponential(2), certificateInstant: r.certificateInstant.toExponential(2), certificateAfter: r.certificateAfter.toExponential(2) })));
}
