// The real MovieLens files in the shared data folder, read through 'auto' format detection, must
// give exactly the counts their README states.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeText } from '../../src/data/gzip.js';
import { buildInteractions, holdoutSplit, nnz } from '../../src/data/interactions.js';
import { readInteractionsFile } from '../../src/node/files.js';

import { SHARED_DATA as DATA } from '../helpers.js';

function histogram(values: Float64Array): Record<string, number> {
  const h: Record<string, number> = {};
  for (const v of values) h[v.toFixed(1)] = (h[v.toFixed(1)] ?? 0) + 1;
  return h;
}

function range(a: Float64Array): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const x of a) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

describe('MovieLens files (auto-detected)', () => {
  it('ml-100k/u.data: 100,000 ratings, 943 users, 1,682 items', async () => {
    const raw = await readInteractionsFile(join(DATA, 'ml-100k/u.data'));
    expect(raw.format).toBe('ml100k');
    expect(raw.users.length).toBe(100_000);
    expect(histogram(raw.values)).toEqual({ '1.0': 6110, '2.0': 11370, '3.0': 27145, '4.0': 34174, '5.0': 21201 });
    expect(range(raw.timestamps)).toEqual([874724710, 893286638]);
    const inter = buildInteractions(raw, { duplicates: 'error' }); // no duplicate pairs in the file
    expect(nnz(inter.csr)).toBe(100_000);
    expect(inter.users.size).toBe(943);
    expect(inter.items.size).toBe(1682);
    expect([inter.csr.rows, inter.csr.cols]).toEqual([943, 1682]);
    expect(inter.users.ids[0]).toBe('196'); // first line: 196 242 3 881250949
    expect(inter.items.ids[0]).toBe('242');

    // Threshold: ratings ≥ 4 are 34,174 + 21,201.
    const liked = buildInteractions(raw, { threshold: 4 });
    expect(nnz(liked.csr)).toBe(55_375);
    expect(liked.users.size).toBe(942);
    expect(liked.items.size).toBe(1447);

    // A 1% holdout is exactly 1,000 pairs.
    const { train, test } = holdoutSplit(inter.csr, 0.01, 0);
    expect(nnz(test)).toBe(1000);
    expect(nnz(train)).toBe(99_000);
  });

  it('ml-latest-small/ratings.csv: 100,836 ratings, 610 users, 9,724 items', async () => {
    const raw = await readInteractionsFile(join(DATA, 'ml-latest-small/ratings.csv'));
    expect(raw.format).toBe('mllatest');
    expect(raw.header).toEqual(['userId', 'movieId', 'rating', 'timestamp']);
    expect(raw.users.length).toBe(100_836);
    expect(histogram(raw.values)).toEqual({
      '0.5': 1370, '1.0': 2811, '1.5': 1791, '2.0': 7551, '2.5': 5550,
      '3.0': 20047, '3.5': 13136, '4.0': 26818, '4.5': 8551, '5.0': 13211,
    });
    expect(range(raw.timestamps)).toEqual([828124615, 1537799250]);
    const inter = buildInteractions(raw, { duplicates: 'error' });
    expect(nnz(inter.csr)).toBe(100_836);
    expect(inter.users.size).toBe(610);
    expect(inter.items.size).toBe(9724);
    expect(inter.items.has('193609')).toBe(true);
  });

  it('ml-1m/ratings-users-1-2999.dat.gz: 487,650 ratings, 2,999 users, 3,615 items', async () => {
    const raw = await readInteractionsFile(join(DATA, 'ml-1m/ratings-users-1-2999.dat.gz'));
    expect(raw.format).toBe('ml1m');
    expect(raw.users.length).toBe(487_650);
    const inter = buildInteractions(raw, { duplicates: 'error' });
    expect(nnz(inter.csr)).toBe(487_650);
    expect(inter.users.size).toBe(2999);
    expect(inter.items.size).toBe(3615);
    expect(inter.users.ids[0]).toBe('1');
    expect(inter.users.ids[2998]).toBe('2999');
    const u2999 = inter.users.get('2999')!;
    expect(inter.csr.indptr[u2999 + 1]! - inter.csr.indptr[u2999]!).toBe(135);
  });

  it('u.item is latin1 and decodes through the fallback', async () => {
    const text = decodeText(await readFile(join(DATA, 'ml-100k/u.item')));
    expect(text).toContain('543|Misérables, Les (1995)|');
  });
});
