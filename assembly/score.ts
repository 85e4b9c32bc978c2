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

/**
 * Σ_j [s_j < v] + ½ Σ_j [s_j = v] over s[0..n): how many scores rank below v, ties counting half
 * (the held-out AUC's count; src/eval/auc.ts takes the user's own items out afterwards). Four
 * comparisons per instruction, whose all-ones lanes (−1) are subtracted from lane counters.
 */
export function countBelow(s: usize, n: i32, v: f32): f64 {
  const vv = f32x4.splat(v);
  let lt0 = i32x4.splat(0);
  let eq0 = lt0;
  let lt1 = lt0;
  let eq1 = lt0;
  const e8 = s + ((<usize>n >> 3) << 5);
  while (s < e8) {
    const a = v128.load(s);
    const b = v128.load(s, 16);
    lt0 = i32x4.sub(lt0, f32x4.lt(a, vv));
    eq0 = i32x4.sub(eq0, f32x4.eq(a, vv));
    lt1 = i32x4.sub(lt1, f32x4.lt(b, vv));
    eq1 = i32x4.sub(eq1, f32x4.eq(b, vv));
    s += 32;
  }
  const lt = i32x4.add(lt0, lt1);
  const eq = i32x4.add(eq0, eq1);
  let below = i32x4.extract_lane(lt, 0) + i32x4.extract_lane(lt, 1) + i32x4.extract_lane(lt, 2) + i32x4.extract_lane(lt, 3);
  let ties = i32x4.extract_lane(eq, 0) + i32x4.extract_lane(eq, 1) + i32x4.extract_lane(eq, 2) + i32x4.extract_lane(eq, 3);
  for (let t = n & 7; t > 0; t--) {
    const x = load<f32>(s);
    if (x < v) below++;
    else if (x == v) ties++;
    s += 4;
  }
  return <f64>below + 0.5 * <f64>ties;
}
