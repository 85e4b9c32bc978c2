// The model file format (".uals"), version 1. Little-endian throughout.
//
//   offset 0   magic "UALS\0\r\n\x1a" (8 bytes; the \r\n and ^Z catch text-mode and truncating copies)
//   8          u32 format version (1)
//   12         u32 header length H
//   16         header: UTF-8 JSON {options, users, items, nnz, testNnz, fitResidual, sections}
//   16+H …     sections, each starting on a 4-byte boundary, in the order and sizes the header lists:
//              X f32[users·k], Y f32[items·k], indptr i32[users+1], indices i32[nnz], conf f32[nnz],
//              testIndptr i32[users+1], testIndices i32[testNnz], userIds, itemIds (UTF-8 JSON arrays)
//   end − 4    u32 CRC-32 of every byte before it
//
// The training interactions are kept because forgetting needs them; ids let the file answer
// queries by external id.
import { IdMap } from '../data/interactions.js';
import type { AlsOptions } from './options.js';
import { ALS, type PairRows } from './als.js';
import type { BackendName } from '../kernels/select.js';
import {
  checkConfidence, checkDisjoint, checkFactors, checkHeader, checkIndices, checkIndptr, checkMagnitudes, parseIds, sectionSizes,
  type Fail, type ModelHeader, type Rows,
} from './validate-model.js';

export { crc32 } from '../data/crc32.js';
import { crc32 } from '../data/crc32.js';

export const MAGIC = new Uint8Array([0x55, 0x41, 0x4c, 0x53, 0x00, 0x0d, 0x0a, 0x1a]);
export const FORMAT_VERSION = 1;

/**
 * A model file that is truncated, corrupt, foreign, of an unknown version, or whose contents are
 * inconsistent (see validate-model.ts). The message is one line naming the file, the problem, the
 * bad value or where it is, and what was expected.
 */
