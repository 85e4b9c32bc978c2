// Structural checks of a model file's contents, run by decodeModel after the checksum.
//
// Why: the CRC only proves the bytes are the ones last sealed; a file edited and re-sealed (or
// written by a buggy tool) passes it. The kernels index memory with these numbers unchecked, so an
// out-of-range index traps in WASM, a bad row offset hangs the workers, and NaN or a −1 index
// spreads silently into scores, AUC and forgetting. Every array is therefore checked here once, in
// linear passes over the typed arrays (a few ms for ML-1M), before a model sees it.
//
// A failure calls `fail(what, where, expected)`, which decodeModel turns into one line:
//   <source>: <what is wrong> (<the bad value / where>; expected <what>)
import { DataError, quote } from '../data/errors.js';
import { IdMap } from '../data/interactions.js';
import { DEFAULT_OPTIONS, OptionError, resolveOptions, type AlsOptions } from './options.js';

export type Fail = (what: string, where: string, expected: string) => never;

/** The header JSON of format version 1. */
export interface ModelHeader {
  options: AlsOptions;
  users: number;
  items: number;
  nnz: number;
  testNnz: number;
  fitResidual: number | null;
  sections: Array<{ name: string; bytes: number }>;
}

/** The sections of format version 1, in file order. */
const SECTION_NAMES = ['X', 'Y', 'indptr', 'indices', 'conf', 'testIndptr', 'testIndices', 'userIds', 'itemIds'] as const;

const HEADER_FIELDS = ['options', 'users', 'items', 'nnz', 'testNnz', 'fitResidual', 'sections'];
/** Options every version-1 file has; options added later may be absent (they take their defaults). */
const REQUIRED_OPTIONS = ['factors', 'regularization', 'alpha', 'iterations', 'solver', 'cgSteps', 'seed', 'backend'];
/** `threads` is a run-time setting and never saved. */
const FILE_OPTIONS = Object.keys(DEFAULT_OPTIONS).filter((k) => k !== 'threads');
const INT32_MAX = 0x7fffffff;

/**
 * Bound on every float32 value the scoring, Gram, loss and residual kernels form from the file's
 * numbers. Far below the float32 maximum (3.4e38) so that later solves have headroom, and far above
 * anything a fitted model holds (its scores approximate p ∈ {0, 1}).
 */
export const FLOAT32_SAFE = 1e30;

/** A JSON value for a message: strings quoted (and cut), everything on one line. */
function show(v: unknown): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'string') return quote(v);
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? s.slice(0, 80) + '…' : s;
}

const num = (v: number): string => (Number.isInteger(v) && Math.abs(v) < 1e6 ? String(v) : v.toPrecision(3));

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isCount = (v: unknown, max = Number.MAX_SAFE_INTEGER): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

/**
 * What decodeModel needs to find the sections (before the checksum): the byte size of each. The
 * names and sizes are checked against the header's counts after the checksum, by `checkHeader`.
 */
export function sectionSizes(header: unknown, fileBytes: number, fail: Fail): number[] {
  if (!isObject(header)) fail('corrupt header', `the header is ${show(header)}`, 'a JSON object');
  const sections = header.sections;
  if (!Array.isArray(sections)) fail('corrupt header', `sections = ${show(sections)}`, 'a list of sections');
  return sections.map((s, i) => {
    const bytes = isObject(s) ? s.bytes : undefined;
    // bounded by the file so that the offsets (4-byte aligned with int32 arithmetic) cannot wrap
    if (!isCount(bytes, fileBytes)) fail('corrupt header', `sections[${i}] = ${show(s)}`, `{name, bytes} with a byte count in 0..${fileBytes}`);
    return bytes;
  });
}

