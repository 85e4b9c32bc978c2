// Loads the AssemblyScript SIMD kernels and wraps them in the `Kernels` interface. Buffers live in
// the module's linear memory; their typed-array views are zero-copy and are re-created whenever the
// memory grows (growth detaches the old ArrayBuffer).
import { residualScratchBytes, solveScratchFloats, type CsrBufs, type F32Buf, type I32Buf, type InvertArgs, type Kernels, type SolveArgs } from './kernels.js';
import { Heap } from './heap.js';
import {
  Dispatcher, evenBlocks, OP_INVERT, OP_LOSS, OP_RESIDUAL, OP_SCORE, OP_SOLVE, sharedMemorySupported, threadHost,
  workBlocks, type ThreadHost,
} from './threads.js';
import { WASM_BASE64, WASM_SHARED_BASE64 } from './wasm-bytes.generated.js';

interface WasmExports {
  heapBase(): number;
  gram(a: number, rows: number, k: number, reg: number, out: number): void;
  solveRows(
    indptr: number, indices: number, conf: number, x: number, y: number, gram: number,
    k: number, start: number, end: number, solver: number, cgSteps: number, scratch: number,
  ): number;
  lossRows(indptr: number, indices: number, conf: number, x: number, y: number, k: number, start: number, end: number): number;
  residualRows(
    indptr: number, indices: number, conf: number, x: number, y: number, gram: number,
    k: number, start: number, end: number, out: number, scratch: number, saveR: number, saveB: number,
  ): void;
  scoreRows(q: number, rows: number, count: number, y: number, n: number, k: number, out: number): void;
  countBelow(s: number, n: number, v: number): number;
  invertRows(
    indptr: number, indices: number, conf: number, y: number, gram: number,
    k: number, start: number, end: number, out: number, scratch: number,
  ): number;
  /** a, v, scratch: byte addresses; returns 1 (done) or 0 (refused). */
  shermanMorrison(a: number, k: number, v: number, w: number, scratch: number): number;
  symv(a: number, k: number, b: number, out: number): void;
}

let bytesCache: Uint8Array | undefined;
let sharedBytesCache: Uint8Array | undefined;

function base64Bytes(b64: string): Uint8Array {
  if (!b64) throw new Error('this bundle (the workerd entry) carries no inlined kernels: it imports them as a .wasm file');
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The SIMD kernel module's bytes (inlined at build time so the core needs no file access). */
export function wasmBytes(): Uint8Array {
  bytesCache ??= base64Bytes(WASM_BASE64);
  return bytesCache;
}

/** The same kernels built for threads over a shared memory. */
function sharedWasmBytes(): Uint8Array {
  sharedBytesCache ??= base64Bytes(WASM_SHARED_BASE64);
  return sharedBytesCache;
}

/** True when this engine validates the SIMD module (or the platform compiled it: useCompiledModule). */
export function wasmSimdSupported(): boolean {
  if (compiledModuleGiven) return true;
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(wasmBytes() as BufferSource);
  } catch {
    return false;
  }
}

abstract class WasmBuf<T extends Float32Array | Int32Array> {
  private cache: T | undefined;
  constructor(
    protected readonly memory: WebAssembly.Memory,
    readonly ptr: number,
    readonly length: number,
  ) {}
  protected abstract make(buffer: ArrayBuffer): T;
  get view(): T {
    const buf = this.memory.buffer;
    if (!this.cache || this.cache.buffer !== buf) this.cache = this.make(buf);
    return this.cache;
  }
}

class WasmF32 extends WasmBuf<Float32Array> implements F32Buf {
  protected make(buffer: ArrayBuffer): Float32Array {
    return new Float32Array(buffer, this.ptr, this.length);
  }
}

class WasmI32 extends WasmBuf<Int32Array> implements I32Buf {
  protected make(buffer: ArrayBuffer): Int32Array {
    return new Int32Array(buffer, this.ptr, this.length);
  }
}

/** Where a kernels object's buffers live, and who runs its jobs. */
interface Arena {
  memory: WebAssembly.Memory;
  heap: Heap;
  exp: WasmExports;
  dispatcher: Dispatcher;
}

let sharedArena: Promise<Arena> | undefined;
let sharedModule: WebAssembly.Module | undefined;
/** The private-memory module, compiled once for every single-threaded kernels object. */
let privateModule: Promise<WebAssembly.Module> | undefined;
let compiledModuleGiven = false;

/**
 * Hands the kernels the SIMD module (private memory) compiled by the platform. For Cloudflare
 * workerd, which refuses to compile WebAssembly from bytes at run time but compiles a `.wasm` file
 * the worker imports; the worker entry point (src/index.worker.ts) calls this.
 */
export function useCompiledModule(module: WebAssembly.Module): void {
  privateModule = Promise.resolve(module);
  compiledModuleGiven = true;
}

