#!/usr/bin/env node
// Benchmark: seconds per ALS iteration (users then items), WASM SIMD kernels vs the pure-JS twin,
// for CG (3 steps) and Cholesky at several factor counts, on ML-100K, ML-1M (users 1–2999) and a
// synthetic set of ~500k interactions. Prints a table and writes JSON with the wasm/js ratios.
//
//   npm run bench -- [--factors 32,64,128] [--sets ml100k,ml1m,synthetic] [--time 1500] [--out file] [--json]
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { ALS, prepareDataset, synthetic } from '../dist/index.js';
import { readInteractionsFile } from '../dist/node.js';

const here = dirname(fileURLToPath(import.meta.url));
const HELP = `npm run bench -- [options]

  --factors <list>   factor counts (default 32,64,128)
  --solvers <list>   cg,cholesky (default both)
  --sets <list>      ml100k,ml1m,synthetic (default all)
  --backends <list>  wasm,js (default both)
  --time <ms>        tinybench time budget per task (default 1500)
  --slow <s>         when one iteration takes longer than this, report that single timing (default 3)
  --data <dir>       MovieLens folder (default ../shared/data or $UNTRAIN_ALS_DATA)
  --out <file>       JSON output (default bench/results/als-iteration.json)
  --json             print the JSON instead of the table
  --help             this text
`;
const { values: v } = parseArgs({
  options: {
    factors: { type: 'string' }, solvers: { type: 'string' }, sets: { type: 'string' }, backends: { type: 'string' },
    time: { type: 'string' }, slow: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' },
    json: { type: 'boolean' }, help: { type: 'boolean' },
  },
});
if (v.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const list = (s, d) => (s ?? d).split(',').map((x) => x.trim()).filter(Boolean);
const factorsList = list(v.factors, '32,64,128').map(Number);
const solvers = list(v.solvers, 'cg,cholesky');
const sets = list(v.sets, 'ml100k,ml1m,synthetic');
const backends = list(v.backends, 'wasm,js');
const time = Number(v.time ?? 1500);
const slow = Number(v.slow ?? 3);
const dataDir = v.data ?? process.env.UNTRAIN_ALS_DATA ?? resolve(here, '../../shared/data');
const outFile = v.out ?? join(here, 'results/als-iteration.json');
const log = (s) => process.stderr.write(s + '\n');

async function loadSet(name) {
  if (name === 'synthetic') return prepareDataset(synthetic({ users: 10000, items: 5000, interactions: 500000, seed: 1 }), { holdout: 0 });
  const file = { ml100k: 'ml-100k/u.data', ml1m: 'ml-1m/ratings-users-1-2999.dat.gz' }[name];
  if (!file) throw new Error(`unknown set ${name}`);
  const path = join(dataDir, file);
  if (!existsSync(path)) throw new Error(`${path} not found (set --data or UNTRAIN_ALS_DATA)`);
  return prepareDataset(await readInteractionsFile(path), { holdout: 0 });
}

const rows = [];
for (const set of sets) {
  const ds = await loadSet(set);
  const nnz = ds.train.indptr[ds.train.rows];
  log(`${set}: ${ds.users.size} users, ${ds.items.size} items, ${nnz} interactions`);
  for (const factors of factorsList) {
    for (const solver of solvers) {
      const row = { set, users: ds.users.size, items: ds.items.size, interactions: nnz, factors, solver };
      for (const backend of backends) {
        const model = await ALS.create({ factors, solver, backend, regularization: 50, alpha: 40, cgSteps: 3, seed: 0, iterations: 0 });
        await model.fit(ds); // loads the data, random start, no iterations
        const t0 = performance.now();
        model.iterate();
        const first = (performance.now() - t0) / 1000;
        let seconds;
        let samples;
        if (first > slow) {
          seconds = first;
          samples = 1;
        } else {
          const bench = new Bench({ time, warmup: false, iterations: 3 });
          bench.add(`${set} k${factors} ${solver} ${backend}`, () => model.iterate());
          await bench.run();
          const r = bench.tasks[0].result;
          seconds = r.latency.mean / 1000;
          samples = r.latency.samplesCount ?? r.latency.samples?.length ?? null;
        }
        row[`${backend}Seconds`] = seconds;
        row[`${backend}Samples`] = samples;
        log(`  k${factors} ${solver.padEnd(8)} ${backend.padEnd(4)} ${(seconds * 1000).toFixed(2)} ms/iteration`);
        model.dispose();
      }
      if (row.wasmSeconds && row.jsSeconds) row.jsOverWasm = row.jsSeconds / row.wasmSeconds;
      rows.push(row);
    }
  }
}

const result = {
  benchmark: 'one ALS iteration (all users, then all items)',
  node: process.version,
  date: new Date().toISOString(),
  threads: 1,
  rows,
};
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
if (v.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
else {
  console.table(rows.map((r) => ({
    set: r.set, k: r.factors, solver: r.solver,
    'wasm ms': r.wasmSeconds !== undefined ? +(r.wasmSeconds * 1000).toFixed(2) : '-',
    'js ms': r.jsSeconds !== undefined ? +(r.jsSeconds * 1000).toFixed(1) : '-',
    'js/wasm': r.jsOverWasm ? +r.jsOverWasm.toFixed(1) : '-',
  })));
  log(`wrote ${outFile}`);
}
