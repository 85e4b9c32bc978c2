// prepareDataset's hold-out split: it must pass its seed on to holdoutSplit (a seed dropped to 0
// would make every run of the experiment hold out the same pairs), and hold out round(f·n) pairs.
import { describe, expect, it } from 'vitest';
import { prepareDataset } from '../../src/data/dataset.js';
import { holdoutSplit, type Csr } from '../../src/data/interactions.js';
import { synthetic } from '../../src/data/synthetic.js';

// 900 pairs: holdout 0.05 → 45 pairs, 0.0123 → round(11.07) = 11, 0.0128 → round(11.52) = 12 (floor and ceil would each get one wrong)
const inter = synthetic({ users: 60, items: 50, interactions: 900, seed: 3 });
const N = 900;

/** The held-out pairs as sorted "row,col" keys. */
function pairs(m: Csr): string[] {
  const out: string[] = [];
  for (let r = 0; r < m.rows; r++) for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) out.push(`${r},${m.indices[p]}`);
  return out;
}

const split = (seed?: number, holdout = 0.05) => prepareDataset(inter, seed === undefined ? { holdout } : { holdout, seed });

describe('prepareDataset hold-out split', () => {
  it('is built on 900 pairs', () => {
    expect(inter.csr.indptr[inter.csr.rows]).toBe(N);
  });

  it('holds out round(f·n) pairs and keeps the rest for training', () => {
    for (const [f, m] of [[0.05, 45], [0.0123, 11], [0.0128, 12]] as const) {
      const ds = split(4, f);
      expect(ds.test!.indptr[ds.test!.rows]).toBe(m);
      expect(ds.train.indptr[ds.train.rows]).toBe(N - m);
      expect(ds.interactions).toBe(N);
      // train ∪ test is the data, disjointly
      const all = new Set([...pairs(ds.train), ...pairs(ds.test!)]);
      expect(all.size).toBe(N);
      expect([...all].sort()).toEqual(pairs(inter.csr).sort());
    }
  });

  it('gives the same split for the same seed', () => {
    for (const seed of [0, 1, 7, 12345]) {
      expect(pairs(split(seed).test!)).toEqual(pairs(split(seed).test!));
    }
  });

  it('gives different splits for different seeds', () => {
    const tests = [0, 1, 2, 7, 12345].map((seed) => pairs(split(seed).test!).join(' '));
    expect(new Set(tests).size).toBe(tests.length);
  });

  it('is holdoutSplit(csr, holdout, seed) for the seed given, and seed 0 by default', () => {
    for (const seed of [0, 1, 7, 12345]) {
      const ds = split(seed);
      const direct = holdoutSplit(inter.csr, 0.05, seed);
      expect(Array.from(ds.test!.indptr)).toEqual(Array.from(direct.test.indptr));
      expect(Array.from(ds.test!.indices)).toEqual(Array.from(direct.test.indices));
      expect(Array.from(ds.train.indptr)).toEqual(Array.from(direct.train.indptr));
      expect(Array.from(ds.train.indices)).toEqual(Array.from(direct.train.indices));
    }
    expect(pairs(split(undefined).test!)).toEqual(pairs(holdoutSplit(inter.csr, 0.05, 0).test));
  });

  it('passes the seed on from parsed records too', () => {
    const raw = {
      users: Array.from({ length: 200 }, (_, t) => `u${t % 20}`),
      items: Array.from({ length: 200 }, (_, t) => `i${Math.floor(t / 20)}`),
    };
    const a = prepareDataset(raw, { holdout: 0.1, seed: 1 });
    const b = prepareDataset(raw, { holdout: 0.1, seed: 2 });
    expect(a.test!.indptr[a.test!.rows]).toBe(20);
    expect(pairs(a.test!)).not.toEqual(pairs(b.test!));
    expect(pairs(a.test!)).toEqual(pairs(prepareDataset(raw, { holdout: 0.1, seed: 1 }).test!));
  });
});
