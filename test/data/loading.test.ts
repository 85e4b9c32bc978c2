// How interactions get into a model: one copy in backend memory, the item side transposed there,
// and replacing them (forgetting) reuses the space instead of holding two copies.
import { describe, expect, it } from 'vitest';
import { holdoutSplit, nnz, transpose, type Csr } from '../../src/data/interactions.js';
import { prepareDataset } from '../../src/data/dataset.js';
import { synthetic } from '../../src/data/synthetic.js';
import { ALS } from '../../src/model/als.js';
import type { CsrBufs } from '../../src/kernels/kernels.js';
import { BACKEND_NAMES } from '../helpers.js';

function backendCsr(c: CsrBufs): Csr {
  return { rows: c.rows, cols: c.cols, indptr: c.indptr.view.slice(), indices: c.indices.view.slice(), values: c.conf.view.slice() };
}

/** [first byte, end) of a model's two CSRs in backend memory. */
function csrSpan(m: ALS): [number, number] {
  const s = m.internals;
  const bufs = [s.userCsr, s.itemCsr].flatMap((c) => [c.indptr, c.indices, c.conf]);
  return [Math.min(...bufs.map((b) => b.ptr)), Math.max(...bufs.map((b) => b.ptr + 4 * b.length))];
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
    const s = m.internals;
    const user = backendCsr(s.userCsr);
    expectSameCsr(user, { ...data.train, values: new Float32Array(nnz(data.train)).fill(8) });
    expectSameCsr(backendCsr(s.itemCsr), transpose(user));
    m.dispose();
  });

  it('replaces the interactions in the space of the old ones, also when given views of them', async () => {
    const m = await ALS.create({ factors: 8, iterations: 2, backend, threads: 2 });
    await m.fit(data);
    const s = m.internals;
    const before = backendCsr(s.userCsr);
    let span = csrSpan(m);
    // the model's own buffers as input: they must be read before they are freed
    const tr = m.trainRows;
    m.replaceInteractions(tr.indptr, tr.indices, m.trainConfidence);
    expectSameCsr(backendCsr(s.userCsr), before);
    expectSameCsr(backendCsr(s.itemCsr), transpose(before));
    const now = csrSpan(m);
    if (backend === 'wasm') expect(now[0] >= span[0] && now[1] <= span[1]).toBe(true);
    span = now;
    const bytes = m.userFactors.buffer.byteLength;
    // drop every third pair of each row: fewer pairs, no growth of backend memory
    const indptr = new Int32Array(before.rows + 1);
    const idx: number[] = [];
    const conf: number[] = [];
    for (let u = 0; u < before.rows; u++) {
      for (let p = before.indptr[u]; p < before.indptr[u + 1]; p++) {
        if ((p - before.indptr[u]) % 3 === 2) continue;
        idx.push(before.indices[p]);
        conf.push(before.values[p] + (p % 5));
      }
      indptr[u + 1] = idx.length;
    }
    const fewer: Csr = { rows: before.rows, cols: before.cols, indptr, indices: Int32Array.from(idx), values: Float32Array.from(conf) };
    m.replaceInteractions(fewer.indptr, fewer.indices, fewer.values);
    expectSameCsr(backendCsr(s.userCsr), fewer);
    expectSameCsr(backendCsr(s.itemCsr), transpose(fewer));
    if (backend === 'wasm') {
      // the new buffers took the place of the old ones
      const now = csrSpan(m);
      expect(now[0]).toBeGreaterThanOrEqual(span[0]);
      expect(now[1]).toBeLessThanOrEqual(span[1]);
      expect(m.userFactors.buffer.byteLength).toBe(bytes);
    }
    expect(m.trainRows.nnz).toBe(idx.length);
    // and back to more pairs than now (allocated before the old ones are freed)
    m.replaceInteractions(before.indptr, before.indices, before.values);
    expectSameCsr(backendCsr(s.userCsr), before);
    expectSameCsr(backendCsr(s.itemCsr), transpose(before));
    m.iterate();
    expect(Number.isFinite(m.loss())).toBe(true);
    m.dispose();
  });

  it('forgets without a second copy of the interactions in backend memory', async () => {
    const m = await ALS.create({ factors: 8, iterations: 2, backend, threads: 2 });
    await m.fit(data);
    const tr = m.trainRows;
    const pairs: Array<[string, string]> = [];
    for (let u = 0; u < tr.rows; u += 7) {
      if (tr.indptr[u + 1] > tr.indptr[u]) pairs.push([m.userIds.id(u), m.itemIds.id(tr.indices[tr.indptr[u]])]);
    }
    const span = csrSpan(m);
    const nnzBefore = tr.nnz!;
    const r = m.forget(pairs, { maxPasses: 1 });
    expect(r.forgotten).toBe(pairs.length);
    expect(m.trainRows.nnz).toBe(nnzBefore - pairs.length);
    if (backend === 'wasm') {
      const now = csrSpan(m);
      expect(now[0]).toBeGreaterThanOrEqual(span[0]);
      expect(now[1]).toBeLessThanOrEqual(span[1]);
    }
    m.dispose();
  });
});
