// Reading and writing model files at the Node edge. Writes are atomic: the bytes go to a temporary
// file in the same folder, are flushed, and only then renamed over the target, so a failure never
// leaves a half-written model behind.
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ALS } from '../model/als.js';
import { modelFromBytes, modelToBytes, ModelFileError } from '../model/persist.js';
import type { BackendName } from '../kernels/select.js';

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fh;
  try {
    fh = await open(tmp, 'wx');
    await fh.writeFile(bytes);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (err) {
    if (fh) await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

export async function saveModel(model: ALS, path: string): Promise<number> {
  const bytes = modelToBytes(model);
  await writeFileAtomic(path, bytes);
  return bytes.length;
}

export async function loadModel(path: string, opts: { backend?: BackendName; threads?: number } = {}): Promise<ALS> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ModelFileError(`${path}: no such model file`);
    if (code === 'EISDIR') throw new ModelFileError(`${path}: is a directory, not a model file`);
    throw err;
  }
  return modelFromBytes(bytes, { backend: opts.backend, threads: opts.threads, source: path });
}
