// Structural validation of model files: a file edited and re-sealed (CRC recomputed) must be refused
// with a one-line ModelFileError, never trap in WASM, hang or load silently.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALS } from '../../src/model/als.js';
import { crc32, decodeModel, modelFromBytes, modelToBytes, ModelFileError } from '../../src/model/persist.js';
import type { BackendName } from '../../src/kernels/select.js';
import { BACKEND_NAMES, csrFromPairs, randomData } from '../helpers.js';
import type { TrainingData } from '../../src/model/als.js';

// ---- editing a sealed file ------------------------------------------------------------------

const pad4 = (n: number): number => (n + 3) & ~3;
const SOURCE = 'm.uals';
/** `<source>: <what is wrong> (<the bad value / where>; expected <what>)`, one line. */
const FORMAT = /^m\.uals: [^\r\n\u2028\u2029]+ \([^\r\n\u2028\u2029]*; expected [^\r\n\u2028\u2029]+\)$/;

interface Section {
  name: string;
  offset: number;
  bytes: number;
}

interface Layout {
  header: Record<string, unknown> & { sections: Array<{ name: string; bytes: number }> };
  sections: Section[];
}

function layout(file: Uint8Array): Layout {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const hlen = dv.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(file.subarray(16, 16 + hlen)));
  let offset = 16 + pad4(hlen);
  const sections = header.sections.map((s: { name: string; bytes: number }) => {
    const out = { name: s.name, offset, bytes: s.bytes };
    offset += pad4(s.bytes);
    return out;
  });
  return { header, sections };
}

const section = (file: Uint8Array, name: string): Section => layout(file).sections.find((s) => s.name === name)!;

