// Loads the AssemblyScript SIMD kernels and wraps them in the `Kernels` interface. Buffers live in
// the module's linear memory; their typed-array views are zero-copy and are re-created whenever the
// memory grows (growth detaches the old ArrayBuffer).
import type { CsrBufs, F32Buf, I32Buf, InvertArgs, Kernels, SolveArgs } from './kernels.js';
import { Heap } from './heap.js';
import { WASM_BASE64 } from './wasm-bytes.generated.js';

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
    k: number, start: number, end: number, out: number,
  ): void;
  scoreRows(q: number, rows: number, count: number, y: number, n: number, k: number, out: number): void;
  invertRows(
    indptr: number, indices: number, conf: number, y: number, gram: number,
    k: number, start: number, end: number, out: number, scratch: number,
  ): number;
  /** a, v, scratch: byte addresses; returns 1 (done) or 0 (refused). */
  shermanMorrison(a: number, k: number, v: number, w: number, scratch: number): number;
  symv(a: number, k: number, b: number, out: number): void;
}

let bytesCache: Uint8Array | undefined;

/** The SIMD kernel module's bytes (inlined at build time so the core needs no file access). */
export function wasmBytes(): Uint8Array {
  if (!bytesCache) {
    const bin = atob(WASM_BASE64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    bytesCache = out;
  }
  return bytesCache;
}

/** True when this engine validates the SIMD module. */
export function wasmSimdSupported(): boolean {
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

/** Instantiates the kernels from an already compiled module (or compiles the inlined bytes). */
export async function createWasmKernels(module?: WebAssembly.Module): Promise<Kernels> {
  const mod = module ?? (await WebAssembly.compile(wasmBytes() as BufferSource));
  const memory = new WebAssembly.Memory({ initial: 16 });
  const instance = await WebAssembly.instantiate(mod, { env: { memory } });
  const w = instance.exports as unknown as WasmExports;
  const heap = new Heap(memory, w.heapBase());
  const out2 = heap.alloc(16);

  const f32 = (n: number): F32Buf => new WasmF32(memory, heap.alloc(n * 4), n);
  const i32 = (n: number): I32Buf => new WasmI32(memory, heap.alloc(n * 4), n);

  return {
    name: 'wasm',
    f32,
    i32,
    free: (buf) => heap.free(buf.ptr),
    gram: (A, rows, k, reg, out) => w.gram(A.ptr, rows, k, reg, out.ptr),
    solveRows: (a: SolveArgs) =>
      w.solveRows(
        a.csr.indptr.ptr, a.csr.indices.ptr, a.csr.conf.ptr, a.X.ptr, a.Y.ptr, a.gram.ptr,
        a.k, a.start, a.end, a.solver, a.cgSteps, a.scratch.ptr,
      ),
    lossRows: (c: CsrBufs, X, Y, k, start, end) =>
      w.lossRows(c.indptr.ptr, c.indices.ptr, c.conf.ptr, X.ptr, Y.ptr, k, start, end),
    residualRows: (c: CsrBufs, X, Y, G, k, start, end, out) => {
      const acc = new Float64Array(memory.buffer, out2, 2);
      acc[0] = 0;
      acc[1] = 0;
      w.residualRows(c.indptr.ptr, c.indices.ptr, c.conf.ptr, X.ptr, Y.ptr, G.ptr, k, start, end, out2);
      const res = new Float64Array(memory.buffer, out2, 2);
      out[0] += res[0];
      out[1] += res[1];
    },
    scoreRows: (Q, rows, count, Y, n, k, out) => w.scoreRows(Q.ptr, rows.ptr, count, Y.ptr, n, k, out.ptr),
    invertRows: (a: InvertArgs) =>
      w.invertRows(
        a.csr.indptr.ptr, a.csr.indices.ptr, a.csr.conf.ptr, a.Y.ptr, a.gram.ptr,
        a.k, a.start, a.end, a.out.ptr, a.scratch.ptr,
      ),
    shermanMorrison: (Ainv, offset, k, v, vOffset, wt, scratch) =>
      w.shermanMorrison(Ainv.ptr + offset * 4, k, v.ptr + vOffset * 4, wt, scratch.ptr) !== 0,
    symv: (Ainv, offset, k, b, bOffset, out, outOffset) =>
      w.symv(Ainv.ptr + offset * 4, k, b.ptr + bOffset * 4, out.ptr + outOffset * 4),
  };
}
