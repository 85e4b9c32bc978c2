// How interactions get into a model: one copy in backend memory, the item side transposed there,
// and replacing them (forgetting) reuses the space instead of holding two copies.
import { describe, expect, it } from 'vitest';
import { holdoutSplit, nnz, transpose, type Csr } from '../../src/data/interactions.js';
import { prepareDataset } from '../../src/data/dataset.js';
import { synthetic } from '../../src/data/synthetic.js';
import { ALS } from '../../src/model/als.js';
import { withoutPositions } from '../../src/model/training-pairs.js';
import { Rng, sampleWithoutReplacement } from '../../src/data/random.js';
import type { CsrBufs } from '../../src/kernels/kernels.js';
import { BACKEND_NAMES } from '../helpers.js';

function backendCsr(c: CsrBufs): Csr {
  return { rows: c.rows, cols: c.cols, indptr: c.indptr.view.slice(), indices: c.indices.view.slice(), values: c.conf.view.slice() };
}

/** Addresses and sizes of a model's two CSRs in backend memory. */
function csrPlaces(m: ALS): string {
  const s = m.interactions;
  return [s.byUser, s.byItem].flatMap((c) => [c.indptr, c.indices, c.conf]).map((b) => `${b.ptr}+${b.length}`).join(' ');
}

/** The live part of a backend CSR (entries up to indptr[rows]). */
function liveCsr(c: CsrBufs): Csr {
  const n = c.indptr.view[c.rows];
  return { rows: c.rows, cols: c.cols, indptr: c.indptr.view.slice(), indices: c.indices.view.slice(0, n), values: c.conf.view.slice(0, n) };
}

function expectSameCsr(a: Csr, b: Csr): void {
  expect(a.rows).toBe(b.rows);
  expect(a.cols).toBe(b.cols);
  expect(a.indptr).toEqual(b.indptr);
  expect(a.indices).toEqual(b.indices);
  expect(a.values).toEqual(b.values);
}

describe('synthetic({ timestamps: false })', () => {
  for (const opts of [{}, { users: 300, items: 200, interactions: 30000, seed: 2 }, { users: 50, items: 40, interactions: 1900, seed: 5, noise: 0 }]) {
    it(`gives the same pairs without timestamps (${JSON.stringify(opts)})`, () => {
      const a = synthetic(opts);
      const b = synthetic({ ...opts, timestamps: false });
      expect(b.csr.indptr).toEqual(a.csr.indptr);
      expect(b.csr.indices).toEqual(a.csr.indices);
      expect(b.csr.values).toEqual(a.csr.values);
      expect(b.csr.timestamps).toBeUndefined();
      expect(b.timestamps).toBeUndefined();
      expect(a.timestamps).toBe(a.csr.timestamps);
      expect(b.truth.userTopics).toEqual(a.truth.userTopics);
    });
  }

  it('splits the same way with and without timestamps', () => {
    const a = prepareDataset(synthetic(), { holdout: 0.05, seed: 3 });
    const b = prepareDataset(synthetic({ timestamps: false }), { holdout: 0.05, seed: 3 });
    expect(b.train.indices).toEqual(a.train.indices);
    expect(b.test!.indices).toEqual(a.test!.indices);
    expect(b.train.timestamps).toBeUndefined();
    expect(a.train.timestamps!.length).toBe(nnz(a.train));
  });
});

describe('holdoutSplit', () => {
  it('puts exactly the sampled positions in test and keeps every entry once', () => {
    const d = synthetic({ users: 400, items: 300, interactions: 20000, seed: 9 });
    for (const f of [0, 0.001, 0.3, 1]) {
      const { train, test } = holdoutSplit(d.csr, f, 7);
      expect(nnz(test)).toBe(Math.round(f * 20000));
      expect(nnz(train) + nnz(test)).toBe(20000);
      for (let u = 0; u < d.csr.rows; u++) {
        const all = Array.from(d.csr.indices.subarray(d.csr.indptr[u], d.csr.indptr[u + 1]));
        const got = [...train.indices.subarray(train.indptr[u], train.indptr[u + 1]), ...test.indices.subarray(test.indptr[u], test.indptr[u + 1])];
        expect(got.sort((a, b) => a - b)).toEqual(all);
      }
    }
  });
});