export class ModelFileError extends Error {
  /** Stable code for programs: a model file that cannot be trusted. */
  readonly code = 'ERR_UNTRAIN_MODEL_FILE';

  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

export interface ModelSnapshot {
  options: AlsOptions;
  users: IdMap;
  items: IdMap;
  userFactors: Float32Array;
  itemFactors: Float32Array;
  train: PairRows;
  confidence: Float32Array;
  test?: PairRows;
  fitResidual: number;
}

type Header = ModelHeader;

const pad4 = (n: number): number => (n + 3) & ~3;

function asBytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function encodeModel(m: ModelSnapshot): Uint8Array {
  const enc = new TextEncoder();
  const rows = m.train.rows;
  const nnz = m.train.indptr[rows];
  const testIndptr = m.test ? m.test.indptr.subarray(0, rows + 1) : new Int32Array(rows + 1);
  const testNnz = testIndptr[rows];
  const testIndices = m.test ? m.test.indices.subarray(0, testNnz) : new Int32Array(0);
  const parts: Array<[string, Uint8Array]> = [
    ['X', asBytes(m.userFactors)],
    ['Y', asBytes(m.itemFactors)],
    ['indptr', asBytes(m.train.indptr.subarray(0, rows + 1))],
    ['indices', asBytes(m.train.indices.subarray(0, nnz))],
    ['conf', asBytes(m.confidence.subarray(0, nnz))],
    ['testIndptr', asBytes(testIndptr)],
    ['testIndices', asBytes(testIndices)],
    ['userIds', enc.encode(JSON.stringify(m.users.ids))],
    ['itemIds', enc.encode(JSON.stringify(m.items.ids))],
  ];
  const header: Header = {
    options: m.options,
    users: rows,
    items: m.train.cols,
    nnz,
    testNnz,
    fitResidual: Number.isFinite(m.fitResidual) ? m.fitResidual : null,
    sections: parts.map(([name, b]) => ({ name, bytes: b.length })),
  };
  const hb = enc.encode(JSON.stringify(header));
  let size = 16 + pad4(hb.length);
  for (const [, b] of parts) size += pad4(b.length);
  size += 4;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(8, FORMAT_VERSION, true);
  dv.setUint32(12, hb.length, true);
  out.set(hb, 16);
  let off = 16 + pad4(hb.length);
  for (const [, b] of parts) {
    out.set(b, off);
    off += pad4(b.length);
  }
  dv.setUint32(off, crc32(out.subarray(0, off)), true);
  return out;
}

export function decodeModel(input: Uint8Array, source = 'model file'): ModelSnapshot {
  // every refusal is one line: `<source>: <what is wrong> (<the bad value / where>; expected <what>)`
  const fail: Fail = (what, where, expected) => {
    throw new ModelFileError(oneLine(`${source}: ${what} (${where}; expected ${expected})`));
  };
  // a plain Uint8Array view: Node's Buffer#slice would share memory instead of copying
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const foreign = 'not an untrain-als model file';
  if (bytes.length < 20) fail(foreign, `only ${bytes.length} bytes`, 'at least 20');
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) fail(foreign, 'wrong magic bytes', 'a file starting with "UALS\\0\\r\\n^Z"');
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== FORMAT_VERSION) {
    fail(`format version ${version} is not supported`, 'bytes 8–11', `version ${FORMAT_VERSION}, the one this build reads`);
  }
  const hlen = dv.getUint32(12, true);
  if (16 + hlen + 4 > bytes.length) fail('truncated', `a ${hlen}-byte header in a ${bytes.length}-byte file`, 'the header and a checksum within the file');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + hlen)));
  } catch {
    fail('corrupt header', `${hlen} bytes that are not UTF-8 JSON`, 'the JSON header of a model file');
  }
  // only the section sizes before the checksum (to find it); their meaning is checked after it
  const sizes = sectionSizes(parsed, bytes.length, fail);
  let expected = 16 + pad4(hlen);
  for (const b of sizes) expected += pad4(b);
  expected += 4;
  if (bytes.length < expected) fail('truncated', `${bytes.length} bytes`, `the ${expected} bytes the header promises`);
  if (bytes.length > expected) {
    fail(`${bytes.length - expected} unexpected bytes after the end of the model`, `${bytes.length} bytes`, `the ${expected} bytes the header promises`);
  }
  const crcAt = expected - 4;
  const crc = crc32(bytes.subarray(0, crcAt));
  const stored = dv.getUint32(crcAt, true);
  if (crc !== stored) fail('checksum mismatch: the file is corrupt', `CRC-32 ${hex(stored)} stored, ${hex(crc)} computed`, 'equal ones');
  // the CRC holds, but a re-sealed edit passes it too: check everything before a model sees it
  const header = checkHeader(parsed as Record<string, unknown>, fail);
  const { users, items, nnz, testNnz, options } = header;
  const k = options.factors;
  const sec = new Map<string, Uint8Array>();
  let off = 16 + pad4(hlen);
  for (const s of header.sections) {
    // copy so every typed array is aligned and owns its memory (sizes are multiples of 4, checked)
    sec.set(s.name, bytes.slice(off, off + s.bytes));
    off += pad4(s.bytes);
  }
  const f32 = (name: string): Float32Array => new Float32Array(sec.get(name)!.buffer);
  const i32 = (name: string): Int32Array => new Int32Array(sec.get(name)!.buffer);
  const userIds = parseIds(sec.get('userIds')!, 'userIds', 'user', users, fail);
  const itemIds = parseIds(sec.get('itemIds')!, 'itemIds', 'item', items, fail);
  const train: Rows = { label: 'training', indptrName: 'indptr', indicesName: 'indices', indptr: i32('indptr'), indices: i32('indices') };
  const test: Rows = {
    label: 'held-out', indptrName: 'testIndptr', indicesName: 'testIndices', indptr: i32('testIndptr'), indices: i32('testIndices'),
  };
  checkIndptr(train, nnz, fail);
  checkIndices(train, items, userIds, fail);
  checkIndptr(test, testNnz, fail);
  checkIndices(test, items, userIds, fail);
  checkDisjoint(train, test, userIds, itemIds, fail);
  const confidence = f32('conf');
  const conf = checkConfidence(confidence, train, userIds, itemIds, fail);
  const userFactors = f32('X');
  const itemFactors = f32('Y');
  const x = checkFactors(userFactors, 'X', 'user', k, userIds, fail);
  const y = checkFactors(itemFactors, 'Y', 'item', k, itemIds, fail);
  checkMagnitudes({ users, items, nnz, k, regularization: options.regularization }, x, y, conf, fail);
  return {
    options,
    users: userIds,
    items: itemIds,
    userFactors,
    itemFactors,
    train: { rows: users, cols: items, indptr: train.indptr, indices: train.indices },
    confidence,
    test: testNnz > 0 ? { rows: users, cols: items, indptr: test.indptr, indices: test.indices } : undefined,
    fitResidual: header.fitResidual ?? NaN,
  };
}

const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');

/** Line breaks in a message (from a quoted value or a parser's text) become spaces: one line. */
function oneLine(message: string): string {
  return message.replace(/\r\n|[\r\n\u2028\u2029]/g, ' ');
}

/** Serialises a fitted model (factors, ids, training and test interactions, options). */
export function modelToBytes(model: ALS): Uint8Array {
  const { threads: _runTime, ...options } = model.options;
  return encodeModel({
    options: options as AlsOptions,
    users: model.userIds,
    items: model.itemIds,
    userFactors: model.userFactors,
    itemFactors: model.itemFactors,
    train: model.trainRows,
    confidence: model.trainConfidence,
    test: model.testRows,
    fitResidual: model.fitResidual,
  });
}

/** Rebuilds a model from `modelToBytes` output; `backend` overrides the saved one. */
export async function modelFromBytes(
  bytes: Uint8Array, opts: { backend?: BackendName; source?: string; threads?: number } = {},
): Promise<ALS> {
  const snap = decodeModel(bytes, opts.source);
  // threads is a run-time setting: the caller's (default: every core), never the file's
  const model = await ALS.create({ ...snap.options, backend: opts.backend ?? snap.options.backend, threads: opts.threads ?? 0 });
  model.setData({ users: snap.users, items: snap.items, train: snap.train, test: snap.test }, snap.confidence);
  model.setFactors(snap.userFactors, snap.itemFactors);
  model.fitResidual = snap.fitResidual;
  return model;
}
