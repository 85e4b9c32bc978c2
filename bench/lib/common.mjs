// What every benchmark script shares: option lists, the data sets, machine facts and the JSON file.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem, platform, arch, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IdMap, prepareDataset, synthetic } from '../../dist/index.node.js';
import { readInteractionsFile } from '../../dist/node.js';

export const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** MovieLens folder: --data, $UNTRAIN_ALS_DATA, or ../shared/data next to the repository. */
export const dataDirOf = (flag) => flag ?? process.env.UNTRAIN_ALS_DATA ?? resolve(benchDir, '../../shared/data');

/** A comma-separated option as a list (`fallback` when the option is absent). */
export const list = (s, fallback) => (s ?? fallback).split(',').map((x) => x.trim()).filter(Boolean);
export const log = (s) => process.stderr.write(s + '\n');

/** The data sets, by name: a label for tables and where the interactions come from. */
export const SETS = {
  ml100k: { label: 'ML-100K', file: 'ml-100k/u.data' },
  ml1m: { label: 'ML-1M (users 1–2999)', file: 'ml-1m/ratings-users-1-2999.dat.gz' },
  mlsmall: { label: 'ml-latest-small', file: 'ml-latest-small/ratings.csv' },
  synthetic: { label: 'synthetic 500k', synthetic: { users: 10000, items: 5000, interactions: 500000, seed: 1 } },
  // shaped like MovieLens 20M: 138,493 users, 26,744 items, 20,000,263 ratings, at least 20 per user
  synthetic20m: {
    label: 'synthetic 20M',
    // (timestamps: false where the generator has that option: the same pairs, 160 MB less)
    synthetic: { users: 138493, items: 26744, interactions: 20000263, minPerUser: 20, seed: 1, timestamps: false },
  },
  // a long tail of items: 2,000 users, 90,000 pairs over 18,680 items, 71% of which have 1–3 pairs
  // (41% exactly one); drawn over 30,000 items, of which the 11,320 nobody drew are left out
  // (`compact`), as a real data set would not list them. Zipf 0.8 and σ_item 2 (instead of 1 and 3)
  // spread the draws over more items; users as the default (Lomax tail 2, at least 5 pairs).
  longtail: {
    label: 'synthetic long tail',
    synthetic: { users: 2000, items: 30000, interactions: 90000, itemExponent: 0.8, itemSpread: 2, seed: 1, timestamps: false },
    compact: true,
  },
};

/** Synthetic interactions without the items no one drew: ids renumbered densely, in order. */
function compactItems({ users, items, csr }) {
  const used = new Int32Array(csr.cols);
  for (let p = 0; p < csr.indptr[csr.rows]; p++) used[csr.indices[p]] = 1;
  const kept = [];
  const at = new Int32Array(csr.cols).fill(-1);
  for (let i = 0; i < csr.cols; i++) if (used[i]) at[i] = kept.push(items.id(i)) - 1;
  const indices = Int32Array.from(csr.indices, (i) => at[i]);
  return { users, items: new IdMap(kept), csr: { ...csr, cols: kept.length, indices } };
}

/**
 * Items by their number of pairs (training and held-out): { items, buckets: { '0', '1', '2–3',
 * '4–10', '11–100', '>100' }, share1to3 (of all items), max }.
 */
export function itemHistogram({ ds }) {
  const counts = new Int32Array(ds.items.size);
  for (const m of [ds.train, ds.test]) if (m) for (let p = 0; p < m.indptr[m.rows]; p++) counts[m.indices[p]]++;
  const buckets = { 0: 0, 1: 0, '2–3': 0, '4–10': 0, '11–100': 0, '>100': 0 };
  let max = 0;
  for (const c of counts) {
    max = Math.max(max, c);
    buckets[c === 0 ? 0 : c === 1 ? 1 : c <= 3 ? '2–3' : c <= 10 ? '4–10' : c <= 100 ? '11–100' : '>100']++;
  }
  return { items: counts.length, buckets, share1to3: (buckets[1] + buckets['2–3']) / counts.length, max };
}

/**
 * A data set with a seeded hold-out (`holdout` 0 = none), plus its shape:
 * { name, label, ds, users, items, interactions (all), train (pairs), test (pairs), seconds (to load) }.
 */
export async function loadSet(name, { dataDir, holdout = 0.01, seed = 0 } = {}) {
  const spec = SETS[name];
  if (!spec) throw new Error(`unknown set "${name}"; expected one of ${Object.keys(SETS).join(', ')}`);
  const t0 = performance.now();
  let raw;
  if (spec.synthetic) {
    raw = synthetic(spec.synthetic);
    if (spec.compact) raw = compactItems(raw);
  }
  else {
    const path = join(dataDirOf(dataDir), spec.file);
    if (!existsSync(path)) throw new Error(`${path} not found (set --data or UNTRAIN_ALS_DATA)`);
    raw = await readInteractionsFile(path);
  }
  const ds = prepareDataset(raw, { holdout, seed });
  const pairs = (csr) => (csr ? csr.indptr[csr.rows] : 0);
  return {
    name, label: spec.label, ds, holdout, splitSeed: seed,
    users: ds.users.size, items: ds.items.size, interactions: ds.interactions, train: pairs(ds.train), test: pairs(ds.test),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The dataset without its hold-out: a model fitted on it has no test set to evaluate every pass. */
export const withoutTest = ({ users, items, train }) => ({ users, items, train });

/** Facts about the machine and the run, for the JSON. */
export function machine() {
  const cpu = cpus();
  return {
    node: process.version, v8: process.versions.v8, platform: platform(), arch: arch(), release: release(),
    cpu: cpu[0]?.model ?? 'unknown', cores: availableParallelism(), cpus: cpu.length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), loadavg: loadavg(), date: new Date().toISOString(),
  };
}

export function writeJson(file, value) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}
