// Row-parallel kernel calls over one WebAssembly memory.
//
// A call's rows are cut into a fixed number of blocks balanced by work (stored pairs plus a per-row
// constant), independent of the thread count; each block's sum (loss, residual) is kept apart and
// the blocks are added in order. So a kernel gives the same bits on 1, 2 or N threads: each row's
// solve depends on that row only, and every sum is taken in the same order.
//
// With a pool, threads 1..N−1 are workers that each instantiate the same compiled module over the
// same shared memory and wait on a control block in it (Atomics.wait); the calling thread posts a
// job (operation, arguments, which threads take part), runs blocks itself, and waits until the
// workers are done. Threads claim blocks one at a time from a shared counter, so a thread that is
// slowed (another process on its core, a late wake-up) simply runs fewer blocks; which thread ran
// a block changes nothing in its result. Workers only run kernels on pointers they are given; the
// calling thread allocates everything. Without a pool (private memory, or no thread host) the
// caller runs all the blocks itself.
//
// The platform starts workers through a ThreadHost: Node's is registered by the Node entry points
// (src/node/threads.ts); browsers get one here when the page is cross-origin isolated.

/** Operations a job can run (the numbers runShare dispatches on). */
export const OP_SOLVE = 0;
export const OP_LOSS = 1;
export const OP_RESIDUAL = 2;
export const OP_INVERT = 3;
export const OP_SCORE = 4;

/** Blocks per call: fixed, so that sums never depend on the thread count. */
export const BLOCKS = 64;
/** Threads at most (calling thread included). */
export const MAX_THREADS = 64;

// Control block (int32 slots). The worker's copy of these numbers is in runShare below.
const GEN = 0;
const OP = 2;
const ERROR = 3;
const BOUNDS = 4;
const RESULTS = 5;
const SCRATCH = 6;
const SCRATCH_BYTES = 7;
const READY = 8;
/** The next block to claim (Atomics.add); the job's blocks are [0, the participants' `to`). */
const NEXT = 9;
const ARGS = 16;
const RANGES = 32;
/** Slot RANGES + 2·MAX_THREADS + t: the last job generation worker t finished (see workerMain). */
const DONE = RANGES + 2 * MAX_THREADS;
export const CONTROL_INTS = DONE + MAX_THREADS;
/** How long a job may go without any worker finishing its share before it counts as failed. */
const STALL_MS = 300_000;

/**
 * One thread's share of the current job: it takes part when its range [from, to) is not empty, and
 * then claims blocks below `to` from the shared counter (slot 9) until none is left. Runs on
 * workers (its source is sent to them, so it may use nothing but its parameters and globals) and
 * on the calling thread alike.
 */
export function runShare(exp: any, buffer: ArrayBufferLike, ctl: number, t: number): void {
  const c = new Int32Array(buffer, ctl, 32 + 2 * 64);
  const from = c[32 + 2 * t];
  const to = c[33 + 2 * t];
  if (from >= to) return;
  const op = c[2];
  const bounds = new Int32Array(buffer, c[4], 65);
  const res = new Float64Array(buffer, c[5], 128);
  const scratch = c[6] + t * c[7];
  const a = c.subarray(16, 32);
  for (let b = Atomics.add(c, 9, 1); b < to; b = Atomics.add(c, 9, 1)) {
    const s = bounds[b];
    const e = bounds[b + 1];
    if (op === 0) {
      res[2 * b] = exp.solveRows(a[0], a[1], a[2], a[3], a[4], a[5], a[6], s, e, a[9], a[10], scratch);
    } else if (op === 1) {
      res[2 * b] = exp.lossRows(a[0], a[1], a[2], a[3], a[4], a[5], s, e);
    } else if (op === 2) {
      res[2 * b] = 0;
      res[2 * b + 1] = 0;
      exp.residualRows(a[0], a[1], a[2], a[3], a[4], a[5], a[6], s, e, c[5] + 16 * b, scratch, a[7], a[8]);
    } else if (op === 3) {
      // a[5]: k; a[6]: the call's first row (out block 0); a[7]: out
      res[2 * b] = exp.invertRows(a[0], a[1], a[2], a[3], a[4], a[5], s, e, a[7] + (s - a[6]) * a[5] * a[5] * 4, scratch);
    } else if (op === 4) {
      // rows of the batch [s, e): a[1] row ids, a[4] items per row, a[6] out
      exp.scoreRows(a[0], a[1] + 4 * s, e - s, a[3], a[4], a[5], a[6] + 4 * s * a[4]);
    }
  }
}

/**
 * The worker's program: instantiate, say ready, then run shares until told to stop. Each job has a
 * generation number (slot 0); the worker acknowledges a job by writing its generation into its own
 * done slot (160 + t). Waits are bounded (100 ms) and re-check the slot, so a lost wake-up can only
 * delay a job, never stall it.
 */
