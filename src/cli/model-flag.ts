// The flags every command on a saved model shares (--model, --backend, --threads, --json, --help) and opening it.
import { BACKENDS } from '../kernels/select.js';
import type { ALS } from '../model/als.js';
import { loadModel, saveModel, withFileLock } from '../node/model-file.js';
import type { Io } from './io.js';
import { oneOf, str, threadsFlag, UsageError } from './args.js';

export const MODEL_FLAGS = {
  model: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
} as const;

/** The --model path, checked to be given. */
export function modelPath(v: Record<string, unknown>): string {
  const path = str(v, 'model');
  if (!path) throw new UsageError('--model <file> is required');
  return path;
}

/** Loads the --model file with the --backend override (default: the backend saved with it) and --threads. */
export function openModel(v: Record<string, unknown>): Promise<ALS> {
  return loadModel(modelPath(v), { backend: oneOf(v, 'backend', BACKENDS), threads: threadsFlag(v) });
}

/**
 * Runs `fn` holding the lock of model file `path` (re-entrant). No signal handler over it: a
 * synchronous computation inside would delay Ctrl-C; a killed holder's lock is taken over by the
 * next taker. Says on stderr when it waits for another process.
 */
export function withModelLock<T>(path: string, io: Io, fn: () => Promise<T>): Promise<T> {
  return withFileLock(path, fn, { releaseOnSignal: false, onWait: (pid) => io.err(`waiting for ${path}.lock (held by process ${pid})\n`) });
}

/** Saves a model under its file's lock, so that it never lands in the middle of an in-place forget. */
export function saveModelLocked(model: ALS, path: string, io: Io): Promise<number> {
  return withModelLock(path, io, () => saveModel(model, path));
}