/** The process-wide shared memory that every multi-threaded kernels object allocates in. */
function theSharedArena(): Promise<Arena> {
  sharedArena ??= (async () => {
    sharedModule ??= await WebAssembly.compile(sharedWasmBytes() as BufferSource);
    const memory = new WebAssembly.Memory({ initial: 16, maximum: SHARED_MAX_PAGES, shared: true } as WebAssembly.MemoryDescriptor);
    return arenaOver(memory, await WebAssembly.instantiate(sharedModule, { env: { memory } }), sharedModule, threadHost());
  })();
  return sharedArena;
}

/** Pages (64 KiB) the shared memory may grow to: the module's maximum (4 GiB). */
const SHARED_MAX_PAGES = 65536;

function arenaOver(memory: WebAssembly.Memory, instance: WebAssembly.Instance, module?: WebAssembly.Module, host?: ThreadHost): Arena {
  const exp = instance.exports as unknown as WasmExports;
  const heap = new Heap(memory, exp.heapBase());
  const dispatcher = new Dispatcher(memory, exp, heap.alloc(Dispatcher.bytes()), host, module);
  return { memory, heap, exp, dispatcher };
}

/**
 * Stops the worker threads of the shared memory (they also never keep a process alive). Kernels
 * created afterwards start new ones.
 */
export function shutdownThreads(): void {
  const a = sharedArena;
  sharedArena = undefined;
  if (a) void a.then((arena) => arena.dispatcher.close(), () => undefined);
}

export interface WasmKernelOptions {
  /** Threads (calling thread included); more than 1 needs shared memory and a thread host. */
  threads?: number;
}

let sharedModuleValid: boolean | undefined;
/**
 * Why worker threads failed to start here, once they have (e.g. a page whose CSP blocks blob:
 * workers): later models run on one thread at once instead of trying again.
 */
let workersRefused = '';

/** Why `threads` > 1 cannot run here, or '' when it can. */
export function threadsUnavailable(): string {
  if (workersRefused) return workersRefused;
  if (!WASM_SHARED_BASE64) return 'this bundle (the workerd entry) has no thread-enabled kernels';
  if (!sharedMemorySupported()) return 'this engine cannot share WebAssembly memory between threads (no SharedArrayBuffer; a browser page needs cross-origin isolation)';
  if (!threadHost()) return 'no way to start worker threads here (Node: import untrain-als in Node or untrain-als/node; browsers: Web Workers on a cross-origin-isolated page)';
  sharedModuleValid ??= WebAssembly.validate(sharedWasmBytes() as BufferSource);
  if (!sharedModuleValid) return 'this engine does not support WebAssembly threads';
  return '';
}

/**
 * The WASM kernels. With `threads` > 1 (and threads available) their buffers live in the one shared
 * memory and row loops run on that many threads; otherwise in a private memory on this thread.
 */
export async function createWasmKernels(opts: WasmKernelOptions = {}): Promise<Kernels> {
  const asked = Math.max(1, Math.floor(opts.threads ?? 1));
  let note = '';
  let arena: Arena;
  if (asked > 1 && !(note = threadsUnavailable())) {
    arena = await theSharedArena();
    try {
      await arena.dispatcher.grow(asked);
    } catch (e) {
      // workers refused or broken: run on this thread (a private memory), and say why
      note = workersRefused = (e as Error).message;
      shutdownThreads();
      arena = await privateArena();
    }
  } else {
    arena = await privateArena();
  }
  const threads = Math.min(asked, arena.dispatcher.size);
  return wasmKernels(arena, threads, asked > threads ? `${threads} thread${threads > 1 ? 's' : ''} instead of ${asked}: ${note || 'fewer workers started'}` : '');
}

/** A private (unshared) memory with its own instance, for one thread. */
async function privateArena(): Promise<Arena> {
  privateModule ??= WebAssembly.compile(wasmBytes() as BufferSource);
  const mod = await privateModule;
  const memory = new WebAssembly.Memory({ initial: 16 });
  return arenaOver(memory, await WebAssembly.instantiate(mod, { env: { memory } }));
}

/** Below this much work (stored pairs + rows·k) a call runs on the calling thread alone. */
const PARALLEL_MIN_WORK = 20000;

