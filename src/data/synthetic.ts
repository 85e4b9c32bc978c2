// Synthetic implicit-feedback data with realistic skew and a planted rank-r structure.
// Platform-neutral: no Node imports. Returns Interactions directly (CSR by user, values all 1,
// timestamps in seconds), plus the ground truth it was drawn from.
//
// Generative model (r = rank, "topics"; defaults in brackets, all settable in SyntheticOptions):
//   item popularity   pop_i ∝ 1 / j^a over a random permutation j of the items (Zipf, a = 1)
//   item affinities   A_zi = exp(σ_item · h_zi), h_zi ~ N(0, 1)                   (σ_item = 3)
//   topic → item      q_z(i) ∝ pop_i · A_zi
//   user mixture      θ_u = softmax(σ_user · g_u), g_u ~ N(0, I_r)               (σ_user = 5)
//   choice            P(i | u) = (1 − ρ) Σ_z θ_uz q_z(i) + ρ · pop_i              (ρ = 0.05)
// so the expected user × item matrix is a nonnegative rank-r factorisation (an LDA-style topic
// model) whose item side carries the Zipf popularity: a rank-r ALS model recovers more than
// popularity does. (Defaults, seed 1: held-out AUC of popularity 0.85, of the true P(i | u) 0.92,
// of this package's ALS with 8 factors, α 10, λ 5 after 15 iterations 0.88.)
// Each user u draws n_u distinct items from P(· | u), successively without replacement: by
// rejection (draws that repeat an item are redrawn; after 20·n_u + 100 draws the rest is filled
// from the items not yet taken, in a random rotation), or, for users with n_u > items/8, exactly
// by Efraimidis–Spirakis keys in O(rank · items).
//   user activity     n_u = min(cap, minPerUser + ⌊s · w_u⌋) (+1 for the most active users to hit
//                     the total exactly), w_u ~ Lomax (Pareto II) with tail index 2, a power law;
//                     s chosen so that Σ n_u = interactions; cap = items/2 (items if needed).
//   timestamps        each user starts at a uniform second of 2020 and moves 1..3600 s forward per
//                     draw, so timestamps increase with the draw order of each user. (`timestamps:
//                     false` leaves them out, 8 bytes per pair, with the same pairs.)
// Sampling uses Walker/Vose alias tables, so the cost is O(interactions + rank · items + users ·
// rank) time and the output plus O(rank · items) memory: 8 bytes per pair (item, value), 16 with
// timestamps. Deterministic for a given seed: all randomness comes from Rng(seed) in a fixed order (Math.exp/log feed the tables; engines that
// agree on those, such as V8 everywhere, give bit-identical data).

import { DataError } from './errors.js';
import { IdMap, type Csr, type Interactions } from './interactions.js';
import { Rng } from './random.js';

export interface SyntheticOptions {
  /** Default 2000. */
  users?: number;
  /** Default 1000. */
  items?: number;
  /** Total (user, item) pairs, exactly. Default 60000. At least minPerUser · users. */
  interactions?: number;
  /** Number of latent topics. Default 8. */
  rank?: number;
  /** Default 1. */
  seed?: number;
  /** Zipf exponent of item popularity. Default 1. */
  itemExponent?: number;
  /** Tail index of the power-law (Lomax) user activity; smaller = heavier tail. Default 2. */
  userTailIndex?: number;
  /** Share of choices driven by popularity alone. Default 0.05. */
  noise?: number;
  /** Minimum interactions per user. Default 5. */
  minPerUser?: number;
  /** σ_item: spread of the item–topic affinities A_zi = exp(σ_item · h_zi). Default 3. */
  itemSpread?: number;
  /** σ_user: spread of the user mixtures θ_u = softmax(σ_user · g_u). Default 5. */
  userSpread?: number;
  /**
   * Also return the timestamps (8 bytes per pair). Default true. With false the pairs are the same
   * (the same random numbers are drawn), `csr.timestamps` and `timestamps` are left out.
   */
  timestamps?: boolean;
  /**
   * Count-valued data (plays, purchases): each pair's value is a count ≥ 1 instead of 1, larger
   * where the user's true preference for the item is stronger, heavy-tailed (see `drawCounts`).
   * Drawn from a stream of its own, so the pairs are the same with and without. Default false.
   */
  counts?: boolean;
}

