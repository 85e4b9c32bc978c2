// Learning new interactions, the mirror of forgetting: learning back what was forgotten returns to
// the model of the full data; new users and items join; a learned held-out pair leaves the hold-out.
import { describe, expect, it } from 'vitest';
import { ALS } from '../../src/model/als.js';
import { sampleTrainingPairs } from '../../src/model/forget.js';
import { retrain } from '../../src/model/retrain.js';
import { modelFromBytes, modelToBytes } from '../../src/model/persist.js';
import { BACKEND_NAMES, randomData } from '../helpers.js';

function predictions(m: ALS): Float64Array {
  const k = m.k;
  const out = new Float64Array(m.nUsers * m.nItems);
  for (let u = 0; u < m.nUsers; u++) for (let i = 0; i < m.nItems; i++) {
    let s = 0;
    for (let f = 0; f < k; f++) s += m.userFactors[u * k + f] * m.itemFactors[i * k + f];
    out[u * m.nItems + i] = s;
  }
  return out;
}
const maxAbs = (a: Float64Array, b: Float64Array): number => a.reduce((d, x, t) => Math.max(d, Math.abs(x - b[t])), 0);

describe.each(BACKEND_NAMES)('learn on backend %s', (backend) => {
  // small and strongly regularised, so that the minimiser is unique in practice
  const opts = { factors: 4, regularization: 8, alpha: 10, solver: 'cholesky' as const, backend, seed: 1, tol: 1e-7, iterations: 3000 };

  it('learning back what was forgotten converges to the model of the full data', async () => {
    const base = await ALS.create(opts);
    await base.fit(randomData(60, 40, 8, 21));
    const full = predictions(base);
    const removal = sampleTrainingPairs(base, 0.1, 5);
    const m = await modelFromBytes(modelToBytes(base));
    expect(m.forget(removal, { tol: 1e-7, maxPasses: 3000 }).converged).toBe(true);
    expect(maxAbs(predictions(m), full)).toBeGreaterThan(1e-2); // forgetting changed it
    const r = m.learn(removal.map(([u, i]) => [u, i] as const), { tol: 1e-7, maxPasses: 3000 });
    expect(r.learned).toBe(removal.length);
    expect(r.newUsers).toEqual([]);
    expect(r.converged).toBe(true);
    expect(r.certificateAfter).toBeLessThanOrEqual(1e-7);
    expect(r.evidence.learnedAfter).toBeGreaterThan(r.evidence.learnedBefore);
    expect(maxAbs(predictions(m), full)).toBeLessThan(1e-3);
    expect(m.trainRows.nnz).toBe(base.trainRows.nnz);
    expect(Array.from(m.trainConfidence)).toEqual(Array.from(base.trainConfidence));
    base.dispose();
    m.dispose();
  });

  it('new users and items join (ids grow, rows solved), and the result is what retraining on the grown data gives', async () => {
    const m = await ALS.create(opts);
    await m.fit(randomData(50, 30, 6, 3));
    const pairs = [['newbie', '1'], ['newbie', '2'], ['newbie', '7'], ['3', 'fresh'], ['4', 'fresh'], ['newbie', 'fresh']] as const;
    const r = m.learn(pairs, { tol: 1e-7, maxPasses: 3000 });
    expect(r.newUsers).toEqual(['newbie']);
    expect(r.newItems).toEqual(['fresh']);
    expect(r.learned).toBe(6);
    expect(r.converged).toBe(true);
    expect(m.nUsers).toBe(51);
    expect(m.nItems).toBe(31);
    expect(m.recommend('newbie', 3).map((x) => x.item)).not.toContain('fresh'); // seen now
    expect(m.similarItems('fresh', 2)).toHaveLength(2);
    const again = m.learn([['newbie', '1'], ['3', 'fresh']]);
    expect(again.alreadyStored).toBe(2);
    expect(again.learned).toBe(0);
    const re = await retrain(m, { tol: 1e-7, iterations: 3000, seed: 9 });
    expect(maxAbs(predictions(re.model), predictions(m))).toBeLessThan(1e-3);
    re.model.dispose();
    m.dispose();
  });

  it('a learned held-out pair leaves the hold-out; bad values are refused before anything changes', async () => {
    const data = randomData(40, 30, 6, 8);
    const m = await ALS.create({ ...opts, tol: 1e-5 });
    const tr = data.train;
    // hold out the first pair of users 0..4
    const held: Array<[number, number]> = [];
    const keep: Array<[number, number]> = [];
    for (let u = 0; u < 40; u++) for (let p = tr.indptr[u]; p < tr.indptr[u + 1]; p++) (u < 5 && p === tr.indptr[u] ? held : keep).push([u, tr.indices[p]]);
    const csr = (pairs: Array<[number, number]>) => {
      const indptr = new Int32Array(41);
      for (const [u] of pairs) indptr[u + 1]++;
      for (let u = 0; u < 40; u++) indptr[u + 1] += indptr[u];
      return { rows: 40, cols: 30, indptr, indices: Int32Array.from(pairs.map(([, i]) => i)) };
    };
    await m.fit({ users: data.users, items: data.items, train: csr(keep), test: csr(held) });
    const before = m.trainRows.nnz!;
    expect(() => m.learn([['0', '1', -2]])).toThrow(/value -2 of user "0", item "1" cannot be learned/);
    expect(m.trainRows.nnz).toBe(before);
    const r = m.learn([[String(held[0][0]), String(held[0][1])]]);
    expect(r.fromHeldOut).toBe(1);
    expect(m.testRows!.indptr[40]).toBe(4);
    expect(m.trainRows.nnz).toBe(before + 1);
    m.dispose();
  });
});
