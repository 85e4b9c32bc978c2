// NumPy's .npy arrays and .npz archives (a zip of .npy files), as far as model files need them:
// little-endian float32/float64/int32/int64/bool arrays and 0-d scalars, unicode strings. Zip
// entries stored or deflated (np.savez / np.savez_compressed) are read; entries are written stored.
// Platform-neutral: no Node imports (deflate through the platform's DecompressionStream).
import { crc32 } from './crc32.js';
import { DataError } from './errors.js';

export type NpyData = Float32Array | Float64Array | Int32Array | Uint8Array | number[] | string;

export interface NpyArray {
  /** NumPy's dtype string, e.g. '<f4', '<i8', '|b1', '<U7'. */
  descr: string;
  shape: number[];
  /** The elements in C order: typed arrays for f4/f8/i4/b1, numbers for i8, a string for U. */
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function readNpy(input: Uint8Array, name = 'array'): NpyArray {
  // a plain Uint8Array view: Node's Buffer#slice would share memory instead of copying
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const bad = (what: string): never => {
    throw new DataError(`${name}: ${what}`, { expected: 'a NumPy .npy array (little-endian, C order)' });
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) bad('not a .npy array (wrong magic bytes)');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = (major === 1 ? 10 : 12) + hlen;
  if (start > bytes.length) bad('truncated header');
  const header = new TextDecoder().decode(bytes.subarray(major === 1 ? 10 : 12, start));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) bad(`unreadable header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') bad('Fortran order is not supported');
  const shape = shapeText!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) bad(`bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const body = bytes.slice(start); // a copy: aligned, owned
  const need = (size: number): void => {
    if (body.length < count * size) bad(`${body.length} data bytes for ${count} elements of ${descr}`);
  };
  let data: NpyData;
  switch (descr) {
    case '<f4': need(4); data = new Float32Array(body.buffer, 0, count); break;
    case '<f8': need(8); data = new Float64Array(body.buffer, 0, count); break;
    case '<i4': need(4); data = new Int32Array(body.buffer, 0, count); break;
    case '<i8': {
      need(8);
      const v = new DataView(body.buffer);
      data = Array.from({ length: count }, (_, i) => Number(v.getBigInt64(8 * i, true)));
      break;
    }
    case '|b1': need(1); data = body.subarray(0, count); break;
    default: {
      const u = /^<U(\d+)$/.exec(descr!);
      if (!u) bad(`dtype ${descr} is not supported`);
      const chars = Number(u![1]);
      need(4 * chars);
      const v = new DataView(body.buffer);
      let s = '';
      for (let i = 0; i < chars * count; i++) {
        const c = v.getUint32(4 * i, true);
        if (c === 0) break;
        s += String.fromCodePoint(c);
      }
      data = s;
    }
  }
  return { descr: descr!, shape, data };
}

/** A .npy (version 1.0) of `data` with the given dtype and shape. */
export function writeNpy(a: NpyArray): Uint8Array {
  const count = a.shape.reduce((x, y) => x * y, 1);
  let body: Uint8Array;
  const d = a.data;
  switch (a.descr) {
    case '<f4': body = new Uint8Array(Float32Array.from(d as ArrayLike<number>).buffer); break;
    case '<f8': body = new Uint8Array(Float64Array.from(d as ArrayLike<number>).buffer); break;
    case '<i4': body = new Uint8Array(Int32Array.from(d as ArrayLike<number>).buffer); break;
    case '<i8': {
      body = new Uint8Array(8 * count);
      const v = new DataView(body.buffer);
      Array.from(d as ArrayLike<number>).forEach((x, i) => v.setBigInt64(8 * i, BigInt(x), true));
      break;
    }
    case '|b1': body = Uint8Array.from(d as ArrayLike<number>, (x) => (x ? 1 : 0)); break;
    default: {
      const u = /^<U(\d+)$/.exec(a.descr);
      if (!u || typeof d !== 'string') throw new Error(`writeNpy: dtype ${a.descr} is not supported`);
      const cps = Array.from(d, (c) => c.codePointAt(0)!);
      body = new Uint8Array(4 * Number(u[1]));
      const v = new DataView(body.buffer);
      cps.forEach((c, i) => v.setUint32(4 * i, c, true));
    }
  }
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${a.descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // magic + version + length + header + '\n', padded with spaces to a multiple of 64
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + body.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, total);
  return out;
}

/** The entries of a zip archive (stored or deflated), by name. */
export async function readZip(input: Uint8Array, source = 'archive'): Promise<Map<string, Uint8Array>> {
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength); // (see readNpy)
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (what: string): never => {
    throw new DataError(`${source}: ${what}`, { expected: 'a zip archive (.npz)' });
  };
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 65535); p--) {
    if (dv.getUint32(p, true) === 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) bad('not a zip archive (no end-of-directory record)');
  const entries = dv.getUint16(eocd + 10, true);
  let p = dv.getUint32(eocd + 16, true);
  const out = new Map<string, Uint8Array>();
  const dec = new TextDecoder();
  for (let e = 0; e < entries; e++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== 0x02014b50) bad('corrupt central directory');
    const method = dv.getUint16(p + 10, true);
    const csize = dv.getUint32(p + 20, true);
    const nlen = dv.getUint16(p + 28, true);
    const xlen = dv.getUint16(p + 30, true);
    const clen = dv.getUint16(p + 32, true);
    const local = dv.getUint32(p + 42, true);
    const name = dec.decode(bytes.subarray(p + 46, p + 46 + nlen));
    p += 46 + nlen + xlen + clen;
    if (local + 30 > bytes.length || dv.getUint32(local, true) !== 0x04034b50) bad(`corrupt entry ${name}`);
    const start = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    const raw = bytes.subarray(start, start + csize);
    if (raw.length !== csize) bad(`entry ${name} is truncated`);
    if (method === 0) out.set(name, raw.slice());
    else if (method === 8) out.set(name, await inflateRaw(raw));
    else bad(`entry ${name} uses compression method ${method}`);
  }
  return out;
}

async function inflateRaw(raw: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(raw)]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A zip archive of the entries, stored (no compression), as np.savez writes it. */
export function writeZip(entries: ReadonlyArray<readonly [string, Uint8Array]>): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nb = enc.encode(name);
    const crc = crc32(data);
    const local = new Uint8Array(30 + nb.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nb.length, true);
    local.set(nb, 30);
    const c = new Uint8Array(46 + nb.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, nb.length, true);
    cv.setUint32(42, offset, true);
    c.set(nb, 46);
    parts.push(local, data);
    central.push(c);
    offset += local.length + data.length;
  }
  const cdSize = central.reduce((a, b) => a + b.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((a, b) => a + b.length, 0));
  let w = 0;
  for (const b of all) {
    out.set(b, w);
    w += b.length;
  }
  return out;
}
