// Our arithmetic against the reference vectors of an independent float64 implementation
// (../shared/fixtures/ml100k-k8): ML-100K, factors 8, λ 50, α 40, fixed start X0/Y0.
// Tolerances: float32 storage gives ~1e-7 relative rounding per operation; after 3 passes the
// fixture's README expects losses within ~1e-5 relative and factors within ~1e-4, which we assert.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALS } from '../../src/model/als.js';
import { BACKEND_NAMES, FIXTURE_DIR as DIR, loadFixtureData, maxRelDiff, readF64, relDiff } from '../helpers.js';

const fx = JSON.parse(readFileSync(join(DIR, 'fixture.json'), 'utf8'));

const data = loadFixtureData();
const X0 = readF64(join(DIR, 'X0.f64'));
const Y0 = readF64(join(DIR, 'Y0.f64'));

describe.each(BACKEND_NAMES)('fixture ml100k-k8 on backend %s', (backend) => {
  it('has the fixture counts', () => {
    expect(data.train.indptr[943]).toBe(fx.counts.train);
    expect(data.test!.indptr[943]).toBe(fx.counts.test);
  });

  for (const [solver, key, file] of [['cholesky', 'trainCholesky', 'cholesky'], ['cg', 'trainCg', 'cg']] as const) {
    it(`3 ${solver} passes from X0/Y0 match loss, gradient norm, AUC and factors`, async () => {
      const m = await ALS.create({ factors: 8, regularization: 50, alpha: 40, iterations: 3, solver, cgSteps: 3, backend });
      const seen: Array<{ loss: number; grad: number; auc: number }> = [];
      await m.fit(data, {
        initial: { userFactors: X0, itemFactors: Y0 },
        onIteration: (r) => {
          seen.push({ loss: r.loss, grad: m.certificate().gradNorm, auc: r.auc! });
        },
      });
      const expected = fx.expected[key] as Array<{ loss: number; gradNorm: number; auc: number }>;
      for (let p = 0; p < 3; p++) {
        expect(relDiff(seen[p].loss, expected[p].loss)).toBeLessThan(1e-5);
        expect(relDiff(seen[p].grad, expected[p].gradNorm)).toBeLessThan(2e-3);
        expect(Math.abs(seen[p].auc - expected[p].auc)).toBeLessThan(2e-4);
      }
      // CG: 3 steps from a warm start amplify float32 rounding on the worse-conditioned rows (both
      // backends differ from a float64 CG by up to ~3e-4 there); Cholesky stays within 1e-4.
      const tol = solver === 'cg' ? 5e-4 : 1e-4;
      expect(maxRelDiff(m.userFactors, readF64(join(DIR, `X-${file}.f64`)))).toBeLessThan(tol);
      expect(maxRelDiff(m.itemFactors, readF64(join(DIR, `Y-${file}.f64`)))).toBeLessThan(tol);
    });
  }

  it('the base model (40 Cholesky passes) has the fixture loss, gradient norm and AUC', async () => {
    const m = await ALS.create({ factors: 8, regularization: 50, alpha: 40, iterations: 0, backend });
    await m.fit(data);
    m.setFactors(readF64(join(DIR, 'X-base.f64')), readF64(join(DIR, 'Y-base.f64')));
    expect(relDiff(m.loss(), fx.expected.base.loss)).toBeLessThan(1e-5);
    // the gradient near convergence is a small difference of large terms: float32 costs ~1e-3 here
    expect(relDiff(m.certificate().gradNorm, fx.expected.base.gradNorm)).toBeLessThan(2e-2);
    expect(Math.abs(m.auc().auc - fx.expected.base.auc)).toBeLessThan(2e-4);
  });
});
