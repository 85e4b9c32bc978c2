import { describe, expect, it } from 'vitest';
import { removalPositions, SCENARIOS, RECENT_PER_USER } from '../../src/audit/scenarios.js';
import { synthetic } from '../../src/data/synthetic.js';

const data = synthetic({ users: 300, items: 200, interactions: 9000, seed: 2 });
const csr = data.csr;
const nnz = csr.indptr[csr.rows];

describe('removal scenarios', () => {
  it('every scenario removes about the asked fraction, distinct and sorted, seeded', () => {
    for (const s of SCENARIOS) {
      for (const f of [0.05, 0.3, 0.6]) {
        const p = removalPositions(csr, s, f, 7);
        expect(p.length).toBeGreaterThanOrEqual(Math.round(f * nnz));
        // whole users/items overshoot by at most one history
        expect(p.length).toBeLessThan(Math.round(f * nnz) + (s === 'user' || s === 'item' ? 1000 : 1));
        for (let t = 1; t < p.length; t++) expect(p[t]).toBeGreaterThan(p[t - 1]);
        expect(Array.from(removalPositions(csr, s, f, 7))).toEqual(Array.from(p));
      }
    }
  });

  it("'recent' takes each chosen user's latest interactions", () => {
    const ts = csr.timestamps!;
    const p = new Set(removalPositions(csr, 'recent', 0.05, 3));
    for (let u = 0; u < csr.rows; u++) {
      const mine = Array.from({ length: csr.indptr[u + 1] - csr.indptr[u] }, (_, q) => csr.indptr[u] + q);
      const removed = mine.filter((q) => p.has(q));
      if (!removed.length) continue;
      expect(removed.length).toBeLessThanOrEqual(RECENT_PER_USER);
      const oldestRemoved = Math.min(...removed.map((q) => ts[q]));
      for (const q of mine) if (!p.has(q)) expect(ts[q]).toBeLessThanOrEqual(oldestRemoved);
    }
  });

  it("'user' and 'item' remove whole histories", () => {
    const p = new Set(removalPositions(csr, 'user', 0.1, 1));
    for (let u = 0; u < csr.rows; u++) {
      const hits = Array.from({ length: csr.indptr[u + 1] - csr.indptr[u] }, (_, q) => p.has(csr.indptr[u] + q));
      expect(hits.every((h) => h) || hits.every((h) => !h)).toBe(true);
    }
  });
});