/** Types, ranges and consistency of every header field; returns the header with resolved options. */
export function checkHeader(h: Record<string, unknown>, fail: Fail): ModelHeader {
  const bad: (where: string, expected: string) => never = (where, expected) => fail('invalid header', where, expected);
  for (const key of Object.keys(h)) {
    if (!HEADER_FIELDS.includes(key)) bad(`unknown field ${quote(key)}`, `only ${HEADER_FIELDS.join(', ')}`);
  }
  const count = (key: string, max: number, expected: string): number => {
    const v = h[key];
    if (!isCount(v, max)) bad(`${key} = ${show(v)}`, expected);
    return v;
  };
  const users = count('users', INT32_MAX - 1, 'a user count: an integer ≥ 0');
  const items = count('items', INT32_MAX, 'an item count: an integer ≥ 0');
  const nnz = count('nnz', INT32_MAX, 'a training pair count: an integer ≥ 0');
  const testNnz = count('testNnz', INT32_MAX, 'a held-out pair count: an integer ≥ 0');
  // the model needs one training pair (ALS.setData refuses none)
  if (nnz === 0) bad('nnz = 0', 'at least one training pair');

  const options = checkOptions(h.options, bad);
  if (options.factors > items && !(options.regularization > 0)) bad(`options.factors = ${options.factors} with items = ${items} and regularization 0`, 'at most the number of items when regularization is 0');

  const fitResidual = h.fitResidual;
  if (fitResidual !== null && !(typeof fitResidual === 'number' && Number.isFinite(fitResidual) && fitResidual >= 0)) {
    bad(`fitResidual = ${show(fitResidual)}`, 'null or a finite number ≥ 0');
  }

  const sections = h.sections as ModelHeader['sections'];
  if (sections.length !== SECTION_NAMES.length) {
    bad(`${sections.length} sections`, `the ${SECTION_NAMES.length} sections ${SECTION_NAMES.join(', ')}`);
  }
  const k = options.factors;
  // exact sizes of the binary sections (the id lists are JSON of any length)
  const sizes: Record<string, [number, string]> = {
    X: [4 * users * k, `4·users·factors = 4·${users}·${k}`],
    Y: [4 * items * k, `4·items·factors = 4·${items}·${k}`],
    indptr: [4 * (users + 1), `4·(users + 1) = 4·${users + 1}`],
    indices: [4 * nnz, `4·nnz = 4·${nnz}`],
    conf: [4 * nnz, `4·nnz = 4·${nnz}`],
    testIndptr: [4 * (users + 1), `4·(users + 1) = 4·${users + 1}`],
    testIndices: [4 * testNnz, `4·testNnz = 4·${testNnz}`],
  };
  SECTION_NAMES.forEach((name, i) => {
    const s = sections[i] as { name?: unknown; bytes: number };
    if (s.name !== name) bad(`sections[${i}].name = ${show(s.name)}`, `${quote(name)} (sections ${SECTION_NAMES.join(', ')} in this order)`);
    const want = sizes[name];
    if (want && s.bytes !== want[0]) fail(`section ${name} has the wrong size`, `${s.bytes} bytes`, `${want[1]} = ${want[0]} bytes`);
  });
  return { options, users, items, nnz, testNnz, fitResidual: fitResidual as number | null, sections };
}

function checkOptions(v: unknown, bad: (where: string, expected: string) => never): AlsOptions {
  if (!isObject(v)) bad(`options = ${show(v)}`, 'an object of model options');
  for (const key of Object.keys(v)) {
    if (!FILE_OPTIONS.includes(key)) bad(`unknown option ${quote(key)}`, `only ${FILE_OPTIONS.join(', ')}`);
  }
  // a missing option would silently take its default (factors 64, λ 50, …): refuse instead
  for (const key of REQUIRED_OPTIONS) if (!(key in v)) bad(`options.${key} missing`, `every model option (${REQUIRED_OPTIONS.join(', ')})`);
  let o: AlsOptions;
  try {
    o = resolveOptions(v as Partial<AlsOptions>);
  } catch (err) {
    if (!(err instanceof OptionError)) throw err;
    // OptionError's message ends with "; expected <what>"
    const at = err.message.indexOf('; expected ');
    bad(`options.${err.option} = ${show(err.value)}`, at >= 0 ? err.message.slice(at + 11) : 'a valid value');
  }
  // float32 in the kernels: λ enters the Gram matrix, 1 + α the confidences of a new fit
  if (o.regularization > FLOAT32_SAFE) bad(`options.regularization = ${o.regularization}`, `at most ${FLOAT32_SAFE} (it is added in float32)`);
  if (1 + o.alpha > FLOAT32_SAFE) bad(`options.alpha = ${o.alpha}`, `at most ${FLOAT32_SAFE} (confidences 1 + α are float32)`);
  const { threads: _runTime, ...saved } = o;
  return saved as AlsOptions;
}