/** The parameters the data were drawn from (see the file comment). */
export interface SyntheticTruth {
  rank: number;
  noise: number;
  /** θ, users × rank, row-major; each row sums to 1. */
  userTopics: Float64Array;
  /** q, rank × items, row-major; each row sums to 1. */
  topicItems: Float64Array;
  /** pop, items; sums to 1. */
  popularity: Float64Array;
  /** P(i | u) before removing already-drawn items. */
  score(user: number, item: number): number;
}

/** Interactions whose user and item ids are the decimal strings of their indices ("0", "1", ...). */
export interface SyntheticData extends Interactions {
  truth: SyntheticTruth;
}

const YEAR_2020 = 1577836800;
/** Users with more than items / HEAVY_FRACTION interactions are sampled by Efraimidis–Spirakis. */
const HEAVY_FRACTION = 8;
const SECONDS_PER_YEAR = 366 * 86400;
const TWO_32 = 4294967296;

export function synthetic(opts: SyntheticOptions = {}): SyntheticData {
  const U = opts.users ?? 2000;
  const I = opts.items ?? 1000;
  const N = opts.interactions ?? 60000;
  const R = opts.rank ?? 8;
  const seed = opts.seed ?? 1;
  const itemExp = opts.itemExponent ?? 1;
  const tail = opts.userTailIndex ?? 2;
  const noise = opts.noise ?? 0.05;
  const minPer = opts.minPerUser ?? 5;
  const itemSpread = opts.itemSpread ?? 3;
  const userSpread = opts.userSpread ?? 5;
  const withTimes = opts.timestamps ?? true;

  const bad = (what: string, expected: string): never => {
    throw new DataError(`synthetic: ${what}`, { expected });
  };
  if (!Number.isInteger(U) || U < 1) bad(`users = ${U}`, 'an integer ≥ 1');
  if (!Number.isInteger(minPer) || minPer < 1) bad(`minPerUser = ${minPer}`, 'an integer ≥ 1');
  if (!Number.isInteger(I) || I < minPer) bad(`items = ${I}`, `an integer ≥ minPerUser (${minPer})`);
  if (!Number.isInteger(N) || N < minPer * U || N > U * I) {
    bad(`interactions = ${N}`, `an integer in [minPerUser·users, users·items] = [${minPer * U}, ${U * I}]`);
  }
  if (N > 0x7fffffff) bad(`interactions = ${N}`, 'fewer than 2^31 interactions');
  if (!Number.isInteger(R) || R < 1) bad(`rank = ${R}`, 'an integer ≥ 1');
  if (!Number.isFinite(seed)) bad(`seed = ${seed}`, 'a finite number');
  if (!(itemExp >= 0 && itemExp < 10)) bad(`itemExponent = ${itemExp}`, 'a number in [0, 10)');
  if (!(tail > 0 && tail < 100)) bad(`userTailIndex = ${tail}`, 'a number in (0, 100)');
  if (!(noise >= 0 && noise <= 1)) bad(`noise = ${noise}`, 'a number in [0, 1]');
  if (!(itemSpread >= 0 && itemSpread <= 10)) bad(`itemSpread = ${itemSpread}`, 'a number in [0, 10]');
  if (!(userSpread >= 0 && userSpread <= 10)) bad(`userSpread = ${userSpread}`, 'a number in [0, 10]');

  const rng = new Rng(seed);

  // Item popularity: Zipf over a random permutation of the items.
  const perm = new Int32Array(I);
  for (let i = 0; i < I; i++) perm[i] = i;
  rng.shuffle(perm);
  const pop = new Float64Array(I);
  let popSum = 0;
  for (let j = 0; j < I; j++) {
    const w = 1 / Math.pow(j + 1, itemExp);
    pop[perm[j]!] = w;
    popSum += w;
  }
  for (let i = 0; i < I; i++) pop[i]! /= popSum;

  // Topic → item distributions.
  const q = new Float64Array(R * I);
  for (let z = 0; z < R; z++) {
    let s = 0;
    const off = z * I;
    for (let i = 0; i < I; i++) {
      const w = pop[i]! * Math.exp(itemSpread * rng.normal());
      q[off + i] = w;
      s += w;
    }
    for (let i = 0; i < I; i++) q[off + i]! /= s;
  }
  const topicTables: AliasTable[] = [];
  for (let z = 0; z < R; z++) topicTables.push(aliasTable(q.subarray(z * I, (z + 1) * I)));
  const popTable = aliasTable(pop);

  // User topic mixtures.
  const theta = new Float64Array(U * R);
  for (let u = 0; u < U; u++) {
    const off = u * R;
    let mx = -Infinity;
    for (let z = 0; z < R; z++) {
      const g = userSpread * rng.normal();
      theta[off + z] = g;
      if (g > mx) mx = g;
    }
    let s = 0;
    for (let z = 0; z < R; z++) {
      const e = Math.exp(theta[off + z]! - mx);
      theta[off + z] = e;
      s += e;
    }
    for (let z = 0; z < R; z++) theta[off + z]! /= s;
  }

  // User activity.
  const counts = activity(U, I, N, minPer, tail, rng);

  // Draws.
  const indptr = new Int32Array(U + 1);
  for (let u = 0; u < U; u++) indptr[u + 1] = indptr[u]! + counts[u]!;
  const indices = new Int32Array(N);
  const timestamps = withTimes ? new Float64Array(N) : undefined;
  let maxCount = 0;
  for (let u = 0; u < U; u++) if (counts[u]! > maxCount) maxCount = counts[u]!;
  const drawn = new Int32Array(maxCount);
  const times = new Float64Array(timestamps ? maxCount : 0);
  const keys = new Float64Array(timestamps ? maxCount : 0);
  // Rng.int(n) draws u32 values until one is below q·n (q = ⌊2³² / n⌋) and returns ⌊value / q⌋
  const slotQ = Math.floor(TWO_32 / I);
  const slotLimit = slotQ * I;
  const hourLimit = Math.floor(TWO_32 / 3600) * 3600;
  const cum = new Float64Array(R);
  const mark = new Int32Array(I).fill(-1);
  let heavy: { w: Float64Array; key: Float64Array; sorted: Float64Array } | undefined;

  for (let u = 0; u < U; u++) {
    const n = counts[u]!;
    let c = 0;
    for (let z = 0; z < R; z++) {
      c += theta[u * R + z]!;
      cum[z] = c;
    }
    let got = 0;
    if (n * HEAVY_FRACTION > I) {
      // A heavy user (n > I/8): rejection would redraw taken items too often. Efraimidis–Spirakis
      // instead: the n smallest E_i / w_i (E_i ~ Exp(1)), in ascending order, are distributed
      // exactly as n successive draws without replacement with probabilities ∝ w_i = P(i | u).
      if (!heavy) heavy = { w: new Float64Array(I), key: new Float64Array(I), sorted: new Float64Array(I) };
      const { w, key, sorted } = heavy;
      for (let i = 0; i < I; i++) w[i] = noise * pop[i]!;
      for (let z = 0; z < R; z++) {
        const coef = (1 - noise) * theta[u * R + z]!;
        const off = z * I;
        for (let i = 0; i < I; i++) w[i]! += coef * q[off + i]!;
      }
      for (let i = 0; i < I; i++) key[i] = -Math.log(1 - rng.next()) / w[i]!;
      sorted.set(key);
      sorted.sort();
      const thr = sorted[n - 1]!;
      const chosen: number[] = [];
      for (let i = 0; i < I && chosen.length < n; i++) if (key[i]! <= thr) chosen.push(i);
      chosen.sort((a, b) => key[a]! - key[b]! || a - b);
      for (const item of chosen) drawn[got++] = item;
    } else {
      const limit = 20 * n + 100;
      for (let attempt = 0; got < n && attempt < limit; attempt++) {
        let t: AliasTable;
        if (noise > 0 && rng.next() < noise) {
          t = popTable;
        } else {
          const x = rng.next() * c;
          let z = 0;
          while (z < R - 1 && cum[z]! <= x) z++;
          t = topicTables[z]!;
        }
        // draw(t, rng), inlined: a uniform slot (Rng.int(I) with its constants precomputed), then
        // the slot's item or its alias
        let r = rng.u32();
        while (r >= slotLimit) r = rng.u32();
        const j = Math.floor(r / slotQ);
        const slots = t.slots;
        const item = rng.u32() / TWO_32 < slots[2 * j]! ? j : slots[2 * j + 1]!;
        if (mark[item] === u) continue;
        mark[item] = u;
        drawn[got++] = item;
      }
      if (got < n) {
        const start = rng.int(I);
        for (let j = 0; j < I && got < n; j++) {
          const item = (start + j) % I;
          if (mark[item] === u) continue;
          mark[item] = u;
          drawn[got++] = item;
        }
      }
    }
    // Timestamps in draw order, then sort the row by item keeping each item's timestamp.
    const base = indptr[u]!;
    let t = YEAR_2020 + rng.int(SECONDS_PER_YEAR);
    if (timestamps) {
      for (let k = 0; k < n; k++) {
        t += 1 + rng.int(3600);
        times[k] = t;
        keys[k] = drawn[k]! * n + k;
      }
      const sorted = keys.subarray(0, n).sort();
      for (let k = 0; k < n; k++) {
        const key = sorted[k]!;
        const item = Math.floor(key / n);
        indices[base + k] = item;
        timestamps[base + k] = times[key - item * n]!;
      }
    } else {
      // the same draws, so that the pairs do not depend on the option
      for (let k = 0; k < n; k++) {
        let r = rng.u32();
        while (r >= hourLimit) r = rng.u32();
      }
      const row = indices.subarray(base, base + n);
      row.set(drawn.subarray(0, n));
      row.sort();
    }
  }

  const values = new Float32Array(N).fill(1);
  const csr: Csr = { rows: U, cols: I, indptr, indices, values };
  if (timestamps) csr.timestamps = timestamps;
  const users = new IdMap(decimalIds(U));
  const items = new IdMap(decimalIds(I));
  const truth: SyntheticTruth = {
    rank: R,
    noise,
    userTopics: theta,
    topicItems: q,
    popularity: pop,
    score(user: number, item: number): number {
      let s = 0;
      for (let z = 0; z < R; z++) s += theta[user * R + z]! * q[z * I + item]!;
      return (1 - noise) * s + noise * pop[item]!;
    },
  };
  if (opts.counts) drawCounts(csr, truth, seed);
  const out: SyntheticData = { users, items, csr, truth };
  if (timestamps) out.timestamps = timestamps;
  return out;
}

