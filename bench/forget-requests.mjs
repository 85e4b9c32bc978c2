#!/usr/bin/env node
// Single deletion requests, as a service would serve them: one long-lived model, requests one after
// another, each forgetting to the default tolerance. Kinds: k pairs of one user (1, 5, 20), a whole
// user, a whole item. Prints the median (and p90) time per call over --requests requests, the
// instant step's share, the passes and the certificate after. Run `npm run build` first.
//
//   node bench/forget-requests.mjs [--set ml1m] [--factors 64] [--solver cg] [--base-tol 5e-5] [--requests 20] [--threads 0] [--json]
import { parseArgs } from 'node:util';
import { modelFromBytes, modelToBytes } from '../dist/index.node.js';
import { benchDir, loadSet, log, machine, writeJson } from './lib/common.mjs';
import { trainToCertificate } from './lib/measure.mjs';
import { join } from 'node:path';

const { values: v } = parseArgs({
  options: {
    set: { type: 'string' }, factors: { type: 'string' }, solver: { type: 'string' }, 'base-tol': { type: 'string' },
    requests: { type: 'string' }, tol: { type: 'string' }, threads: { type: 'string' }, data: { type: 'string' }, kinds: { type: 'string' },
    json: { type: 'boolean' }, help: { type: 'boolean' },
  },
});
if (v.help) {
  process.stdout.write('node bench/forget-requests.mjs [--set ml1m|ml100k|…] [--factors 64] [--solver cg|cholesky] [--base-tol 5e-5]\n' +
    '  [--requests 20] [--tol T (default: forget\'s default)] [--kinds pairs1,pairs5,pairs20,user,item] [--threads 0 (every core)] [--data dir] [--json]\n');
  process.exit(0);
}
const set = v.set ?? 'ml1m';
const requests = Number(v.requests ?? 20);
const threads = Number(v.threads ?? 0);
const kinds = (v.kinds ?? 'pairs1,pairs5,pairs20,user,item').split(',');
const loaded = await loadSet(set, { dataDir: v.data, holdout: 0.01, seed: 0 });
const { model: base } = await trainToCertificate(loaded.ds,
  { factors: Number(v.factors ?? 64), regularization: 50, alpha: 40, solver: v.solver ?? 'cg', iterations: 1000, tol: Number(v['base-tol'] ?? 5e-5), threads }, Number(v['base-tol'] ?? 5e-5));
log(`${loaded.label}: base certificate ${base.fitResidual.toExponential(2)}`);
const bytes = modelToBytes(base);
base.dispose();

// users with at least 21 training pairs, items with at least 2, in a seeded order
function pick(model, kind, t) {
  const tr = model.trainRows;
  const n = model.nUsers;
  if (kind === 'item') {
    const counts = new Int32Array(model.nItems);
    for (let p = 0; p < tr.indptr[n]; p++) counts[tr.indices[p]]++;
    for (let s = 0; s < model.nItems; s++) {
      const i = (t * 7919 + s * 104729) % model.nItems;
      if (counts[i] >= 2) return { items: [model.itemIds.id(i)] };
    }
  }
  for (let s = 0; s < n; s++) {
    const u = (t * 7919 + s * 104729) % n;
    const len = tr.indptr[u + 1] - tr.indptr[u];
    if (len < 21) continue;
    if (kind === 'user') return { users: [model.userIds.id(u)] };
    const k = Number(kind.slice(5));
    const step = Math.floor(len / k);
    return { pairs: Array.from({ length: k }, (_, j) => [model.userIds.id(u), model.itemIds.id(tr.indices[tr.indptr[u] + j * step])]) };
  }
  throw new Error('no suitable user');
}

const quantile = (a, q) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(q * a.length))];
const rows = [];
for (const kind of kinds) {
  const model = await modelFromBytes(bytes, { threads });
  const calls = [];
  for (let t = 0; t < requests; t++) {
    const req = pick(model, kind, t);
    const t0 = performance.now();
    const opts = v.tol !== undefined ? { tol: Number(v.tol) } : {};
    const r = req.pairs ? model.forget(req.pairs, opts) : model.forgetRows(req, opts);
    const ms = performance.now() - t0;
    calls.push({ ms, instantMs: r.instantSeconds * 1000, passes: r.passes, forgotten: r.forgotten, certificate: r.certificateAfter, converged: r.converged, tolerance: r.tolerance });
  }
  const ms = calls.map((c) => c.ms);
  rows.push({
    kind, requests, threads: model.threads, medianMs: quantile(ms, 0.5), p90Ms: quantile(ms, 0.9),
    medianInstantMs: quantile(calls.map((c) => c.instantMs), 0.5), meanPairs: calls.reduce((s, c) => s + c.forgotten, 0) / requests,
    maxPasses: Math.max(...calls.map((c) => c.passes)), maxCertificate: Math.max(...calls.map((c) => c.certificate)),
    allConverged: calls.every((c) => c.converged), tolerance: calls[0].tolerance, calls,
  });
  model.dispose();
}
const out = { set: loaded.label, machine: machine(), rows };
writeJson(join(benchDir, 'results', 'forget-requests.json'), out);
if (v.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
else {
  console.log(`| request | pairs | median ms per call | p90 ms | instant step ms | passes (max) | certificate after (max) | converged |`);
  console.log(`| --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const r of rows) {
    console.log(`| ${r.kind} | ${r.meanPairs.toFixed(1)} | ${r.medianMs.toFixed(1)} | ${r.p90Ms.toFixed(1)} | ${r.medianInstantMs.toFixed(2)} | ${r.maxPasses} | ${r.maxCertificate.toExponential(2)} | ${r.allConverged ? 'all' : 'NOT all'} |`);
  }
}
