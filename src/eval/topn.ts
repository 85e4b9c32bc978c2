// Top-N selection over one row of scores without sorting the whole row: a size-N min-heap.
// Ties are broken toward the lower item index so results are deterministic.

export interface TopN {
  items: Int32Array;
  scores: Float32Array;
}

/** Best `n` of scores[offset .. offset+count), skipping indices for which `skip(j)` is true. */
export function topN(
  scores: Float32Array, offset: number, count: number, n: number, skip?: (j: number) => boolean,
): TopN {
  const cap = Math.max(0, Math.min(n, count));
  const hi = new Int32Array(cap); // heap of item indices, worst at the root
  let size = 0;
  // a is worse than b?
  const worse = (a: number, b: number): boolean => {
    const sa = scores[offset + a];
    const sb = scores[offset + b];
    return sa < sb || (sa === sb && a > b);
  };
  const siftDown = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) return;
      const r = l + 1;
      const c = r < size && worse(hi[r], hi[l]) ? r : l;
      if (!worse(hi[c], hi[i])) return;
      const t = hi[c];
      hi[c] = hi[i];
      hi[i] = t;
      i = c;
    }
  };
  if (cap > 0) {
    // once the heap is full, most items lose to its worst entry: compare with that score first
    let worst = -Infinity;
    for (let j = 0; j < count; j++) {
      const s = scores[offset + j];
      if (size === cap && s < worst) continue;
      if (skip && skip(j)) continue;
      if (Number.isNaN(s)) continue;
      if (size < cap) {
        let i = size++;
        hi[i] = j;
        while (i > 0) {
          const p = (i - 1) >> 1;
          if (!worse(hi[i], hi[p])) break;
          const t = hi[p];
          hi[p] = hi[i];
          hi[i] = t;
          i = p;
        }
      } else if (worse(hi[0], j)) {
        hi[0] = j;
        siftDown(0);
      }
      if (size === cap) worst = scores[offset + hi[0]];
    }
  }
  const order = Array.from(hi.subarray(0, size)).sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
  const items = Int32Array.from(order);
  const out = new Float32Array(items.length);
  for (let t = 0; t < items.length; t++) out[t] = scores[offset + items[t]];
  return { items, scores: out };
}