function decimalIds(n: number): string[] {
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = String(i);
  return out;
}

/** Per-user counts ≥ minPer, ≤ cap, power-law distributed, summing to exactly N. */
function activity(U: number, I: number, N: number, minPer: number, tail: number, rng: Rng): Int32Array {
  let cap = Math.max(minPer, Math.floor(I / 2));
  if (N > U * cap) cap = I;
  const w = new Float64Array(U);
  for (let u = 0; u < U; u++) w[u] = Math.pow(1 - rng.next(), -1 / tail) - 1; // Lomax (Pareto II), ≥ 0
  const total = (s: number): number => {
    let t = 0;
    for (let u = 0; u < U; u++) t += Math.min(cap, minPer + Math.floor(s * w[u]!));
    return t;
  };
  // Largest s with total(s) ≤ N, by bisection (total is nondecreasing in s). Start from
  // s = N / Σw and double until total ≥ N (caps may keep it below N; the rest is handed out below).
  let wSum = 0;
  for (let u = 0; u < U; u++) wSum += w[u]!;
  let lo = 0, hi = wSum > 0 ? N / wSum : 1;
  for (let it = 0; it < 200 && total(hi) < N; it++) {
    lo = hi;
    hi *= 2;
  }
  for (let it = 0; it < 100 && hi - lo > 1e-12 * hi; it++) {
    const mid = (lo + hi) / 2;
    if (total(mid) <= N) lo = mid;
    else hi = mid;
  }
  const counts = new Int32Array(U);
  let sum = 0;
  for (let u = 0; u < U; u++) {
    counts[u] = Math.min(cap, minPer + Math.floor(lo * w[u]!));
    sum += counts[u]!;
  }
  // Hand out the rest one by one, most active users first, skipping those at the cap.
  if (sum < N) {
    const order = Array.from({ length: U }, (_, u) => u).sort((a, b) => w[b]! - w[a]! || a - b);
    while (sum < N) {
      for (let j = 0; j < U && sum < N; j++) {
        const u = order[j]!;
        if (counts[u]! < cap) {
          counts[u]!++;
          sum++;
        }
      }
    }
  }
  return counts;
}