/** Recomputes the CRC over everything before the last 4 bytes (what a careless editor does). */
function seal(file: Uint8Array): Uint8Array {
  const out = file.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** Writes a 32-bit element of a section (int32, float32 or raw bits) and re-seals. */
function setElement(file: Uint8Array, name: string, index: number, value: number, type: 'i32' | 'f32' | 'bits'): Uint8Array {
  const s = section(file, name);
  if (4 * index >= s.bytes) throw new Error(`${name}[${index}] is past the section's end`);
  const out = file.slice();
  const dv = new DataView(out.buffer);
  const at = s.offset + 4 * index;
  if (type === 'i32') dv.setInt32(at, value, true);
  else if (type === 'f32') dv.setFloat32(at, value, true);
  else dv.setUint32(at, value >>> 0, true);
  return seal(out);
}

const getI32 = (file: Uint8Array, name: string, index: number): number =>
  new DataView(file.buffer, file.byteOffset).getInt32(section(file, name).offset + 4 * index, true);

/** Rebuilds the file with an edited header (and optionally new contents for some sections), re-sealed. */
function rebuild(file: Uint8Array, edit: (h: Layout['header']) => unknown, contents: Record<string, Uint8Array> = {}): Uint8Array {
  const { header, sections } = layout(file);
  const parts = sections.map((s) => contents[s.name] ?? file.subarray(s.offset, s.offset + s.bytes));
  header.sections.forEach((s, i) => {
    if (contents[s.name]) s.bytes = parts[i].length;
  });
  const edited = edit(header);
  const hb = new TextEncoder().encode(JSON.stringify(edited === undefined ? header : edited));
  let size = 16 + pad4(hb.length) + 4;
  for (const p of parts) size += pad4(p.length);
  const out = new Uint8Array(size);
  out.set(file.subarray(0, 12), 0);
  new DataView(out.buffer).setUint32(12, hb.length, true);
  out.set(hb, 16);
  let off = 16 + pad4(hb.length);
  for (const p of parts) {
    out.set(p, off);
    off += pad4(p.length);
  }
  return seal(out);
}

const withIds = (file: Uint8Array, name: 'userIds' | 'itemIds', ids: unknown): Uint8Array =>
  rebuild(file, () => undefined, { [name]: new TextEncoder().encode(typeof ids === 'string' ? ids : JSON.stringify(ids)) });

// ---- small fitted models --------------------------------------------------------------------

/** randomData with every fourth pair held out: a train and a disjoint test set. */
function dataWithTest(users: number, items: number, per: number, seed: number): TrainingData {
  const d = randomData(users, items, per, seed);
  const train: Array<[number, number]> = [];
  const test: Array<[number, number]> = [];
  for (let u = 0, n = 0; u < users; u++) {
    for (let p = d.train.indptr[u]; p < d.train.indptr[u + 1]; p++, n++) (n % 4 === 3 ? test : train).push([u, d.train.indices[p]]);
  }
  return { users: d.users, items: d.items, train: csrFromPairs(users, items, train), test: csrFromPairs(users, items, test) };
}

const USERS = 40;
const ITEMS = 30;

async function fitted(backend: BackendName): Promise<Uint8Array> {
  const model = await ALS.create({ factors: 4, regularization: 2, iterations: 3, backend, seed: 7, threads: 1 });
  await model.fit(dataWithTest(USERS, ITEMS, 8, 3));
  const bytes = modelToBytes(model);
  model.dispose();
  return bytes;
}

const files = new Map<BackendName, Uint8Array>();
beforeAll(async () => {
  for (const b of BACKEND_NAMES) files.set(b, await fitted(b));
});

/** Loads as `recommend`/`forget` would (one thread: no workers per load); expects a refusal. */
async function refusal(bytes: Uint8Array, backend: BackendName): Promise<string> {
  let err: unknown;
  try {
    (await modelFromBytes(bytes, { backend, threads: 1, source: SOURCE })).dispose();
  } catch (e) {
    err = e;
  }
  expect(err, 'the edited file loaded').toBeInstanceOf(ModelFileError);
  const message = (err as Error).message;
  expect(message).toMatch(FORMAT);
  return message;
}

const userOfPosition = (file: Uint8Array, indptrName: string, p: number): number => {
  let u = 0;
  while (getI32(file, indptrName, u + 1) <= p) u++;
  return u;
};

// ---- the cases of the issue -----------------------------------------------------------------

describe.each(BACKEND_NAMES)('the issue\'s re-sealed edits are refused (%s backend)', (backend) => {
  it('an item index of 1e8 in the training indices (was: WASM trap in recommend, exit 0)', async () => {
    const file = files.get(backend)!;
    const u = userOfPosition(file, 'indptr', 17);
    expect(await refusal(setElement(file, 'indices', 17, 1e8, 'i32'), backend)).toBe(
      `m.uals: training item index out of range (indices[17] = 100000000, row of user "${u}"; expected an item index in 0..${ITEMS - 1})`,
    );
  });

  it('an indptr entry of 1e8 (was: a worker failure after 13 s)', async () => {
    const file = files.get(backend)!;
    expect(await refusal(setElement(file, 'indptr', 5, 1e8, 'i32'), backend)).toMatch(
      /^m\.uals: training row offsets out of range \(indptr\[5\] = 100000000; expected an offset in 0\.\.\d+ \(the pair count\)\)$/,
    );
  });

  it('an item index of −1 (was: a silent load, then forget reports a non-positive-definite row)', async () => {
    const file = files.get(backend)!;
    // the first pair of its row, so that the row stays sorted and only the range is wrong
    const p = getI32(file, 'indptr', 3);
    expect(await refusal(setElement(file, 'indices', p, -1, 'i32'), backend)).toMatch(
      new RegExp(`^m\\.uals: training item index out of range \\(indices\\[${p}\\] = -1, row of user "3"; expected an item index in 0\\.\\.29\\)$`),
    );
  });

  it('a NaN in the factors (was: residual 0.00e+0 and an empty recommendation list)', async () => {
    const file = files.get(backend)!;
    expect(await refusal(setElement(file, 'X', 9, NaN, 'f32'), backend)).toBe(
      'm.uals: user factor not finite (X[9] = NaN, user "2", factor 1; expected finite numbers)',
    );
    expect(await refusal(setElement(file, 'Y', 0, -Infinity, 'f32'), backend)).toMatch(/item factor not finite \(Y\[0\] = -Infinity/);
  });

  it('a held-out index of 1e8 (was: a silently wrong AUC)', async () => {
    const file = files.get(backend)!;
    const u = userOfPosition(file, 'testIndptr', 2);
    expect(await refusal(setElement(file, 'testIndices', 2, 1e8, 'i32'), backend)).toBe(
      `m.uals: held-out item index out of range (testIndices[2] = 100000000, row of user "${u}"; expected an item index in 0..${ITEMS - 1})`,
    );
  });
});

// ---- every other check ----------------------------------------------------------------------

describe('structural checks of decodeModel', () => {
  const file = (): Uint8Array => files.get('js')!;
  const refused = (bytes: Uint8Array): string => {
    try {
      decodeModel(bytes, SOURCE);
    } catch (err) {
      expect(err).toBeInstanceOf(ModelFileError);
      expect((err as Error).message).toMatch(FORMAT);
      return (err as Error).message;
    }
    throw new Error('the edited file was accepted');
  };

  it('accepts the unedited file and a re-sealed no-op edit', () => {
    expect(() => decodeModel(file(), SOURCE)).not.toThrow();
    expect(() => decodeModel(rebuild(file(), () => undefined), SOURCE)).not.toThrow();
  });

  it('row offsets: start at 0, never decrease, end at the pair count (train and held out)', () => {
    const f = file();
    const nnz = getI32(f, 'indptr', USERS);
    expect(refused(setElement(f, 'indptr', 0, 1, 'i32'))).toMatch(/training row offsets do not start at 0 \(indptr\[0\] = 1; expected 0\)/);
    const a = getI32(f, 'indptr', 10);
    expect(refused(setElement(f, 'indptr', 11, a - 1, 'i32'))).toMatch(
      new RegExp(`training row offsets decrease \\(indptr\\[11\\] = ${a - 1} < indptr\\[10\\] = ${a}; expected non-decreasing offsets\\)`),
    );
    expect(refused(setElement(f, 'indptr', 7, -3, 'i32'))).toMatch(/training row offsets out of range \(indptr\[7\] = -3;/);
    expect(refused(setElement(f, 'indptr', USERS, nnz - 1, 'i32'))).toMatch(
      new RegExp(`training row offsets do not end at the pair count \\(indptr\\[${USERS}\\] = ${nnz - 1}; expected ${nnz}\\)`),
    );
    const t = getI32(f, 'testIndptr', 20);
    expect(refused(setElement(f, 'testIndptr', 20, t + 1000, 'i32'))).toMatch(/held-out row offsets out of range \(testIndptr\[20\]/);
  });

  it('item indices: sorted within a row, no repeated pair', () => {
    const f = file();
    const p = getI32(f, 'indptr', 4);
    const first = getI32(f, 'indices', p);
    const second = getI32(f, 'indices', p + 1);
    expect(refused(setElement(f, 'indices', p + 1, first, 'i32'))).toMatch(
      new RegExp(`repeated training pair \\(indices\\[${p + 1}\\] = ${first}, row of user "4", twice in a row; expected each pair once\\)`),
    );
    const swapped = setElement(setElement(f, 'indices', p, second, 'i32'), 'indices', p + 1, first, 'i32');
    expect(refused(swapped)).toMatch(new RegExp(`training row not sorted \\(indices\\[${p + 1}\\] = ${first}, row of user "4" after ${second};`));
  });

  it('no pair both in training and held out', () => {
    const f = file();
    // the first held-out item of some user becomes one of that user's training items, keeping the
    // held-out row sorted
    for (let u = 0; u < USERS; u++) {
      const q = getI32(f, 'testIndptr', u);
      const qEnd = getI32(f, 'testIndptr', u + 1);
      if (q === qEnd) continue;
      const next = q + 1 < qEnd ? getI32(f, 'testIndices', q + 1) : ITEMS;
      for (let p = getI32(f, 'indptr', u); p < getI32(f, 'indptr', u + 1); p++) {
        const item = getI32(f, 'indices', p);
        if (item >= next) break;
        expect(refused(setElement(f, 'testIndices', q, item, 'i32'))).toBe(
          `m.uals: pair both in training and held out (user "${u}", item "${item}": indices[${p}], testIndices[${q}]; expected held-out pairs that are not training pairs)`,
        );
        return;
      }
    }
    throw new Error('no suitable pair in the test model');
  });

  it('confidences: finite and ≥ 0; 0 (a blocked pair) is legal', async () => {
    const f = file();
    expect(refused(setElement(f, 'conf', 3, -1, 'f32'))).toMatch(/invalid training confidence \(conf\[3\] = -1, user "\d+", item "\d+"; expected a finite number ≥ 0 \(0 marks a blocked pair\)\)/);
    expect(refused(setElement(f, 'conf', 0, NaN, 'f32'))).toMatch(/invalid training confidence \(conf\[0\] = NaN/);
    expect(refused(setElement(f, 'conf', 8, Infinity, 'f32'))).toMatch(/invalid training confidence \(conf\[8\] = Infinity/);
    const blocked = setElement(f, 'conf', 5, 0, 'f32');
    const m = await modelFromBytes(blocked, { backend: 'js', source: SOURCE });
    expect(m.trainConfidence[5]).toBe(0);
    expect(Number.isFinite(m.loss())).toBe(true);
  });

  it('factors too large for float32 arithmetic', () => {
    expect(refused(setElement(file(), 'X', 4, 1e20, 'f32'))).toMatch(
      /^m\.uals: factors or confidences too large for float32 arithmetic \(max \|X\| = 1\.00e\+20 at X\[4\], max \|Y\| = [^ ]+ at Y\[\d+\], max confidence [^ ]+ at conf\[\d+\]: a normal matrix could reach 1\.01e\+44; expected values that keep scores and normal equations below 1e\+30\)$/,
    );
    expect(refused(setElement(file(), 'conf', 1, 1e37, 'f32'))).toMatch(/too large for float32 arithmetic .*max confidence 1\.00e\+37 at conf\[1\]: a normal matrix/);
  });

  it('header fields: types, ranges, consistency', () => {
    const f = file();
    const set = (path: string, value: unknown): string =>
      refused(rebuild(f, (h) => {
        const keys = path.split('.');
        let o = h as Record<string, unknown>;
        for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
        if (value === undefined) delete o[keys.at(-1)!];
        else o[keys.at(-1)!] = value;
      }));
    expect(set('options.factors', 0)).toBe('m.uals: invalid header (options.factors = 0; expected an integer ≥ 1)');
    expect(set('options.factors', '4')).toBe('m.uals: invalid header (options.factors = "4"; expected an integer ≥ 1)');
    // more factors than items: fine with λ > 0 (the X section's size is then wrong here), refused with λ 0
    expect(set('options.factors', 31)).toMatch(/section X has the wrong size/);
    expect(set('options.factors', 5)).toMatch(/^m\.uals: section X has the wrong size \(640 bytes; expected 4·users·factors = 4·40·5 = 800 bytes\)$/);
    expect(set('options.regularization', -1)).toMatch(/invalid header \(options\.regularization = -1; expected a finite number ≥ 0\)/);
    expect(set('options.regularization', 1e300)).toMatch(/invalid header \(options\.regularization = 1e\+300; expected at most 1e\+30/);
    expect(set('options.alpha', null)).toMatch(/invalid header \(options\.alpha = null; expected a finite number ≥ 0\)/);
    expect(set('options.solver', 'newton')).toMatch(/invalid header \(options\.solver = "newton"; expected cg or cholesky\)/);
    expect(set('options.cgSteps', 0)).toMatch(/options\.cgSteps = 0; expected an integer ≥ 1/);
    expect(set('options.iterations', 1.5)).toMatch(/options\.iterations = 1\.5; expected an integer ≥ 0/);
    expect(set('options.backend', 'gpu')).toMatch(/options\.backend = "gpu"; expected auto, wasm, js/);
    expect(set('options.regularization', undefined)).toMatch(/invalid header \(options\.regularization missing; expected every model option/);
    expect(set('options.threads', 4)).toMatch(/invalid header \(unknown option "threads"; expected only factors, regularization/);
    expect(set('options', [])).toMatch(/invalid header \(options = \[\]; expected an object of model options\)/);
    expect(set('users', -1)).toMatch(/invalid header \(users = -1; expected a user count: an integer ≥ 0\)/);
    expect(set('items', 2.5)).toMatch(/invalid header \(items = 2\.5; expected an item count/);
    expect(set('nnz', 0)).toMatch(/invalid header \(nnz = 0; expected at least one training pair\)/);
    expect(set('testNnz', '3')).toMatch(/invalid header \(testNnz = "3"; expected a held-out pair count/);
    expect(set('fitResidual', -1)).toMatch(/invalid header \(fitResidual = -1; expected null or a finite number ≥ 0\)/);
    expect(set('fitResidual', 'small')).toMatch(/fitResidual = "small"/);
    expect(set('extra', 1)).toMatch(/invalid header \(unknown field "extra"; expected only options, users/);
    expect(() => decodeModel(rebuild(f, (h) => void (h.fitResidual = null)), SOURCE)).not.toThrow();
  });

  it('sections: exactly the expected names, once each, in order, of the expected sizes', () => {
    const f = file();
    expect(refused(rebuild(f, (h) => void (h.sections[2].name = 'indices')))).toBe(
      'm.uals: invalid header (sections[2].name = "indices"; expected "indptr" (sections X, Y, indptr, indices, conf, testIndptr, testIndices, userIds, itemIds in this order))',
    );
    expect(refused(rebuild(f, (h) => {
      [h.sections[0], h.sections[1]] = [h.sections[1], h.sections[0]];
    }))).toMatch(/sections\[0\]\.name = "Y"/);
    // an extra (empty) section
    expect(refused(rebuild(f, (h) => void h.sections.push({ name: 'extra', bytes: 0 })))).toMatch(/invalid header \(10 sections; expected the 9 sections/);
    // sizes that add up (the file is not truncated) but do not match the counts
    expect(refused(rebuild(f, (h) => {
      h.sections[3].bytes -= 4;
      h.sections[4].bytes += 4;
    }))).toMatch(/section indices has the wrong size/);
    expect(refused(rebuild(f, () => null))).toBe('m.uals: corrupt header (the header is null; expected a JSON object)');
    expect(refused(rebuild(f, (h) => void (h.sections = 'X' as never)))).toMatch(/corrupt header \(sections = "X"; expected a list of sections\)/);
    expect(refused(rebuild(f, (h) => void (h.sections[0].bytes = -4)))).toMatch(/corrupt header \(sections\[0\] = \{"name":"X","bytes":-4\}; expected \{name, bytes\} with a byte count in 0\.\.\d+\)/);
    // a size past 2³² would wrap the int32 offset arithmetic
    expect(refused(rebuild(f, (h) => void (h.sections[7].bytes += 2 ** 32)))).toMatch(/corrupt header \(sections\[7\] = \{"name":"userIds","bytes":4294967\d+\}; expected/);
  });

  it('id lists: JSON lists of distinct strings of the stated sizes', () => {
    const f = file();
    const ids = Array.from({ length: USERS }, (_, i) => String(i));
    expect(refused(withIds(f, 'userIds', '["0", "1"'))).toMatch(/^m\.uals: section userIds is not UTF-8 JSON \(9 bytes: .*; expected a JSON list of 40 user ids\)$/);
    expect(refused(withIds(f, 'userIds', { a: 1 }))).toMatch(/section userIds is not a list \(\{"a":1\}; expected a JSON list of 40 user ids\)/);
    expect(refused(withIds(f, 'itemIds', ids.slice(0, ITEMS - 1)))).toMatch(/section itemIds has the wrong length \(29 ids; expected 30 item ids \(the header's count\)\)/);
    expect(refused(withIds(f, 'userIds', [...ids.slice(0, 5), 5, ...ids.slice(6)]))).toMatch(/invalid user id \(userIds\[5\] = 5; expected a string\)/);
    expect(refused(withIds(f, 'userIds', [...ids.slice(0, 7), '2', ...ids.slice(8)]))).toBe(
      'm.uals: duplicate user id (userIds[7] = userIds[2] = "2"; expected distinct user ids)',
    );
    // line breaks inside a quoted value (escaped, or U+2028, which JSON leaves raw) keep the message on one line
    const odd = 'a\nb\u2028c';
    expect(refused(withIds(f, 'itemIds', [odd, ...ids.slice(1, ITEMS - 1), odd]))).toBe(
      'm.uals: duplicate item id (itemIds[29] = itemIds[0] = "a\\nb c"; expected distinct item ids)',
    );
    const bad = new Uint8Array([0x5b, 0x22, 0xff, 0x22, 0x5d]);
    expect(refused(rebuild(f, () => undefined, { userIds: bad }))).toMatch(/section userIds is not UTF-8 JSON/);
  });
});

// ---- property: any re-sealed mutation is refused cleanly or loads into a working model --------
//
// fast-check rather than a hand-rolled random loop: when a mutation breaks the loader it shrinks
// it to a minimal one (one field, a simple value) and prints the seed and path that replay exactly
// that case, and the fixed seed keeps CI deterministic.

// fixed for CI; override to search longer locally (FC_SEED=… FC_RUNS=… npx vitest run …)
const SEED = Number(process.env.FC_SEED ?? 20260502);
const RUNS = Number(process.env.FC_RUNS ?? 1000);
const BINARY = ['X', 'Y', 'indptr', 'indices', 'conf', 'testIndptr', 'testIndices'] as const;
const HEADER_PATHS = [
  'options.factors', 'options.regularization', 'options.alpha', 'options.iterations', 'options.solver', 'options.cgSteps',
  'options.seed', 'options.backend', 'options.threads', 'options.other', 'users', 'items', 'nnz', 'testNnz', 'fitResidual',
  'sections', 'sections.0', 'sections.2.name', 'sections.3.bytes', 'sections.5.bytes', 'sections.8.name', 'other',
];

type Mutation =
  | { kind: 'bytes'; edits: Array<{ at: number; value: number }> }
  | { kind: 'splice'; at: number; remove: number; insert: Uint8Array }
  | { kind: 'field'; section: (typeof BINARY)[number]; index: number; value: FieldValue }
  | { kind: 'header'; path: string; value: unknown; remove: boolean }
  | { kind: 'ids'; name: 'userIds' | 'itemIds'; index: number; value: unknown; op: 'set' | 'copy' | 'push' | 'pop' };

type FieldValue =
  | { type: 'i32'; v: number }
  | { type: 'f32'; v: number }
  | { type: 'bits'; v: number }
  | { type: 'nudge'; v: number }
  | { type: 'copy'; from: number };

const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((v) => ({ type: 'i32' as const, v })),
  fc.constantFrom(-1, 0, 1, ITEMS - 1, ITEMS, USERS, 1e8, 2 ** 31 - 1, -(2 ** 31)).map((v) => ({ type: 'i32' as const, v })),
  fc.float().map((v) => ({ type: 'f32' as const, v })), // NaN, ±∞, ±0 and subnormals included
  fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((v) => ({ type: 'bits' as const, v })),
  fc.integer({ min: -3, max: 3 }).map((v) => ({ type: 'nudge' as const, v })), // near-valid: ±3 on the int32
  fc.nat().map((from) => ({ type: 'copy' as const, from })), // another element's value
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('bytes' as const),
    edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant('splice' as const), at: fc.nat(), remove: fc.integer({ min: 0, max: 8 }), insert: fc.uint8Array({ maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('field' as const), section: fc.constantFrom(...BINARY), index: fc.nat(), value: fieldValue }),
  fc.record({
    kind: fc.constant('header' as const),
    path: fc.constantFrom(...HEADER_PATHS),
    value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.integer({ min: -2, max: 100 }), fc.double(), fc.constantFrom(null, 'cg', 'cholesky', 'js', 'X')),
    remove: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('ids' as const),
    name: fc.constantFrom('userIds' as const, 'itemIds' as const),
    index: fc.nat(),
    value: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
    op: fc.constantFrom('set' as const, 'copy' as const, 'push' as const, 'pop' as const),
  }),
);

function mutate(file: Uint8Array, m: Mutation): Uint8Array {
  switch (m.kind) {
    case 'bytes': {
      const out = file.slice();
      for (const e of m.edits) out[e.at % (out.length - 4)] = e.value;
      return seal(out);
    }
    case 'splice': {
      const at = m.at % (file.length - 4);
      const body = [...file.subarray(0, at), ...m.insert, ...file.subarray(Math.min(file.length - 4, at + m.remove), file.length - 4)];
      return seal(Uint8Array.from([...body, 0, 0, 0, 0]));
    }
    case 'field': {
      const s = section(file, m.section);
      const n = s.bytes / 4;
      if (n === 0) return file;
      const i = m.index % n;
      const v = m.value;
      if (v.type === 'nudge') return setElement(file, m.section, i, getI32(file, m.section, i) + v.v, 'i32');
      if (v.type === 'copy') return setElement(file, m.section, i, getI32(file, m.section, v.from % n), 'i32');
      return setElement(file, m.section, i, v.v, v.type);
    }
    case 'header':
      return rebuild(file, (h) => {
        const keys = m.path.split('.');
        let o = h as Record<string, unknown>;
        for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
        const last = keys.at(-1)!;
        const current = o[last];
        if (m.remove) delete o[last];
        // numbers are mostly nudged (near-valid edits reach the deeper checks)
        else if (typeof current === 'number' && typeof m.value === 'number' && Number.isInteger(m.value) && Math.abs(m.value) < 3) o[last] = current + m.value;
        else o[last] = m.value;
      });
    case 'ids': {
      const s = section(file, m.name);
      const ids = JSON.parse(new TextDecoder().decode(file.subarray(s.offset, s.offset + s.bytes))) as unknown[];
      const i = m.index % ids.length;
      if (m.op === 'set') ids[i] = m.value;
      else if (m.op === 'copy') ids[i] = ids[(i + 1) % ids.length];
      else if (m.op === 'push') ids.push(m.value);
      else ids.pop();
      return withIds(file, m.name, ids);
    }
  }
}

/** Refused with a one-line ModelFileError, or loaded into a model whose queries give finite, well-formed results. */
async function refusedOrConsistent(bytes: Uint8Array, backend: BackendName, pick: number): Promise<'refused' | 'loaded'> {
  let model: ALS;
  try {
    model = await modelFromBytes(bytes, { backend, threads: 1, source: SOURCE });
  } catch (err) {
    if (!(err instanceof ModelFileError)) throw err; // a RangeError, TypeError or WASM trap fails the property
    if (!FORMAT.test(err.message)) throw new Error(`not one line of the format: ${JSON.stringify(err.message)}`);
    return 'refused';
  }
  try {
    const ids = model.userIds.ids;
    const recs = model.recommend(ids[pick % ids.length], 5);
    expect(recs.length).toBeLessThanOrEqual(5);
    for (let t = 0; t < recs.length; t++) {
      expect(model.itemIds.has(recs[t].item)).toBe(true);
      expect(Number.isFinite(recs[t].score)).toBe(true);
      if (t > 0) expect(recs[t].score).toBeLessThanOrEqual(recs[t - 1].score);
    }
    if (model.testRows) {
      const a = model.auc();
      // NaN only when no held-out user has a negative item
      if (a.pairs > 0) expect(a.auc >= 0 && a.auc <= 1).toBe(true);
      else expect(a.auc).toBeNaN();
    }
    const c = model.certificate();
    expect(Number.isFinite(c.residual) && c.residual >= 0).toBe(true);
    expect(Number.isFinite(c.gradNorm) && c.gradNorm >= 0).toBe(true);
    expect(Number.isFinite(model.loss())).toBe(true);
  } finally {
    model.dispose();
  }
  return 'loaded';
}

describe.each(BACKEND_NAMES)('re-sealed random mutations (%s backend)', (backend) => {
  it(`${RUNS} mutations: each refused with a one-line ModelFileError or loaded into a consistent model`, async () => {
    const file = files.get(backend)!;
    const seen = { refused: 0, loaded: 0 };
    await fc.assert(
      fc.asyncProperty(mutation, fc.nat(), async (m, pick) => {
        seen[await refusedOrConsistent(mutate(file, m), backend, pick)]++;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // both outcomes must be exercised, or the property says little
    expect(seen.refused).toBeGreaterThan(RUNS / 5);
    expect(seen.loaded).toBeGreaterThan(RUNS / 20);
  }, 60_000);
});
