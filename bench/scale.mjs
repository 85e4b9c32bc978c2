#!/usr/bin/env node
// Scale: a synthetic data set shaped like MovieLens 20M (138,493 users, 26,744 items, 20,000,263
// interactions, power-law popularity and activity), generated on the fly; fit ALS, forget 0.1% of
// the training pairs, evaluate the held-out AUC; seconds per pass and memory (peak resident set,
// WebAssembly memory, bytes per interaction). Needs `npm run build` first.
//
// The fit is either a few passes (--passes, default 3: the model is NOT stationary, far from a
// certificate of 1e-4) or runs until its certificate is ≤ --base-tol (at most --max-passes). Forgetting
// runs to the library's default tolerance (min(1e-4, …), see forget.ts) or to --forget-tol, at most
// --forget-passes passes, and the output says plainly whether it converged and whether the base was
// stationary: from a short fit the untrain passes also go on training the model, so their time is
// not the cost of forgetting from a converged model.
//
//   node bench/scale.mjs [--users 138493] [--items 26744] [--interactions 20000263] [--factors 64]
//                        [--threads 2] [--passes 3 | --base-tol 1e-4 --max-passes 300] [--holdout 10000]
//                        [--forget 0.001] [--forget-tol t] [--forget-passes 10] [--json]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ALS, Rng, prepareDataset, synthetic, shutdownThreads } from '../dist/index.node.js';
import { benchDir, writeJson } from './lib/common.mjs';

