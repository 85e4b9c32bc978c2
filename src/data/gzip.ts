// Bytes → text, platform-neutral: gzip through the standard DecompressionStream (a global in
// Node ≥ 18, browsers and Cloudflare Workers), UTF-8 with a latin1 fallback through TextDecoder
// and String.fromCharCode. No Node imports here.

import { DataError } from './errors.js';

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses `bytes` when they start with the gzip magic (1f 8b); otherwise returns them
 * unchanged (the same object). Concatenated gzip members are decompressed as far as the platform's
 * DecompressionStream does (Node: all members). Corrupt or truncated gzip data throws a DataError
 * naming `source`.
 */
export async function maybeGunzip(bytes: Uint8Array, source?: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  if (typeof DecompressionStream !== 'function') {
    throw new DataError('gzip data, but this platform has no DecompressionStream', {
      file: source, expected: 'an uncompressed file or a platform with DecompressionStream("gzip")',
    });
  }
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  // Errors surface through the reader below; keep these promises from being unhandled.
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new DataError(`corrupt or truncated gzip data (${why})`, {
      file: source, expected: 'a complete gzip stream',
    });
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/**
 * Decodes bytes as UTF-8 (a leading byte-order mark is dropped). Bytes that are not valid UTF-8
 * are decoded as ISO-8859-1 (latin1: byte b → U+00b) instead, so old MovieLens files load.
 */
export function decodeText(bytes: Uint8Array): string {
  try {
    // ignoreBOM: false means the decoder strips a leading BOM.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return decodeLatin1(bytes);
  }
}

/** ISO-8859-1 decoding without relying on TextDecoder's label support (Workers know only UTF-8). */
export function decodeLatin1(bytes: Uint8Array): string {
  const CHUNK = 8192;
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) {
    parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]));
  }
  return parts.join('');
}