function workerMain(init: { module: WebAssembly.Module; memory: WebAssembly.Memory; ctl: number; t: number }): void {
  const { module, memory, ctl, t } = init;
  const exp = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const c = new Int32Array(memory.buffer, ctl, 32 + 3 * 64);
  // jobs posted before this worker was ready are not its own: start from the current generation
  let gen = Atomics.load(c, 0);
  Atomics.add(c, 8, 1);
  Atomics.notify(c, 8);
  for (;;) {
    let g = Atomics.load(c, 0);
    while (g === gen) {
      Atomics.wait(c, 0, gen, 100);
      g = Atomics.load(c, 0);
    }
    gen = g;
    if (Atomics.load(c, 2) < 0) break;
    try {
      runShare(exp, memory.buffer, ctl, t);
    } catch {
      Atomics.store(c, 3, 1);
    }
    Atomics.store(c, 160 + t, gen);
    Atomics.notify(c, 160 + t);
  }
}

/**
 * JavaScript source of the worker: defines `__untrainAlsWorker(init)`; the host adds how init
 * arrives. (Bundlers may rename the two functions; their names are read back here.)
 */
export const WORKER_SOURCE = `${runShare.toString()}\n${workerMain.toString()}\nconst __untrainAlsWorker = ${workerMain.name};\n`;

export interface WorkerLike {
  terminate(): unknown;
  /** Set by the host when the worker failed (e.g. it could not start). */
  readonly error?: unknown;
}

/** How a platform starts workers. */
export interface ThreadHost {
  /** What starts the workers, e.g. 'worker_threads'. */
  readonly name: string;
  /** Logical cores: the default thread count. */
  cores(): number;
  /** Starts a worker that runs WORKER_SOURCE and calls __untrainAlsWorker(init). */
  spawn(source: string, init: unknown): WorkerLike;
  /** True where the calling thread may block in Atomics.wait (not a browser's main thread). */
  readonly canBlock: boolean;
}

const HOST_KEY = Symbol.for('untrain-als.threadHost');

/** Registers the platform's thread host (process-wide, shared by every copy of this module). */
export function setThreadHost(host: ThreadHost | undefined): void {
  (globalThis as Record<symbol, unknown>)[HOST_KEY] = host;
}

/** The registered host, or a browser's Web Workers when the page is cross-origin isolated. */
export function threadHost(): ThreadHost | undefined {
  const h = (globalThis as Record<symbol, unknown>)[HOST_KEY] as ThreadHost | undefined;
  return h ?? browserHost();
}

function browserHost(): ThreadHost | undefined {
  const g = globalThis as any;
  if (typeof g.Worker !== 'function' || typeof g.Blob !== 'function' || g.crossOriginIsolated !== true) return undefined;
  const inWorker = typeof g.WorkerGlobalScope === 'function' && g instanceof g.WorkerGlobalScope;
  return {
    name: 'web workers',
    cores: () => Math.max(1, Number(g.navigator?.hardwareConcurrency) || 1),
    spawn(source, init) {
      // A page's CSP may refuse blob: workers, by a throw here or by an error event later: either
      // becomes `error`, which Dispatcher.grow reports at once instead of waiting out its timeout.
      const handle = { error: undefined as unknown, terminate: (): void => undefined };
      try {
        const url = g.URL.createObjectURL(new g.Blob([`${source}\nself.onmessage = (e) => __untrainAlsWorker(e.data);\n`], { type: 'text/javascript' }));
        const w = new g.Worker(url);
        w.onerror = (e: { message?: string }) => {
          handle.error = new Error(e?.message || 'the browser refused it (a Content-Security-Policy whose worker-src does not allow blob: URLs?)');
        };
        w.postMessage(init);
        handle.terminate = () => w.terminate();
      } catch (e) {
        handle.error = e;
      }
      return handle;
    },
    canBlock: inWorker,
  };
}

/** True when this engine can share a WebAssembly memory between threads. */
export function sharedMemorySupported(): boolean {
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
    return typeof SharedArrayBuffer === 'function' && m.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** Blocks of rows balanced by work: row u weighs (indptr[u+1] − indptr[u]) + perRow. */
export function workBlocks(indptr: Int32Array, start: number, end: number, perRow: number, out: Int32Array): number {
  const rows = end - start;
  const n = Math.max(1, Math.min(BLOCKS, rows));
  const total = indptr[end] - indptr[start] + perRow * rows;
  out[0] = start;
  for (let b = 1; b < n; b++) {
    const target = (total * b) / n;
    // first row boundary whose work before it reaches the target (at least one row per block)
    let lo = out[b - 1] + 1;
    let hi = end - (n - b);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (indptr[mid] - indptr[start] + perRow * (mid - start) < target) lo = mid + 1;
      else hi = mid;
    }
    out[b] = lo;
  }
  out[n] = end;
  return n;
}

/** Even blocks of [start, end). */
export function evenBlocks(start: number, end: number, out: Int32Array): number {
  const rows = end - start;
  const n = Math.max(1, Math.min(BLOCKS, rows));
  for (let b = 0; b <= n; b++) out[b] = start + Math.floor((rows * b) / n);
  return n;
}

