// Seeded pseudo-random numbers for the whole project.
//
// Generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state, period at
// least 2^32), its state filled from the seed by splitmix32. Only 32-bit integer arithmetic
// (Math.imul, shifts, `| 0`) is used, so `u32`, `next`, `int`, `shuffle` and
// `sampleWithoutReplacement` give bit-identical sequences on every JavaScript engine. `normal` also
// calls Math.log and Math.sqrt; sqrt is exactly rounded everywhere, log is not specified to the
// last bit by ECMAScript (V8 and SpiderMonkey both use the same fdlibm port).

const TWO_32 = 4294967296;

function splitmix32(state: number): { state: number; out: number } {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return { state, out: z >>> 0 };
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN;

  /**
   * `seed` is any finite number; its integer part modulo 2^64 selects the stream (the low and
   * high 32 bits both count; fractions are ignored). Equal seeds give equal streams.
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be a finite number, got ${seed}`);
    const t = Math.trunc(seed);
    const lo = t >>> 0;
    const hi = Math.floor(t / TWO_32) >>> 0;
    let s = lo | 0;
    let r = splitmix32(s); s = r.state; this.a = r.out | 0;
    r = splitmix32(s); s = r.state; this.b = r.out | 0;
    r = splitmix32(s ^ Math.imul(hi, 0x2545f491)); this.c = r.out | 0;
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    const a = this.a, b = this.b, c = this.c, d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    const cr = (c << 21) | (c >>> 11);
    this.c = (cr + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    return this.u32() / TWO_32;
  }

  /** Uniform in [0, 1), 53 bits of resolution (two draws). */
  next53(): number {
    const hi = this.u32() >>> 5; // 27 bits
    const lo = this.u32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n). Exact (rejection) for n ≤ 2^32; n up to 2^53 is allowed. */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n) || n > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(`Rng.int needs an integer n ≥ 1, got ${n}`);
    }
    if (n <= TWO_32) {
      // Split [0, q·n) into n blocks of q values and reject the rest, so every result is equally
      // likely. floor(x / q) is exact in doubles here (the quotient's rounding error, below
      // n·2⁻⁵³, is smaller than its distance 1/q ≥ n·2⁻³² to the next integer).
      const q = Math.floor(TWO_32 / n);
      const limit = q * n;
      let x = this.u32();
      while (x >= limit) x = this.u32();
      return Math.floor(x / q);
    }
    return Math.floor(this.next53() * n);
  }

  /** A standard normal deviate (Marsaglia's polar method; the second value of a pair is cached). */
  normal(): number {
    const spare = this.spare;
    if (spare === spare) {
      this.spare = NaN;
      return spare;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.next53() - 1;
      v = 2 * this.next53() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** Shuffles `arr` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: any }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return arr;
  }
}

/**
 * m distinct integers drawn uniformly from [0, n), sorted ascending. Robert Floyd's algorithm over
 * a bitset (n/8 bytes): min(m, n − m) random draws (when m > n/2 the left-out values are drawn
 * instead) plus one linear scan of the bitset to emit the sorted result.
 */
export function sampleWithoutReplacement(n: number, m: number, rng: Rng): Int32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`n must be an integer in [0, 2^31), got ${n}`);
  if (!Number.isInteger(m) || m < 0 || m > n) throw new RangeError(`m must be an integer in [0, n=${n}], got ${m}`);
  const complement = m > n / 2;
  const draws = complement ? n - m : m;
  const bits = new Uint32Array((n + 31) >>> 5);
  for (let j = n - draws; j < n; j++) {
    const t = rng.int(j + 1);
    const w = t >>> 5, b = 1 << (t & 31);
    if (bits[w] & b) bits[j >>> 5] |= 1 << (j & 31);
    else bits[w] |= b;
  }
  const out = new Int32Array(m);
  let k = 0;
  const want = complement ? 0 : 1;
  for (let i = 0; i < n; i++) {
    if (((bits[i >>> 5] >>> (i & 31)) & 1) === want) out[k++] = i;
  }
  return out;
}