/** An id list section: UTF-8 JSON array of `n` distinct strings. */
export function parseIds(bytes: Uint8Array, name: string, kind: 'user' | 'item', n: number, fail: Fail): IdMap {
  let list: unknown;
  try {
    list = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    fail(`section ${name} is not UTF-8 JSON`, `${bytes.length} bytes: ${(err as Error).message}`, `a JSON list of ${n} ${kind} ids`);
  }
  if (!Array.isArray(list)) fail(`section ${name} is not a list`, show(list), `a JSON list of ${n} ${kind} ids`);
  if (list.length !== n) fail(`section ${name} has the wrong length`, `${list.length} ids`, `${n} ${kind} ids (the header's count)`);
  for (let i = 0; i < n; i++) {
    if (typeof list[i] !== 'string') fail(`invalid ${kind} id`, `${name}[${i}] = ${show(list[i])}`, 'a string');
  }
  try {
    return new IdMap(list as string[]);
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    // only on failure: find the pair of equal ids for the message
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const first = seen.get(list[i]);
      if (first !== undefined) fail(`duplicate ${kind} id`, `${name}[${i}] = ${name}[${first}] = ${quote(list[i])}`, `distinct ${kind} ids`);
      seen.set(list[i], i);
    }
    throw err;
  }
}

export interface Rows {
  /** 'training' or 'held-out', for messages. */
  label: string;
  indptrName: string;
  indicesName: string;
  indptr: Int32Array;
  indices: Int32Array;
}

/** Row offsets: indptr[0] = 0, non-decreasing, each within 0..nnz, indptr[users] = nnz. */
export function checkIndptr(r: Rows, nnz: number, fail: Fail): void {
  const p = r.indptr;
  const n = p.length - 1;
  const what = `${r.label} row offsets`;
  if (p[0] !== 0) fail(`${what} do not start at 0`, `${r.indptrName}[0] = ${p[0]}`, '0');
  let prev = 0;
  for (let u = 1; u <= n; u++) {
    const v = p[u];
    if (v < prev || v > nnz) {
      if (v > nnz || v < 0) fail(`${what} out of range`, `${r.indptrName}[${u}] = ${v}`, `an offset in 0..${nnz} (the pair count)`);
      fail(`${what} decrease`, `${r.indptrName}[${u}] = ${v} < ${r.indptrName}[${u - 1}] = ${prev}`, 'non-decreasing offsets');
    }
    prev = v;
  }
  if (prev !== nnz) fail(`${what} do not end at the pair count`, `${r.indptrName}[${n}] = ${prev}`, `${nnz}`);
}

/** Item indices within [0, items) and strictly increasing within each row (sorted, no repeated pair). */
export function checkIndices(r: Rows, items: number, users: IdMap, fail: Fail): void {
  const { indptr, indices } = r;
  const rows = indptr.length - 1;
  for (let u = 0; u < rows; u++) {
    const end = indptr[u + 1];
    let prev = -1;
    for (let q = indptr[u]; q < end; q++) {
      const j = indices[q];
      if (j <= prev || j >= items) {
        const at = `${r.indicesName}[${q}] = ${j}, row of user ${quote(users.id(u))}`;
        if (j < 0 || j >= items) fail(`${r.label} item index out of range`, at, `an item index in 0..${items - 1}`);
        if (j === prev) fail(`repeated ${r.label} pair`, `${at}, twice in a row`, 'each pair once');
        fail(`${r.label} row not sorted`, `${at} after ${prev}`, 'item indices increasing within each row');
      }
      prev = j;
    }
  }
}