interface AliasTable {
  n: number;
  /** Interleaved [probability, alias] per slot: one cache line per draw. */
  slots: Float64Array;
}

/** Vose's alias method over weights p (nonnegative, not all zero). */
function aliasTable(p: ArrayLike<number>): AliasTable {
  const n = p.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += p[i]!;
  const slots = new Float64Array(2 * n);
  const scaled = new Float64Array(n);
  const small = new Int32Array(n);
  const large = new Int32Array(n);
  let ns = 0, nl = 0;
  for (let i = 0; i < n; i++) {
    scaled[i] = (p[i]! * n) / sum;
    if (scaled[i]! < 1) small[ns++] = i;
    else large[nl++] = i;
  }
  while (ns > 0 && nl > 0) {
    const s = small[--ns]!;
    const l = large[--nl]!;
    slots[2 * s] = scaled[s]!;
    slots[2 * s + 1] = l;
    scaled[l] = scaled[l]! + scaled[s]! - 1;
    if (scaled[l]! < 1) small[ns++] = l;
    else large[nl++] = l;
  }
  while (nl > 0) {
    const l = large[--nl]!;
    slots[2 * l] = 1;
    slots[2 * l + 1] = l;
  }
  while (ns > 0) {
    const s = small[--ns]!;
    slots[2 * s] = 1;
    slots[2 * s + 1] = s;
  }
  return { n, slots };
}

/**
 * Counts for every pair: 1 + a geometric number with mean m = 4 · (the pair's true preference ÷
 * the mean over the user's pairs) · w, w ~ Lomax with tail index 2 (a few very large counts).
 */
function drawCounts(csr: Csr, truth: SyntheticTruth, seed: number): void {
  const rng = new Rng((seed ^ 0x5eed5eed) >>> 0);
  const { rows, indptr, indices, values } = csr;
  for (let u = 0; u < rows; u++) {
    const a = indptr[u]!;
    const b = indptr[u + 1]!;
    let mean = 0;
    for (let p = a; p < b; p++) mean += truth.score(u, indices[p]!);
    mean /= Math.max(1, b - a);
    for (let p = a; p < b; p++) {
      const w = 1 / Math.sqrt(1 - rng.next()) - 1; // Lomax, tail index 2
      const m = (4 * truth.score(u, indices[p]!) / mean) * w;
      const q = 1 / (1 + m); // geometric on {0, 1, …} with mean m
      values[p] = 1 + Math.floor(Math.log(1 - rng.next()) / Math.log(1 - q + 1e-300) || 0);
    }
  }
}
