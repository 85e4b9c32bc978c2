// Node-only edge of the data layer: read an interactions file from disk.

import { readFile } from 'node:fs/promises';
import { DataError } from '../data/errors.js';
import { parseInteractionBytes, type Format, type RawInteractions } from '../data/parse.js';

export interface ReadFileOptions {
  /** Default 'auto' (detected from the content). */
  format?: Format;
}

/**
 * Reads `path`, gunzips it when it starts with the gzip magic (whatever its name), decodes it
 * (UTF-8, latin1 fallback) and parses it. The path is the source name in every error message.
 * A missing file, a directory, or an unreadable file gives a DataError naming the path.
 */
export async function readInteractionsFile(path: string, opts: ReadFileOptions = {}): Promise<RawInteractions> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw fileError(path, err);
  }
  return parseInteractionBytes(bytes, { format: opts.format ?? 'auto', source: path });
}

function fileError(path: string, err: unknown): DataError {
  const code = (err as { code?: string } | null)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new DataError('no such file', { file: path, expected: 'an existing interactions file' });
    case 'EISDIR':
      return new DataError('is a directory, not a file', { file: path, expected: 'an interactions file' });
    case 'EACCES':
    case 'EPERM':
      return new DataError('permission denied', { file: path, expected: 'a readable file' });
    default: {
      const why = err instanceof Error ? err.message : String(err);
      return new DataError(`cannot read the file (${why})`, { file: path, expected: 'a readable interactions file' });
    }
  }
}
