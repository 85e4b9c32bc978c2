// The normal matrix of one row, A = G + Σ (c − 1) y yᵀ, in 4×8 and 4×4 register tiles.
/**
 * The lower triangle of m (k × k) = G + Σ (c − 1) y yᵀ over the items [lo, hi): shared by
 * solveRows' Cholesky path (assembly/solve.ts) and invertRows (assembly/sherman.ts), so both build the
 * same matrix bit for bit. The diagonal tiles also write a few harmless values above the diagonal.
 */
export function buildNormal(
  indices: usize, conf: usize, lo: i32, hi: i32, y: usize, g: usize, k: i32, m: usize,
): void {
  const kb = <usize>k << 2;
  memory.copy(m, g, <usize>k * kb);
  const ip0 = indices + (<usize>lo << 2);
  const cp0 = conf + (<usize>lo << 2);
  const cnt = hi - lo;
  const k4 = k & ~3;
  for (let i = 0; i < k4; i += 4) {
    let j = 0;
    for (; j + 8 <= k4 && j <= i; j += 8) wtile8(m, kb, i, j, y, ip0, cp0, cnt);
    if (j <= i) wtile4(m, kb, i, j, y, ip0, cp0, cnt);
  }
  for (let i = k4; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s: f32 = 0;
      let ip = ip0;
      let cp = cp0;
      for (let t = 0; t < cnt; t++) {
        const yr = y + <usize>load<i32>(ip) * kb;
        s += (load<f32>(cp) - 1) * load<f32>(yr + (<usize>i << 2)) * load<f32>(yr + (<usize>j << 2));
        ip += 4;
        cp += 4;
      }
      const o = m + <usize>i * kb + (<usize>j << 2);
      store<f32>(o, load<f32>(o) + s);
    }
  }
}

/** A[i..i+4)[j..j+8) += Σ_t (c_t − 1) y_t[i..i+4)ᵀ y_t[j..j+8) over the cnt items at ip/cp. */
// @ts-ignore: decorator
@inline function wtile8(A: usize, kb: usize, i: i32, j: i32, y: usize, ip: usize, cp: usize, cnt: i32): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = c00;
  let c11 = c00;
  let c20 = c00;
  let c21 = c00;
  let c30 = c00;
  let c31 = c00;
  const io = <usize>i << 2;
  const jo = <usize>j << 2;
  const ep = ip + (<usize>cnt << 2);
  while (ip < ep) {
    const yr = y + <usize>load<i32>(ip) * kb;
    const w = f32x4.splat(load<f32>(cp) - 1);
    const yj = yr + jo;
    const b0 = f32x4.mul(w, v128.load(yj));
    const b1 = f32x4.mul(w, v128.load(yj, 16));
    const yi = yr + io;
    const e0 = v128.load32_splat(yi);
    const e1 = v128.load32_splat(yi, 4);
    const e2 = v128.load32_splat(yi, 8);
    const e3 = v128.load32_splat(yi, 12);
    c00 = f32x4.add(c00, f32x4.mul(e0, b0));
    c01 = f32x4.add(c01, f32x4.mul(e0, b1));
    c10 = f32x4.add(c10, f32x4.mul(e1, b0));
    c11 = f32x4.add(c11, f32x4.mul(e1, b1));
    c20 = f32x4.add(c20, f32x4.mul(e2, b0));
    c21 = f32x4.add(c21, f32x4.mul(e2, b1));
    c30 = f32x4.add(c30, f32x4.mul(e3, b0));
    c31 = f32x4.add(c31, f32x4.mul(e3, b1));
    ip += 4;
    cp += 4;
  }
  let o = A + <usize>i * kb + jo;
  v128.store(o, f32x4.add(v128.load(o), c00));
  v128.store(o, f32x4.add(v128.load(o, 16), c01), 16);
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c10));
  v128.store(o, f32x4.add(v128.load(o, 16), c11), 16);
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c20));
  v128.store(o, f32x4.add(v128.load(o, 16), c21), 16);
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c30));
  v128.store(o, f32x4.add(v128.load(o, 16), c31), 16);
}

/** A[i..i+4)[j..j+4) += Σ_t (c_t − 1) y_t[i..i+4)ᵀ y_t[j..j+4). */
// @ts-ignore: decorator
@inline function wtile4(A: usize, kb: usize, i: i32, j: i32, y: usize, ip: usize, cp: usize, cnt: i32): void {
  let c0 = f32x4.splat(0);
  let c1 = c0;
  let c2 = c0;
  let c3 = c0;
  const io = <usize>i << 2;
  const jo = <usize>j << 2;
  const ep = ip + (<usize>cnt << 2);
  while (ip < ep) {
    const yr = y + <usize>load<i32>(ip) * kb;
    const b0 = f32x4.mul(f32x4.splat(load<f32>(cp) - 1), v128.load(yr + jo));
    const yi = yr + io;
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(yi), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(yi, 4), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(yi, 8), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(yi, 12), b0));
    ip += 4;
    cp += 4;
  }
  let o = A + <usize>i * kb + jo;
  v128.store(o, f32x4.add(v128.load(o), c0));
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c1));
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c2));
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c3));
}