const HELP = `node bench/scale.mjs [options]

Generates an ML-20M-shaped synthetic data set, fits ALS, forgets 0.1% of the training pairs and
evaluates the held-out AUC, reporting seconds per pass and memory (peak RSS, WebAssembly memory).
A fit of a few passes is not stationary: forgetting from it also finishes its training, and the
output says so (and whether forgetting reached its tolerance).

  --users <n>          users (default 138493, as ML-20M)
  --items <n>          items (default 26744)
  --interactions <n>   interactions (default 20000263)
  --rank <n>           topics of the generator (default 8)
  --seed <n>           generator, split and forget-sample seed (default 1)
  --timestamps         also generate timestamps (8 bytes per pair that nothing here uses)
  --factors <k>        latent factors (default 64)
  --solver <s>         cg | cholesky (default cg, 3 steps)
  --threads <n>        kernel threads, 0 = every core (default 2)
  --passes <n>         ALS passes of the fit (default 3); ignored with --base-tol
  --base-tol <t>       fit until the certificate is ≤ t instead (certificate after every pass)
  --max-passes <n>     at most this many passes with --base-tol (default 300)
  --holdout <x>        held-out pairs: a fraction (< 1) or a count (≥ 1) (default 10000; a 1%
                       hold-out of 20M is 200k pairs and its exact AUC scores ~85k users × all items)
  --forget <f>         fraction of the training pairs to forget, uniform, seeded (default 0.001)
  --forget-tol <t>     untrain until the certificate is ≤ t (default: the library's default,
                       min(1e-4, max(the fit's certificate, options.tol 1e-4)) = 1e-4)
  --forget-passes <n>  at most this many untrain passes (default 10)
  --out <file>         JSON output (default bench/results/scale.json)
  --json               print the JSON instead of the summary
  --help               this text
`;
const { values: v } = parseArgs({
  options: {
    users: { type: 'string' }, items: { type: 'string' }, interactions: { type: 'string' }, rank: { type: 'string' },
    seed: { type: 'string' }, factors: { type: 'string' }, solver: { type: 'string' }, threads: { type: 'string' },
    passes: { type: 'string' }, 'base-tol': { type: 'string' }, 'max-passes': { type: 'string' }, holdout: { type: 'string' }, forget: { type: 'string' }, 'forget-tol': { type: 'string' },
    'forget-passes': { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
    timestamps: { type: 'boolean' },
  },
});
if (v.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const num = (name, d) => {
  const x = Number(v[name] ?? d);
  if (!Number.isFinite(x)) {
    process.stderr.write(`--${name}: ${v[name]} is not a number\n`);
    process.exit(2);
  }
  return x;
};
const cfg = {
  users: num('users', 138493),
  items: num('items', 26744),
  interactions: num('interactions', 20000263),
  rank: num('rank', 8),
  seed: num('seed', 1),
  timestamps: v.timestamps ?? false,
  factors: num('factors', 64),
  solver: v.solver ?? 'cg',
  threads: num('threads', 2),
  passes: num('passes', 3),
  baseTol: v['base-tol'] !== undefined ? num('base-tol') : null,
  maxPasses: num('max-passes', 300),
  holdout: num('holdout', 10000),
  forget: num('forget', 0.001),
  forgetTol: v['forget-tol'] !== undefined ? num('forget-tol') : null,
  forgetPasses: num('forget-passes', 10),
};
const outFile = v.out ?? join(benchDir, 'results/scale.json');
const log = (s) => (v.json ? process.stderr : process.stdout).write(s + '\n');
const MiB = 2 ** 20;

/** Memory now, and the peak resident set so far (process.resourceUsage().maxRSS is in KiB). */
function memory() {
  const m = process.memoryUsage();
  return {
    rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers,
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
}
const phases = [];
let tPhase = performance.now();
function phase(name, extra = {}) {
  const seconds = (performance.now() - tPhase) / 1000;
  const m = memory();
  phases.push({ phase: name, seconds, ...m, ...extra });
  log(`${name.padEnd(9)} ${seconds.toFixed(2).padStart(7)} s   rss ${(m.rss / MiB).toFixed(0).padStart(5)} MiB   ` +
    `max rss ${(m.maxRss / MiB).toFixed(0).padStart(5)} MiB   heap ${(m.heapUsed / MiB).toFixed(0).padStart(4)} MiB   ` +
    `array buffers ${(m.arrayBuffers / MiB).toFixed(0).padStart(5)} MiB`);
  tPhase = performance.now();
  return seconds;
}
phase('start');

// 1. Generate.
let data = synthetic({
  users: cfg.users, items: cfg.items, interactions: cfg.interactions, rank: cfg.rank, seed: cfg.seed, timestamps: cfg.timestamps,
});
const interactions = data.csr.indptr[data.csr.rows];
const csrBytes = (c) => c.indptr.byteLength + c.indices.byteLength + c.values.byteLength + (c.timestamps?.byteLength ?? 0);
const generatedBytes = csrBytes(data.csr);
const generateSeconds = phase('generate');

// 2. Prepare: id maps as they are, a seeded hold-out.
const holdout = cfg.holdout >= 1 ? cfg.holdout / interactions : cfg.holdout;
let ds = prepareDataset(data, { holdout, seed: cfg.seed });
data = undefined; // the full matrix is not needed any more
const test = ds.test;
const heldOut = test ? test.indptr[test.rows] : 0;
const trainJsBytes = csrBytes(ds.train);
const prepareSeconds = phase('prepare');

// 3. Fit: fit() with no passes loads the data and draws the seeded start, then the passes are run
// and timed one by one (wall clock, and CPU time of all threads: the machine may be shared), with
// the certificate after each (timed apart) when fitting to --base-tol. The test set is not given
// to fit (it would compute the AUC after every pass); it is evaluated once.
const model = await ALS.create({
  factors: cfg.factors, solver: cfg.solver, threads: cfg.threads, iterations: 0,
  regularization: 50, alpha: 40, cgSteps: 3, seed: 0,
});
await model.fit({ users: ds.users, items: ds.items, train: ds.train });
ds = undefined; // the model holds its own copy of the training pairs
const loadSeconds = phase('load');
const passSeconds = [];
const passCpuSeconds = [];
const losses = [];
const certificates = [];
const certificateSeconds = [];
const fitPasses = cfg.baseTol === null ? cfg.passes : cfg.maxPasses;
for (let it = 1; it <= fitPasses; it++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  model.iterate();
  passSeconds.push((performance.now() - t0) / 1000);
  const c = process.cpuUsage(c0);
  passCpuSeconds.push((c.user + c.system) / 1e6);
  losses.push(model.loss());
  let cert = '';
  if (cfg.baseTol !== null) {
    const tc = performance.now();
    certificates.push(model.certificate().residual);
    certificateSeconds.push((performance.now() - tc) / 1000);
    cert = `, certificate ${certificates.at(-1).toExponential(2)} (${certificateSeconds.at(-1).toFixed(2)} s)`;
  }
  log(`  pass ${it}: ${passSeconds.at(-1).toFixed(2)} s (CPU ${passCpuSeconds.at(-1).toFixed(2)} s), loss ${losses.at(-1).toExponential(4)}${cert}`);
  if (cfg.baseTol !== null && certificates.at(-1) <= cfg.baseTol) break;
}
// what fit records at its end
model.fitResidual = cfg.baseTol !== null ? certificates.at(-1) : model.certificate().residual;
const baseReached = cfg.baseTol !== null && model.fitResidual <= cfg.baseTol;
log(`  base: ${passSeconds.length} passes, certificate ${model.fitResidual.toExponential(2)}` +
  (cfg.baseTol === null ? ' (a fixed number of passes, no target)' : baseReached ? ` ≤ ${cfg.baseTol}` : ` NOT ≤ ${cfg.baseTol}`));
const fitSeconds = phase('fit');
const train = interactions - heldOut;

// 4. Forget a uniform, seeded sample of the training pairs (positions drawn by Floyd's algorithm).
const tr = model.trainRows;
const m = Math.max(1, Math.round(cfg.forget * train));
const rng = new Rng(cfg.seed + 1000);
const chosen = new Set();
for (let j = train - m; j < train; j++) {
  const t = rng.int(j + 1);
  chosen.add(chosen.has(t) ? j : t);
}
const positions = Int32Array.from(chosen).sort();
const pairs = [];
{
  let u = 0;
  for (const p of positions) {
    while (tr.indptr[u + 1] <= p) u++;
    pairs.push([model.userIds.id(u), model.itemIds.id(tr.indices[p])]);
  }
}
// (tol undefined: the library's default rule)
const fr = model.forget(pairs, { tol: cfg.forgetTol ?? undefined, maxPasses: cfg.forgetPasses });
const tol = fr.tolerance;
log(`  forgot ${fr.forgotten} pairs: instant step ${fr.instantSeconds.toFixed(2)} s, ${fr.passes} passes, certificate ` +
  `${fr.baseCertificate.toExponential(2)} (base) → ${fr.certificateInstant.toExponential(2)} (instant step) → ${fr.certificateAfter.toExponential(2)} ` +
  `(tol ${tol.toExponential(2)}: ${fr.converged ? 'converged' : 'NOT CONVERGED'})`);
if (fr.note) log(`  note: ${fr.note}`);
phase('forget');

// 5. Evaluate.
const auc = heldOut > 0 ? model.auc(test) : null;
const aucSeconds = phase('auc');

// 6. Memory.
const wasm = model.backend === 'wasm';
const bufBytes = (b) => b.length * 4;
const csrBufBytes = (c) => bufBytes(c.indptr) + bufBytes(c.indices) + bufBytes(c.conf);
const { byUser, byItem } = model.interactions;
const { X, Y } = model.factorBuffers;
// the CSRs and the factors (the Gram matrix and solver scratch, a few k² floats, are left out)
const wasmInUse = csrBufBytes(byUser) + csrBufBytes(byItem) + bufBytes(X) + bufBytes(Y);
const wasmMemoryBytes = wasm ? model.userFactors.buffer.byteLength : 0;
const end = memory();
const mean = (a) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
const result = {
  benchmark: 'ML-20M-shaped synthetic data: fit, forget, AUC',
  node: process.version,
  date: new Date().toISOString(),
  config: cfg,
  command: `node bench/scale.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  users: model.nUsers,
  items: model.nItems,
  interactions,
  train,
  heldOut,
  backend: model.backend,
  threads: model.threads,
  threadNote: model.threadNote,
  generateSeconds,
  prepareSeconds,
  loadSeconds,
  fitSeconds,
  passSeconds,
  passCpuSeconds,
  losses,
  secondsPerPass: mean(passSeconds),
  cpuSecondsPerPass: mean(passCpuSeconds),
  base: {
    passes: passSeconds.length, certificate: fr.baseCertificate, target: cfg.baseTol, reached: baseReached,
    certificates, certificateSeconds,
  },
  fitResidual: fr.baseCertificate,
  forget: {
    requested: pairs.length, forgotten: fr.forgotten, tol, tolFrom: cfg.forgetTol === null ? 'library default' : '--forget-tol',
    maxPasses: cfg.forgetPasses, passes: fr.passes, converged: fr.converged, baseStationary: fr.baseStationary, note: fr.note,
    seconds: fr.seconds, instantSeconds: fr.instantSeconds, passSeconds: fr.curve.map((c) => c.seconds),
    certificates: fr.curve.map((c) => c.certificate),
    certificateBefore: fr.certificateBefore, certificateInstant: fr.certificateInstant, certificateAfter: fr.certificateAfter,
  },
  auc: auc && { ...auc, seconds: aucSeconds },
  memory: {
    maxRss: end.maxRss,
    rss: end.rss,
    heapUsed: end.heapUsed,
    arrayBuffers: end.arrayBuffers,
    wasmMemoryBytes,
    wasmInUseBytes: wasmInUse,
    // where the memory goes (typed arrays, bytes)
    arrays: {
      generated: generatedBytes,
      trainJs: trainJsBytes,
      testJs: test ? csrBytes(test) : 0,
      wasmUserCsr: csrBufBytes(byUser),
      wasmItemCsr: csrBufBytes(byItem),
      wasmFactors: bufBytes(X) + bufBytes(Y),
    },
    wasmBytesPerInteraction: wasmMemoryBytes / interactions,
    maxRssBytesPerInteraction: end.maxRss / interactions,
  },
  phases,
};
writeJson(outFile, result);
if (v.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
else {
  const f = (x, d = 2) => x.toFixed(d);
  log(`\n${result.users} users, ${result.items} items, ${interactions} interactions (${heldOut} held out), k ${cfg.factors} ${cfg.solver}, ` +
    `${model.backend} on ${model.threads} thread${model.threads > 1 ? 's' : ''}${model.threadNote ? ` (${model.threadNote})` : ''}`);
  const shown = passSeconds.length <= 10 ? passSeconds.map((x) => f(x)).join(', ')
    : `${passSeconds.slice(0, 5).map((x) => f(x)).join(', ')}, … ${passSeconds.length - 5} more`;
  log(`seconds per pass   ${f(result.secondsPerPass)}  (${shown}); CPU ${f(result.cpuSecondsPerPass)} s per pass` +
    (certificates.length ? `; certificate ${f(mean(certificateSeconds))} s` : ''));
  log(`generate / prepare / load ${f(generateSeconds)} / ${f(prepareSeconds)} / ${f(loadSeconds)} s`);
  log(`base model         ${passSeconds.length} passes, certificate ${fr.baseCertificate.toExponential(2)}: ` +
    (fr.baseStationary ? `stationary (≤ the forget tolerance ${tol.toExponential(2)})`
      : `NOT STATIONARY (> the forget tolerance ${tol.toExponential(2)}): the untrain passes below also continue its training`));
  log(`forget             ${fr.forgotten} pairs in ${f(fr.seconds)} s: instant ${f(fr.instantSeconds)} s + ${fr.passes} passes ` +
    `(tol ${tol.toExponential(2)}, ${cfg.forgetTol === null ? 'the library default' : '--forget-tol'}: certificate ` +
    `${fr.certificateAfter.toExponential(2)}, ${fr.converged ? 'converged' : `NOT CONVERGED after ${fr.passes} passes (--forget-passes ${cfg.forgetPasses})`})`);
  if (auc) log(`AUC                ${f(auc.auc, 4)} over ${auc.pairs} pairs of ${auc.users} users in ${f(aucSeconds)} s`);
  log(`max RSS            ${f(end.maxRss / MiB, 0)} MiB = ${f(end.maxRss / interactions, 1)} B per interaction`);
  log(`WASM memory        ${f(wasmMemoryBytes / MiB, 0)} MiB = ${f(wasmMemoryBytes / interactions, 1)} B per interaction ` +
    `(in use by the model ${f(wasmInUse / MiB, 0)} MiB)`);
  const a = result.memory.arrays;
  log(`JS heap in use     ${f(end.heapUsed / MiB, 0)} MiB`);
  log(`arrays (MiB)       generated ${f(a.generated / MiB, 0)}, train ${f(a.trainJs / MiB, 0)} (JS); user CSR ${f(a.wasmUserCsr / MiB, 0)}, ` +
    `item CSR ${f(a.wasmItemCsr / MiB, 0)}, factors ${f(a.wasmFactors / MiB, 0)} (WASM)`);
  log(`wrote ${outFile}`);
}
model.dispose();
shutdownThreads();
