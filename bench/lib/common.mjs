// What every benchmark script shares: option lists, the data sets, machine facts and the JSON file.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem, platform, arch, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareDataset, synthetic } from '../../dist/index.node.js';
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
  synthetic: { label: 'synthetic 500k', synthetic: { users: 10000, items: 5000, interactions: 500000, seed: 1 } },
  // shaped like MovieLens 20M: 138,493 users, 26,744 items, 20,000,263 ratings, at least 20 per user
  synthetic20m: {
    label: 'synthetic 20M',
    // (timestamps: false where the generator has that option: the same pairs, 160 MB less)
    synthetic: { users: 138493, items: 26744, interactions: 20000263, minPerUser: 20, seed: 1, timestamps: false },
  },
};

/**
 * A data set with a seeded hold-out (`holdout` 0 = none), plus its shape:
 * { name, label, ds, users, items, interactions (all), train (pairs), test (pairs), seconds (to load) }.
 */
export async function loadSet(name, { dataDir, holdout = 0.01, seed = 0 } = {}) {
  const spec = SETS[name];
  if (!spec) throw new Error(`unknown set "${name}"; expected one of ${Object.keys(SETS).join(', ')}`);
  const t0 = performance.now();
  let raw;
  if (spec.synthetic) raw = synthetic(spec.synthetic);
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