/** No pair both in training and held out (both rows sorted: one merge per row). */
export function checkDisjoint(train: Rows, test: Rows, users: IdMap, items: IdMap, fail: Fail): void {
  const rows = train.indptr.length - 1;
  const a = train.indices;
  const b = test.indices;
  for (let u = 0; u < rows; u++) {
    let q = test.indptr[u];
    const qEnd = test.indptr[u + 1];
    if (q === qEnd) continue;
    let p = train.indptr[u];
    const pEnd = train.indptr[u + 1];
    while (p < pEnd && q < qEnd) {
      if (a[p] < b[q]) p++;
      else if (a[p] > b[q]) q++;
      else {
        fail('pair both in training and held out',
          `user ${quote(users.id(u))}, item ${quote(items.id(a[p]))}: ${train.indicesName}[${p}], ${test.indicesName}[${q}]`,
          'held-out pairs that are not training pairs');
      }
    }
  }
}

/** Row of position `p` (indptr checked: non-decreasing, p < indptr[rows]). Failure path only. */
function rowOf(indptr: Int32Array, p: number): number {
  let lo = 0;
  let hi = indptr.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (indptr[mid] <= p) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Confidences finite and ≥ 0 (0: a pair blocked by the paper's block mode); returns the largest. */
export function checkConfidence(conf: Float32Array, train: Rows, users: IdMap, items: IdMap, fail: Fail): { max: number; at: number } {
  let max = 0;
  let at = 0;
  for (let p = 0; p < conf.length; p++) {
    const c = conf[p];
    if (!(c <= max && c >= 0)) {
      // NaN, negatives and +∞ land here, as does each new maximum
      if (!(c >= 0 && c < Infinity)) {
        const u = rowOf(train.indptr, p);
        fail('invalid training confidence', `conf[${p}] = ${c}, user ${quote(users.id(u))}, item ${quote(items.id(train.indices[p]))}`,
          'a finite number ≥ 0 (0 marks a blocked pair)');
      }
      max = c;
      at = p;
    }
  }
  return { max, at };
}

/** Factors finite; returns the largest magnitude and where it is. */
export function checkFactors(f: Float32Array, name: string, kind: 'user' | 'item', k: number, ids: IdMap, fail: Fail): { max: number; at: number } {
  let max = 0;
  let at = 0;
  for (let i = 0; i < f.length; i++) {
    const a = Math.abs(f[i]);
    if (!(a <= max)) {
      if (!(a < Infinity)) {
        fail(`${kind} factor not finite`, `${name}[${i}] = ${f[i]}, ${kind} ${quote(ids.id(Math.floor(i / k)))}, factor ${i % k}`, 'finite numbers');
      }
      max = a;
      at = i;
    }
  }
  return { max, at };
}

/**
 * Finite is not enough: the kernels score, form Gram and normal matrices and their right-hand sides
 * in float32, so factors of 1e20 give ±∞ scores and NaN certificates. These bounds hold every such
 * value (users u, items i, pairs n, k factors, largest |x|, |y| and confidence):
 *   score          k·|x|·|y|
 *   normal matrix  max(u·|x|², i·|y|²) + λ + n·(c + 1)·max(|x|, |y|)²
 *   right side     n·c·max(|x|, |y|)
 */
export function checkMagnitudes(
  m: { users: number; items: number; nnz: number; k: number; regularization: number },
  x: { max: number; at: number }, y: { max: number; at: number }, c: { max: number; at: number }, fail: Fail,
): void {
  const big = Math.max(x.max, y.max);
  const bounds: Array<[string, number]> = [
    ['a score', m.k * x.max * y.max],
    ['a normal matrix', Math.max(m.users * x.max ** 2, m.items * y.max ** 2) + m.regularization + m.nnz * (c.max + 1) * big ** 2],
    ['a right-hand side', m.nnz * c.max * big],
  ];
  const [what, bound] = bounds.reduce((a, b) => (b[1] > a[1] ? b : a));
  if (!(bound <= FLOAT32_SAFE)) {
    fail('factors or confidences too large for float32 arithmetic',
      `max |X| = ${num(x.max)} at X[${x.at}], max |Y| = ${num(y.max)} at Y[${y.at}], max confidence ${num(c.max)} at conf[${c.at}]: ${what} could reach ${num(bound)}`,
      `values that keep scores and normal equations below ${FLOAT32_SAFE}`);
  }
}
