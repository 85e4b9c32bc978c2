// The flags every command on a saved model shares (--model, --backend, --threads, --json, --help) and opening it.
import { BACKENDS } from '../kernels/select.js';
import type { ALS } from '../model/als.js';
import { loadModel } from '../node/model-file.js';
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
