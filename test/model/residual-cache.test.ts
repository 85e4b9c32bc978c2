// The certificate of a single request from the residual cache (model/residual-cache.ts) must be the
// certificate a full evaluation gives, request after request: pairs, held-out pairs, pairs that are
// not there, the Sherman–Morrison path, requests with passes; and a cache whose model changed
// behind its back (a pass outside forget, new factors) must not be used.
import { describe, expect, it } from 'vitest';
import { ALS } from '../../src/model/als.js';
import { sampleTrainingPairs } from '../../src/model/forget.js';
import { prepareDataset } from '../../src/data/dataset.js';
import { synthetic } from '../../src/data/synthetic.js';
import { BACKEND_NAMES } from '../helpers.js';

const ds = prepareDataset(synthetic({ users: 500, items: 400, interactions: 15000, seed: 6 }), { holdout: 0.02, seed: 2 });

describe.each(BACKEND_NAMES)('residual cache on backend %s', (backend) => {
  it('gives the full certificate after every request, and is refreshed by passes', async () => {
    const m = await ALS.create({ factors: 12, regularization: 20, alpha: 10, tol: 5e-5, iterations: 500, backend, threads: 2 });
    expect((await m.fit(ds, { trackAuc: false })).converged).toBe(true);
    const test = m.testRows!;
    const seen: boolean[] = [];
    for (let t = 0; t < 12; t++) {
      let pairs: Array<readonly [string, string]> = sampleTrainingPairs(m, (1 + (t % 4) * 3) / 15000, t);
      if (t === 3) pairs = [...pairs, [m.userIds.id(0), 'no such item']]; // one not found
      if (t === 5) {
        // one held-out pair only: the objective does not change
        const u = Array.from({ length: test.rows }, (_, r) => r).find((r) => m.testRows!.indptr[r + 1] > m.testRows!.indptr[r])!;
        pairs = [[m.userIds.id(u), m.itemIds.id(m.testRows!.indices[m.testRows!.indptr[u]])]];
      }
      if (t === 7) m.cacheInverses(); // the Sherman–Morrison instant step changes the same rows
      const r = m.forget(pairs, { tol: 1e-4 });
      seen.push(r.incrementalCertificate);
      const full = m.certificate().residual;
      // the cache after the request matches a full evaluation of the state it ended in
      expect(Math.abs(m.residualCache!.certificate() - full) / full, `request ${t}`).toBeLessThan(1e-5);
      expect(Math.abs(r.certificateAfter - full) / full).toBeLessThan(1e-5);
      expect(r.certificateAfter).toBeLessThanOrEqual(1e-4);
    }
    // the first request had no cache; the others used it, unless a pass had to run before them (it refills it)
    expect(seen[0]).toBe(false);
    expect(seen.slice(1).every(Boolean)).toBe(true);
    // a pass outside forget: the cache no longer matches, so the next request evaluates in full
    m.iterate();
    const r = m.forget(sampleTrainingPairs(m, 2 / 15000, 99), { tol: 1e-4 });
    expect(r.incrementalCertificate).toBe(false);
    expect(Math.abs(r.certificateAfter - m.certificate().residual) / r.certificateAfter).toBeLessThan(1e-5);
    // new factors: likewise
    m.setFactors(m.userFactors.slice(), m.itemFactors.slice());
    expect(m.forget(sampleTrainingPairs(m, 1 / 15000, 98), { tol: 1e-4 }).incrementalCertificate).toBe(false);
    // whole users leave: the rows renumber, the cache goes
    m.forgetRows({ users: [m.userIds.id(3)] }, { tol: 1e-4 });
    expect(m.residualCache).toBeUndefined();
    m.dispose();
  });
});

describe('residual cache after block mode', () => {
  it('is not used while blocked pairs are stored (their objective is not the model\'s own CSR)', async () => {
    const m = await ALS.create({ factors: 8, regularization: 20, alpha: 10, tol: 5e-5, iterations: 500, backend: 'wasm' });
    await m.fit(ds, { trackAuc: false });
    m.forget(sampleTrainingPairs(m, 3 / 15000, 1), { tol: 1e-4 }); // fills the cache
    m.forget(sampleTrainingPairs(m, 3 / 15000, 2), { mode: 'block', tol: 1e-4, maxPasses: 2 });
    expect(m.residualCache).toBeUndefined();
    const r = m.forget(sampleTrainingPairs(m, 3 / 15000, 3), { tol: 1e-4, maxPasses: 0 });
    expect(r.incrementalCertificate).toBe(false);
    m.dispose();
  });
});
