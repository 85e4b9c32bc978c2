// Hyper-parameters of the ALS model, their defaults and their validation.
import { BACKENDS, type BackendName } from '../kernels/select.js';

export type SolverName = 'cg' | 'cholesky';
/** How a stored pair's value becomes its confidence (Hu, Koren & Volinsky 2008, section 4). */
export type ConfidenceName = 'binary' | 'linear' | 'log';
export const CONFIDENCES: readonly ConfidenceName[] = ['binary', 'linear', 'log'];
export const SOLVERS: readonly SolverName[] = ['cg', 'cholesky'];

export interface AlsOptions {
  /** Latent factors per user and item (k). */
  factors: number;
  /** λ, weight of ‖X‖² + ‖Y‖² in the loss. 50 suits MovieLens-sized data with α = 40. */
  regularization: number;
  /** α in the confidence c = 1 + α·p of an observed pair (Hu, Koren, Volinsky 2008). */
  alpha: number;
  /** ALS passes (users then items) in `fit` at most; with `tol` 0, exactly this many. */
  iterations: number;
  /**
   * `fit` stops at the first pass whose certificate (relative residual of all normal equations) is
   * ≤ tol; 0 = no stop rule. The default (DEFAULT_TOL, 5e-5) makes a fitted model stationary enough
   * that exact forgetting is defined at it (see the README's "Forgetting" section).
   */
  tol: number;
  /** 'cg': `cgSteps` conjugate-gradient steps per row, warm-started; 'cholesky': exact solve per row. */
  solver: SolverName;
  /**
   * c of a stored pair with value v: 'binary' 1 + α (whatever v), 'linear' 1 + α·v, 'log'
   * 1 + α·log(1 + v/ε). Applied by `fit` to the values of the training pairs.
   */
  confidence: ConfidenceName;
  /** ε of the 'log' confidence (> 0). */
  epsilon: number;
  cgSteps: number;
  /** Seeds the factor initialisation. */
  seed: number;
  backend: BackendName;
  /**
   * Threads for the row loops (WASM backend; 0 = every core). A run-time setting: results are the
   * same bits on any number of threads, and it is not saved with the model.
   */
  threads: number;
}

/**
 * The certificate `fit` runs to by default, and so (through `defaultTolerance` in forget.ts) the
 * certificate `forget` runs to on a model trained with the defaults. Tighter than the 1e-4 ceiling
 * (FORGET_TOL_CEILING) on purpose: at equal certificates the untrained model's error leans toward
 * the old model (memory) while a retrained one's does not, and at 1e-4 that lean was measured at
 * +0.016 (single pairs) to +0.022 (0.1% removed) in the forgotten pairs' mean score on ML-100K,
 * against +0.007 at 5e-5.
 */
export const DEFAULT_TOL = 5e-5;

/** `forget`'s default tolerance is never looser than this. */
export const FORGET_TOL_CEILING = 1e-4;

export const DEFAULT_OPTIONS: Readonly<AlsOptions> = Object.freeze({
  factors: 64,
  regularization: 50,
  alpha: 40,
  iterations: 1000,
  tol: DEFAULT_TOL,
  solver: 'cg',
  confidence: 'binary',
  epsilon: 1,
  cgSteps: 3,
  seed: 0,
  backend: 'auto',
  threads: 0,
});

/** A value for a message: NaN and ±Infinity as themselves (JSON would say null). */
function show(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return JSON.stringify(v) ?? String(v);
}

/** The closest of `names` to `name` by edit distance (a typo's likely meaning). */
function closest(name: string, names: readonly string[]): string {
  const d = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const t = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
        prev = t;
      }
    }
    return row[b.length];
  };
  return names.reduce((best, n) => (d(name, n) < d(name, best) ? n : best), names[0]);
}

/** A bad option value: names the option, the value and what was expected. */
export class OptionError extends Error {
  /** Stable code for programs: a bad option value. */
  readonly code = 'ERR_UNTRAIN_OPTION';

  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`invalid ${option}: ${show(value)}; expected ${expected}`);
    this.name = 'OptionError';
  }
}

function int(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new OptionError(name, v, `an integer ≥ ${min}`);
  }
  return v;
}

function real(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new OptionError(name, v, `a finite number ≥ ${min}`);
  }
  return v;
}

/** Fills defaults and checks every value; throws OptionError on the first bad one. */
export function resolveOptions(partial: Partial<AlsOptions> = {}): AlsOptions {
  const known = Object.keys(DEFAULT_OPTIONS);
  for (const key of Object.keys(partial)) {
    if (!known.includes(key)) throw new OptionError(key, (partial as Record<string, unknown>)[key], `a known option: not "${key}" but perhaps "${closest(key, known)}"`);
  }
  const o = { ...DEFAULT_OPTIONS, ...stripUndefined(partial) };
  int('factors', o.factors, 1);
  real('regularization', o.regularization, 0);
  real('alpha', o.alpha, 0);
  int('iterations', o.iterations, 0);
  real('tol', o.tol, 0);
  int('cgSteps', o.cgSteps, 1);
  int('seed', o.seed, 0);
  int('threads', o.threads, 0);
  if (!SOLVERS.includes(o.solver)) throw new OptionError('solver', o.solver, SOLVERS.join(' or '));
  if (!CONFIDENCES.includes(o.confidence)) throw new OptionError('confidence', o.confidence, CONFIDENCES.join(', '));
  if (typeof o.epsilon !== 'number' || !(o.epsilon > 0) || !Number.isFinite(o.epsilon)) throw new OptionError('epsilon', o.epsilon, 'a finite number > 0');
  if (!BACKENDS.includes(o.backend)) throw new OptionError('backend', o.backend, BACKENDS.join(', '));
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