function wasmKernels(arena: Arena, threads: number, threadNote: string): Kernels {
  const { memory, heap, exp: w, dispatcher } = arena;
  const owned = new Set<number>();
  const alloc = (bytes: number): number => {
    const p = heap.alloc(bytes);
    owned.add(p);
    return p;
  };
  const f32 = (n: number): F32Buf => new WasmF32(memory, alloc(n * 4), n);
  const i32 = (n: number): I32Buf => new WasmI32(memory, alloc(n * 4), n);
  let scratchPtr = 0;
  let scratchBytes = 0;
  /** Per-thread scratch of at least `bytes` each (16-byte aligned slices). */
  const scratchFor = (bytes: number): number => {
    const each = Math.ceil(bytes / 16) * 16;
    if (each > scratchBytes) {
      if (scratchPtr) {
        owned.delete(scratchPtr);
        heap.free(scratchPtr);
      }
      scratchPtr = alloc(each * threads);
      scratchBytes = each;
    }
    return scratchBytes;
  };
  const perThread = (k: number): number => scratchFor(solveScratchFloats(k) * 4);
  /** Threads for a call of this much work. */
  const use = (work: number): number => (work < PARALLEL_MIN_WORK ? 1 : threads);
  const rowWork = (c: CsrBufs, start: number, end: number, k: number): number =>
    c.indptr.view[end] - c.indptr.view[start] + (end - start) * k;
  /** Blocks of rows balanced by work, into the dispatcher's bounds; returns how many. */
  const blocksOf = (c: CsrBufs, start: number, end: number, perRow: number): number =>
    workBlocks(c.indptr.view, start, end, perRow, dispatcher.bounds());
  const sumResults = (n: number, lane: number): number => {
    const r = dispatcher.results();
    let s = 0;
    for (let b = 0; b < n; b++) s += r[2 * b + lane];
    return s;
  };

  return {
    name: 'wasm',
    threads,
    threadNote,
    f32,
    i32,
    free: (buf) => {
      owned.delete(buf.ptr);
      heap.free(buf.ptr);
    },
    close: () => {
      for (const p of owned) heap.free(p);
      owned.clear();
      scratchPtr = 0;
      scratchBytes = 0;
    },
    gram: (A, rows, k, reg, out) => w.gram(A.ptr, rows, k, reg, out.ptr),
    solveRows: (a: SolveArgs) => {
      if (a.end <= a.start) return 0;
      const each = perThread(a.k);
      const n = blocksOf(a.csr, a.start, a.end, a.k >> 1);
      dispatcher.run(
        OP_SOLVE,
        [a.csr.indptr.ptr, a.csr.indices.ptr, a.csr.conf.ptr, a.X.ptr, a.Y.ptr, a.gram.ptr, a.k, 0, 0, a.solver, a.cgSteps],
        n, use(rowWork(a.csr, a.start, a.end, a.k)), scratchPtr, each,
      );
      return sumResults(n, 0);
    },
    lossRows: (c: CsrBufs, X, Y, k, start, end) => {
      if (end <= start) return 0;
      const n = blocksOf(c, start, end, 1);
      dispatcher.run(OP_LOSS, [c.indptr.ptr, c.indices.ptr, c.conf.ptr, X.ptr, Y.ptr, k], n, use(rowWork(c, start, end, 1)), 0, 0);
      return sumResults(n, 0);
    },
    residualRows: (c: CsrBufs, X, Y, G, k, start, end, out, save) => {
      if (end <= start) return;
      const each = scratchFor(residualScratchBytes(k));
      const n = blocksOf(c, start, end, k >> 1);
      const keep = save ? [save.r.ptr, save.b.ptr] : [0, 0];
      dispatcher.run(OP_RESIDUAL, [c.indptr.ptr, c.indices.ptr, c.conf.ptr, X.ptr, Y.ptr, G.ptr, k, ...keep], n, use(rowWork(c, start, end, k)), scratchPtr, each);
      out[0] += sumResults(n, 0);
      out[1] += sumResults(n, 1);
    },
    scoreRows: (Q, rows, count, Y, n, k, out) => {
      if (count <= 0) return;
      const nb = evenBlocks(0, count, dispatcher.bounds());
      dispatcher.run(OP_SCORE, [Q.ptr, rows.ptr, count, Y.ptr, n, k, out.ptr], nb, use(count * n), 0, 0);
    },
    countBelow: (s, offset, n, v) => w.countBelow(s.ptr + offset * 4, n, v),
    invertRows: (a: InvertArgs) => {
      if (a.end <= a.start) return 0;
      const each = perThread(a.k);
      const n = blocksOf(a.csr, a.start, a.end, a.k);
      dispatcher.run(
        OP_INVERT,
        [a.csr.indptr.ptr, a.csr.indices.ptr, a.csr.conf.ptr, a.Y.ptr, a.gram.ptr, a.k, a.start, a.out.ptr],
        n, use(rowWork(a.csr, a.start, a.end, a.k * a.k)), scratchPtr, each,
      );
      return sumResults(n, 0);
    },
    shermanMorrison: (Ainv, offset, k, v, vOffset, wt, scratch) =>
      w.shermanMorrison(Ainv.ptr + offset * 4, k, v.ptr + vOffset * 4, wt, scratch.ptr) !== 0,
    symv: (Ainv, offset, k, b, bOffset, out, outOffset) =>
      w.symv(Ainv.ptr + offset * 4, k, b.ptr + bOffset * 4, out.ptr + outOffset * 4),
  };
}
