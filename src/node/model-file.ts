// Reading and writing model files at the Node edge. Writes are atomic: the bytes go to a temporary
// file in the same folder, are flushed, and only then renamed over the target (and the folder is
// flushed), so the target is always the old or the new model, never half-written.
//
// The temp file is `.NAME.PID.TS.tmp`: exclusive, in the target's folder, removed on any error and
// on SIGINT/SIGTERM. A SIGKILL or a power loss can still leave one (it may hold data a later
// `forget` removed), so every save first removes the temp files of its target whose writer (the
// PID in the name) is no longer alive on this host. A live writer's temp file is never touched.
//
// Read-modify-write (load → change → save the same file) needs the file lock too: see
// withFileLock (file-lock.ts), which `forget` in place uses.
import { readdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { userPathError } from './path-errors.js';
import { unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ALS } from '../model/als.js';
import { modelFromBytes, modelToBytes, ModelFileError } from '../model/persist.js';
import type { BackendName } from '../kernels/select.js';
import { cleanupOnSignal, pidAlive } from './exit-cleanup.js';

export { withFileLock, fileLockHeld, lockFileOf, FileLockTimeoutError, type FileLockOptions } from './file-lock.js';

/** The temp file name of a save of `target` by process `pid` at time `ts` (ms). */
export function tempFileName(target: string, pid: number, ts: number): string {
  return `.${basename(target)}.${pid}.${ts}.tmp`;
}

/**
 * The writer pid and time of a temp file of `target` (by its name), or undefined if `name` is not one.
 * The tail after `.NAME.` must be exactly `PID.TS.tmp`, so the temps of `m.uals.5` are never read as
 * the temps of `m.uals`.
 */
export function parseTempFileName(target: string, name: string): { pid: number; ts: number } | undefined {
  const prefix = `.${basename(target)}.`;
  if (!name.startsWith(prefix)) return undefined;
  const m = /^(\d+)\.(\d+)\.tmp$/.exec(name.slice(prefix.length));
  return m ? { pid: Number(m[1]), ts: Number(m[2]) } : undefined;
}

/** Temp files this process is writing now (full paths). */
const writing = new Set<string>();
/** When this process started (ms): a temp file with our pid but older comes from an earlier process. */
const processStart = performance.timeOrigin;

/**
 * Removes the temp files left for `target` by writers that are dead: another pid that no longer
 * exists on this host, or our own pid from before this process started (a reused pid). Returns the
 * removed paths. Liveness is judged on this host only; a folder shared by several hosts is not
 * supported (a live writer on another host with a pid that is free here would lose its temp file,
 * and its save would fail — never corrupt the target).
 */
export async function removeStaleTemps(target: string): Promise<string[]> {
  const dir = dirname(target);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return []; // no folder (the save reports that) or not listable: nothing we can clean
  }
  const removed: string[] = [];
  for (const name of names) {
    const t = parseTempFileName(target, name);
    if (!t) continue;
    const file = join(dir, name);
    const dead = t.pid === process.pid ? !writing.has(file) && t.ts < processStart : !pidAlive(t.pid);
    if (!dead) continue;
    try {
      await unlink(file);
      removed.push(file);
    } catch {
      // removed by another save meanwhile, or not ours to remove
    }
  }
  return removed;
}

/**
 * TEST-ONLY delay hook. `UNTRAIN_ALS_TEST_SAVE_DELAY` = comma-separated `phase=ms`, phases:
 *   open    after the temp file is created, before any byte is written
 *   write   in the middle of writing (the bytes are written in two halves, the delay between them)
 *   sync    before the temp file's fsync
 *   rename  after the fsync, before the rename over the target
 *   dirsync after the rename, before the folder's fsync
 * When set, each phase also writes `untrain-als test: save phase <name>` to stderr as it starts its
 * delay, so that a test can kill the process at a known point. Unset (always, outside the tests),
 * it costs one environment lookup per save.
 */
const TEST_DELAY_ENV = 'UNTRAIN_ALS_TEST_SAVE_DELAY';
const PHASES = ['open', 'write', 'sync', 'rename', 'dirsync'] as const;
type Phase = (typeof PHASES)[number];

function testDelays(): Partial<Record<Phase, number>> | undefined {
  const spec = process.env[TEST_DELAY_ENV];
  if (!spec) return undefined;
  const out: Partial<Record<Phase, number>> = {};
  for (const part of spec.split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    const ms = Number(v);
    if (!(PHASES as readonly string[]).includes(k) || !(ms >= 0)) {
      throw new Error(`${TEST_DELAY_ENV}: "${part}": expected phase=ms with phase one of ${PHASES.join(', ')}`);
    }
    out[k as Phase] = ms;
  }
  return out;
}

async function pause(delays: Partial<Record<Phase, number>> | undefined, phase: Phase): Promise<void> {
  if (!delays) return;
  process.stderr.write(`untrain-als test: save phase ${phase}\n`);
  const ms = delays[phase];
  if (ms) await new Promise((r) => setTimeout(r, ms));
}

/**
 * Writes `bytes` to `path` atomically (see the top of this file). Before writing, removes the
 * stale temp files of `path` left by dead writers (removeStaleTemps).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const delays = testDelays();
  await removeStaleTemps(path);
  const dir = dirname(path);
  let tmp = '';
  // registered before the temp file exists: a signal at any point below removes it (sync, since
  // the process is about to die); after the rename the name no longer exists and unlink is a no-op
  const unregister = cleanupOnSignal(() => {
    try {
      if (tmp) unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
  });
  let fh;
  try {
    for (let ts = Date.now(); ; ts++) {
      tmp = join(dir, tempFileName(path, process.pid, ts));
      writing.add(tmp);
      try {
        fh = await open(tmp, 'wx');
        break;
      } catch (err) {
        writing.delete(tmp);
        const e = err as NodeJS.ErrnoException;
        // EEXIST: another save of this process in the same millisecond; take the next name
        if (e.code !== 'EEXIST') {
          tmp = '';
          throw err;
        }
      }
    }
    await pause(delays, 'open');
    if (delays) {
      const half = bytes.length >> 1;
      await writeAll(fh, bytes.subarray(0, half), 0);
      await pause(delays, 'write');
      await writeAll(fh, bytes.subarray(half), half);
    } else {
      await writeAll(fh, bytes, 0);
    }
    await pause(delays, 'sync');
    await fh.sync();
    await fh.close();
    fh = undefined;
    await pause(delays, 'rename');
    await rename(tmp, path);
    writing.delete(tmp);
    tmp = '';
    await pause(delays, 'dirsync');
    await syncDir(dir);
  } catch (err) {
    if (fh) await fh.close().catch(() => {});
    if (tmp) {
      await unlink(tmp).catch(() => {});
      writing.delete(tmp);
    }
    throw userPathError(err, path);
  } finally {
    unregister();
  }
}

/** Writes all of `bytes` at `position` (FileHandle.write may write less than asked). */
async function writeAll(fh: import('node:fs/promises').FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, off, bytes.length - off, position + off);
    off += bytesWritten;
  }
}

/**
 * Flushes the folder's entry for the renamed file, so that the rename itself survives a power loss.
 * Some platforms cannot open or fsync a folder (Windows: EISDIR/EPERM; some others EINVAL/ENOTSUP):
 * there it is skipped. On Linux every error is real and reported.
 */
async function syncDir(dir: string): Promise<void> {
  let dh;
  try {
    dh = await open(dir, 'r');
    await dh.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (process.platform === 'linux' || !['EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'ENOTSUP', 'EBADF'].includes(code)) throw err;
  } finally {
    await dh?.close().catch(() => {});
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