describe.each(BACKEND_NAMES)('loading interactions on backend %s', (backend) => {
  const data = prepareDataset(synthetic({ users: 600, items: 400, interactions: 30000, seed: 4, timestamps: false }), { holdout: 0.02, seed: 1 });

  it('holds the user CSR with confidence 1 + α and its transpose, built in backend memory', async () => {
    const m = await ALS.create({ factors: 8, iterations: 0, alpha: 7, backend, threads: 2 });
    await m.fit(data);
    const s = m.interactions;
    const user = backendCsr(s.byUser);
    expectSameCsr(user, { ...data.train, values: new Float32Array(nnz(data.train)).fill(8) });
    expectSameCsr(backendCsr(s.byItem), transpose(user));
    m.dispose();
  });

  it('removes pairs in place on both sides: same buffers, the pairs gone, nothing of them left past the end', async () => {
    const m = await ALS.create({ factors: 8, iterations: 2, tol: 0, backend, threads: 2 });
    await m.fit(data);
    const s = m.interactions;
    const before = backendCsr(s.byUser);
    const places = csrPlaces(m);
    // per-pair confidences, so that a confidence travelling with the wrong pair would show
    const cu = s.byUser.conf.view;
    for (let p = 0; p < cu.length; p++) cu[p] = 1 + (p % 13);
    const ci = s.byItem.conf.view;
    const tb = transpose({ ...before, values: Float32Array.from(cu) });
    ci.set(tb.values!);
    const withConf: Csr = { ...before, values: Float32Array.from(cu) };
    const drop = Int32Array.from(sampleWithoutReplacement(nnz(before), 3001, new Rng(5))).sort();
    s.remove(drop);
    const want = withoutPositions(withConf.indptr, withConf.indices, withConf.values!, withConf.rows, drop);
    const expected: Csr = { rows: before.rows, cols: before.cols, indptr: want.indptr, indices: want.indices, values: want.conf };
    expectSameCsr(liveCsr(s.byUser), expected);
    expectSameCsr(liveCsr(s.byItem), transpose(expected));
    expect(csrPlaces(m)).toBe(places);
    expect(m.trainRows.nnz).toBe(nnz(before) - 3001);
    // the tail past the live entries holds zeros, not the removed pairs
    for (const c of [s.byUser, s.byItem]) {
      const end = c.indptr.view[c.rows];
      expect(Array.from(c.indices.view.subarray(end)).every((v) => v === 0)).toBe(true);
      expect(Array.from(c.conf.view.subarray(end)).every((v) => v === 0)).toBe(true);
    }
    m.iterate();
    expect(Number.isFinite(m.loss())).toBe(true);
    m.dispose();
  });

  it('blocks pairs on both sides (confidence 0) and drops whole users and items with their factors', async () => {
    const m = await ALS.create({ factors: 8, iterations: 2, tol: 0, backend, threads: 2 });
    await m.fit(data);
    const s = m.interactions;
    const before = backendCsr(s.byUser);
    s.block(Int32Array.of(0, 5, 17));
    expect(Array.from(s.blocked())).toEqual([0, 5, 17]);
    expect(transpose(backendCsr(s.byUser)).values).toEqual(backendCsr(s.byItem).values);
    // drop user 3 and item 7 after removing their pairs
    const tr = m.trainRows;
    const pos: number[] = [];
    for (let p = tr.indptr[3]; p < tr.indptr[4]; p++) pos.push(p);
    for (let u = 0; u < tr.rows; u++) for (let p = tr.indptr[u]; p < tr.indptr[u + 1]; p++) if (tr.indices[p] === 7 && u !== 3) pos.push(p);
    s.remove(Int32Array.from(pos).sort());
    const X = m.userFactors.slice();
    const Y = m.itemFactors.slice();
    const test = m.testRows!;
    // the test pairs of user 3 and item 7 go first (dropRows refuses a user that still has some)
    const tdrop: number[] = [];
    for (let u = 0; u < test.rows; u++) for (let p = test.indptr[u]; p < test.indptr[u + 1]; p++) if (u === 3 || test.indices[p] === 7) tdrop.push(p);
    const t2 = withoutPositions(test.indptr, test.indices, new Float32Array(test.indices.length), test.rows, Int32Array.from(tdrop));
    m.testRows = { rows: test.rows, cols: test.cols, indptr: t2.indptr, indices: t2.indices };
    const ids = { u4: m.userIds.id(4), i8: m.itemIds.id(8), u3: m.userIds.id(3), i7: m.itemIds.id(7) };
    m.dropRows(Int32Array.of(3), Int32Array.of(7));
    expect(m.nUsers).toBe(before.rows - 1);
    expect(m.nItems).toBe(before.cols - 1);
    expect(m.userIds.get(ids.u3)).toBeUndefined();
    expect(m.itemIds.get(ids.i7)).toBeUndefined();
    expect(m.userIds.get(ids.u4)).toBe(3);
    expect(m.itemIds.get(ids.i8)).toBe(7);
    expect(Array.from(m.userFactors.subarray(3 * 8, 4 * 8))).toEqual(Array.from(X.subarray(4 * 8, 5 * 8)));
    expect(Array.from(m.itemFactors.subarray(7 * 8, 8 * 8))).toEqual(Array.from(Y.subarray(8 * 8, 9 * 8)));
    expectSameCsr(backendCsr(s.byItem), transpose(backendCsr(s.byUser)));
    expect(m.testRows!.rows).toBe(before.rows - 1);
    expect(m.testRows!.cols).toBe(before.cols - 1);
    expect(Array.from(s.blocked()).length).toBe(3 - [0, 5, 17].filter((p) => pos.includes(p)).length);
    m.iterate();
    expect(Number.isFinite(m.loss())).toBe(true);
    m.dispose();
  });

  it('forgets without a second copy of the interactions in backend memory', async () => {
    const m = await ALS.create({ factors: 8, iterations: 2, tol: 0, backend, threads: 2 });
    await m.fit(data);
    const tr = m.trainRows;
    const pairs: Array<[string, string]> = [];
    for (let u = 0; u < tr.rows; u += 7) {
      if (tr.indptr[u + 1] > tr.indptr[u]) pairs.push([m.userIds.id(u), m.itemIds.id(tr.indices[tr.indptr[u]])]);
    }
    const places = csrPlaces(m);
    const nnzBefore = tr.nnz!;
    const r = m.forget(pairs, { maxPasses: 1 });
    expect(r.forgotten).toBe(pairs.length);
    expect(m.trainRows.nnz).toBe(nnzBefore - pairs.length);
    expect(csrPlaces(m)).toBe(places);
    m.dispose();
  });
});
