// out[b·n + j] = Q[rows[b]]·Y[j] for b < count, j < n. Y is walked in blocks of about 16 KB so a
// block stays in L1 while every query row is scored against it; four items at a time share the
// loads of the query row and their sums are stored as one vector.
import { dot, dot4 } from './simd';

export function scoreRows(q: usize, rows: usize, count: i32, y: usize, n: i32, k: i32, out: usize): void {
  const kb = <usize>k << 2;
  const block = max(4, (4096 / max(k, 1)) & ~3);
  for (let j0 = 0; j0 < n; j0 += block) {
    const j1 = min(n, j0 + block);
    for (let b = 0; b < count; b++) {
      const qr = q + <usize>load<i32>(rows + (<usize>b << 2)) * kb;
      let o = out + ((<usize>b * <usize>n + <usize>j0) << 2);
      let yr = y + <usize>j0 * kb;
      let j = j0;
      for (; j + 4 <= j1; j += 4) {
        v128.store(o, dot4(qr, yr, yr + kb, yr + 2 * kb, yr + 3 * kb, k));
        o += 16;
        yr += kb << 2;
      }
      for (; j < j1; j++) {
        store<f32>(o, dot(qr, yr, k));
        o += 4;
        yr += kb;
      }
    }
  }
}
