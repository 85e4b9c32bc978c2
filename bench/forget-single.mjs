#!/usr/bin/env node
// Forgetting one pair: latency of the instant step and time to the certificate, on ML-1M
// (users 1–2999) by default, with the instant step by direct re-solve and by Sherman–Morrison updates of the inverse cache.
//
//   node bench/forget-single.mjs [--set ml1m|ml100k] [--factors 64] [--solver cg] [--tol 1e-4] [--pairs 5]
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ALS, prepareDataset, modelToBytes, modelFromBytes, sampleTrainingPairs } from '../dist/index.js';
import { readInteractionsFile } from '../dist/node.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: v } = parseArgs({
  options: {
    set: { type: 'string' }, factors: { type: 'string' }, solver: { type: 'string' }, tol: { type: 'string' },
    'base-tol': { type: 'string' }, pairs: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
  },
});
if (v.help) {
  process.stdout.write('node bench/forget-single.mjs [--set ml1m|ml100k] [--factors 64] [--solver cg|cholesky] [--tol 1e-4] [--base-tol 5e-5] [--pairs 5] [--json]\n');
  process.exit(0);
}
const FILES = { ml100k: 'ml-100k/u.data', ml1m: 'ml-1m/ratings-users-1-2999.dat.gz' };
const set = v.set ?? 'ml1m';
const tol = Number(v.tol ?? 1e-4);
const baseTol = Number(v['base-tol'] ?? 5e-5);
const dataDir = process.env.UNTRAIN_ALS_DATA ?? resolve(here, '../../shared/data');
const ds = prepareDataset(await readInteractionsFile(join(dataDir, FILES[set])), { holdout: 0.01, seed: 0 });
const base = await ALS.create({ factors: Number(v.factors ?? 64), regularization: 50, alpha: 40, solver: v.solver ?? 'cg', iterations: 400 });
await base.fit(ds, { certificate: true, onIteration: (r) => r.certificate > baseTol });
const bytes = modelToBytes(base);
const n = Number(v.pairs ?? 5);
const picks = sampleTrainingPairs(base, n / base.trainRows.indptr[base.nUsers], 7).slice(0, n);
const rows = [];
for (const variant of ['direct', 'cache']) {
  for (const pair of picks) {
    const m = await modelFromBytes(bytes);
    const cache = variant === 'cache' ? m.cacheInverses() : undefined;
    const r = m.forget([pair], { tol, maxPasses: 200 });
    rows.push({ variant, pair: pair.join(','), cacheSeconds: cache?.seconds ?? null, cacheMiB: cache ? cache.bytes / 2 ** 20 : null,
      instantMs: r.instantSeconds * 1000, seconds: r.seconds, passes: r.passes, certificateBefore: r.certificateBefore, certificateInstant: r.certificateInstant, certificateAfter: r.certificateAfter });
    m.dispose();
  }
}
const out = { set, baseCertificate: base.fitResidual, tol, rows };
if (v.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
else {
  console.log(`${set}: base certificate ${base.fitResidual.toExponential(2)}, tolerance ${tol}`);
  console.table(rows.map((r) => ({ ...r, instantMs: +r.instantMs.toFixed(2), seconds: +r.seconds.toFixed(3),
    certificateBefore: r.certificateBefore.toExponential(2), certificateInstant: r.certificateInstant.toExponential(2), certificateAfter: r.certificateAfter.toExponential(2) })));
}