/**
 * Runs jobs over one memory: the control block, block bounds and per-block results live in it;
 * `workers` (maybe none) share it.
 */
export class Dispatcher {
  private readonly workers: WorkerLike[] = [];
  private closed = false;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly exp: unknown,
    /** Byte address of CONTROL_INTS int32, then BLOCKS+1 int32 bounds, then 2·BLOCKS float64. */
    readonly ctl: number,
    private readonly host?: ThreadHost,
    private readonly module?: WebAssembly.Module,
  ) {
    const c = this.control();
    c.fill(0);
    c[BOUNDS] = ctl + CONTROL_INTS * 4;
    c[RESULTS] = align8(c[BOUNDS] + (BLOCKS + 1) * 4);
  }

  /** Bytes the control area needs. */
  static bytes(): number {
    return CONTROL_INTS * 4 + (BLOCKS + 1) * 4 + 8 + 2 * BLOCKS * 8;
  }

  /** Threads a job can use: the caller plus the workers. */
  get size(): number {
    return 1 + this.workers.length;
  }

  private control(): Int32Array {
    return new Int32Array(this.memory.buffer, this.ctl, CONTROL_INTS);
  }

  bounds(): Int32Array {
    return new Int32Array(this.memory.buffer, this.control()[BOUNDS], BLOCKS + 1);
  }

  results(): Float64Array {
    return new Float64Array(this.memory.buffer, this.control()[RESULTS], 2 * BLOCKS);
  }

  /** Starts workers until `threads` can run (async: each worker says when it is ready). */
  async grow(threads: number, timeoutMs = 20000): Promise<void> {
    if (!this.host || !this.module || this.closed) return;
    const want = Math.min(MAX_THREADS, threads) - 1;
    const c = this.control();
    const before = Atomics.load(c, READY);
    const start = this.workers.length;
    for (let t = start + 1; t <= want; t++) {
      this.workers.push(this.host.spawn(WORKER_SOURCE, { module: this.module, memory: this.memory, ctl: this.ctl, t }));
    }
    const target = before + (this.workers.length - start);
    const t0 = Date.now();
    while (Atomics.load(c, READY) < target) {
      const failed = this.workers.find((w) => w.error !== undefined);
      if (failed) {
        this.close();
        throw new Error(`a worker thread failed to start: ${String((failed.error as Error)?.message ?? failed.error)}`);
      }
      if (Date.now() - t0 > timeoutMs) {
        this.close();
        throw new Error(`worker threads did not start within ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /**
   * Runs operation `op` with `args` over the `nBlocks` blocks already in bounds() (each about the
   * same work), on `threads` threads (at most size), with `scratchBytes` of scratch per thread from
   * `scratch`. The threads that take part claim blocks from a shared counter.
   */
  run(op: number, args: ArrayLike<number>, nBlocks: number, threads: number, scratch: number, scratchBytes: number): void {
    const c = this.control();
    const T = Math.max(1, Math.min(threads, this.size, nBlocks));
    c[OP] = op;
    c[ERROR] = 0;
    c[SCRATCH] = scratch;
    c[SCRATCH_BYTES] = scratchBytes;
    for (let i = 0; i < 16; i++) c[ARGS + i] = i < args.length ? args[i] : 0;
    for (let t = 0; t < this.size; t++) {
      c[RANGES + 2 * t] = t < T ? 0 : nBlocks;
      c[RANGES + 2 * t + 1] = nBlocks;
    }
    Atomics.store(c, NEXT, 0);
    const workers = this.workers.length;
    const post = T > 1 && workers > 0;
    const gen = post ? Atomics.add(c, GEN, 1) + 1 : 0;
    if (post) Atomics.notify(c, GEN);
    let err: unknown;
    try {
      runShare(this.exp, this.memory.buffer, this.ctl, 0);
    } catch (e) {
      err = e;
    }
    if (post) {
      const canBlock = this.host?.canBlock ?? false;
      // A worker that died cannot say so while this thread blocks (its 'error' event needs the
      // event loop): after STALL_MS without any worker finishing, give up with an error, not a hang.
      let since = Date.now();
      for (let t = 1; t <= workers; t++) {
        for (let d = Atomics.load(c, DONE + t); d !== gen; d = Atomics.load(c, DONE + t)) {
          if (canBlock) Atomics.wait(c, DONE + t, d, 100);
          if (Date.now() - since > STALL_MS) {
            this.close();
            throw new Error(`worker thread ${t} stopped responding (job ${gen}, its last ${d}; ${STALL_MS / 1000} s)`);
          }
        }
        since = Date.now();
      }
    }
    if (err) throw err;
    if (c[ERROR]) throw new Error('a worker thread failed while running a kernel');
  }

  /** Stops the workers (they leave their wait loop) and lets them go. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.workers.length === 0) return;
    const c = this.control();
    Atomics.store(c, OP, -1);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    for (const w of this.workers.splice(0)) void w.terminate();
  }
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
