// Shared test helpers: tiny dense problems, the shared data folder, fixture files.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IdMap } from '../src/data/interactions.js';
import type { TrainingData, PairRows } from '../src/model/als.js';
import type { BackendName } from '../src/kernels/select.js';
import { Rng } from '../src/data/random.js';
import { DataError } from '../src/data/errors.js';
import { expect } from 'vitest';

export const SHARED_DATA = process.env.UNTRAIN_ALS_DATA ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/data');
export const FIXTURES = process.env.UNTRAIN_ALS_FIXTURES ?? resolve(SHARED_DATA, '../fixtures');

export const FIXTURE_DIR = join(FIXTURES, 'ml100k-k8');

export const BACKEND_NAMES: BackendName[] = ['wasm', 'js'];

/** A CSR pattern from a dense 0/1 matrix. */
export function csrFromDense(m: number[][]): PairRows {
  const rows = m.length;
  const cols = m[0].length;
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) if (m[r][c]) idx.push(c);
    indptr[r + 1] = idx.length;
  }
  return { rows, cols, indptr, indices: Int32Array.from(idx) };
}

/** CSR pattern from (row, col) pairs, sorted within rows. */
export function csrFromPairs(rows: number, cols: number, pairs: Array<[number, number]>): PairRows {
  const sorted = [...pairs].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const indptr = new Int32Array(rows + 1);
  for (const [r] of sorted) indptr[r + 1]++;
  for (let r = 0; r < rows; r++) indptr[r + 1] += indptr[r];
  return { rows, cols, indptr, indices: Int32Array.from(sorted.map((p) => p[1])) };
}

export function idRange(n: number, from = 0): IdMap {
  return new IdMap(Array.from({ length: n }, (_, i) => String(i + from)));
}

export function denseData(m: number[][]): TrainingData {
  return { users: idRange(m.length), items: idRange(m[0].length), train: csrFromDense(m) };
}

export function readF64(path: string): Float64Array {
  const b = readFileSync(path);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Max |a−b| / max |b|. */
export const maxRelDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => maxRelErr(a, b);

export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

/** A random sparse problem: `users` × `items`, each user with `per` distinct items. */
export function randomData(users: number, items: number, per: number, seed: number): TrainingData {
  const rng = new Rng(seed);
  const pairs: Array<[number, number]> = [];
  for (let u = 0; u < users; u++) {
    const chosen = new Set<number>();
    // a little structure: users prefer items near u·items/users
    while (chosen.size < per) {
      const centre = Math.floor((u * items) / users);
      const j = rng.next() < 0.7 ? (centre + rng.int(10)) % items : rng.int(items);
      chosen.add(j);
    }
    for (const j of chosen) pairs.push([u, j]);
  }
  return { users: idRange(users), items: idRange(items), train: csrFromPairs(users, items, pairs) };
}


/** Runs f, expects a DataError, returns it. */
export function dataError(f: () => unknown): DataError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

/** (user index, item index) pairs of a fixture .tsv (1-based ids in the file). */
export function readPairs(file: string): Array<[number, number]> {
  return readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => {
    const [u, i] = l.split('\t').map(Number);
    return [u - 1, i - 1] as [number, number];
  });
}

/** ML-100K as the fixture defines it: index = id − 1, train = u.data minus test-pairs.tsv. */
export function loadFixtureData(): TrainingData {
  const test = readPairs(join(FIXTURE_DIR, 'test-pairs.tsv'));
  const testKeys = new Set(test.map(([u, i]) => u * 10000 + i));
  const all = readFileSync(join(SHARED_DATA, 'ml-100k/u.data'), 'utf8').trim().split('\n').map((l) => {
    const [u, i] = l.split('\t').map(Number);
    return [u - 1, i - 1] as [number, number];
  });
  const train = all.filter(([u, i]) => !testKeys.has(u * 10000 + i));
  return {
    users: idRange(943, 1),
    items: idRange(1682, 1),
    train: csrFromPairs(943, 1682, train),
    test: csrFromPairs(943, 1682, test),
  };
}


/** ‖a − b‖ / ‖b‖ (‖a − b‖ when b = 0). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return n === 0 ? Math.sqrt(d) : Math.sqrt(d / n);
}

/** max |a − b| / max |b| (max |a − b| when b = 0). */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return s === 0 ? d : d / s;
}

/** The built CLI (dist/cli.js, made by `npm test`'s build step). */
export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');

/** Runs the built CLI as a user would; resolves with its exit code and output. */
export function runCli(args: string[], timeout = 180_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [CLI, ...args], { timeout }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
