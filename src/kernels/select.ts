// Picks a kernel backend: 'auto' uses the WASM SIMD kernels when this engine validates them,
// otherwise the pure-JS twin.
import { createJsKernels } from './js.js';
import type { Kernels } from './kernels.js';
import { createWasmKernels, wasmSimdSupported } from './wasm.js';

export type BackendName = 'auto' | 'wasm' | 'js';
export const BACKENDS: readonly BackendName[] = ['auto', 'wasm', 'js'];

export interface KernelOptions {
  /** Threads for the row loops (WASM only; default 1). */
  threads?: number;
}

export async function loadKernels(backend: BackendName = 'auto', opts: KernelOptions = {}): Promise<Kernels> {
  if (backend === 'js') {
    const k = createJsKernels();
    return (opts.threads ?? 1) > 1 ? { ...k, threadNote: 'the js backend runs on one thread' } : k;
  }
  if (backend === 'wasm' || backend === 'auto') {
    if (wasmSimdSupported()) return createWasmKernels({ threads: opts.threads });
    if (backend === 'wasm') {
      throw new Error('backend "wasm" asked for, but this engine does not support WebAssembly SIMD; use "auto" or "js"');
    }
    return createJsKernels();
  }
  throw new Error(`unknown backend "${String(backend)}"; expected one of ${BACKENDS.join(', ')}`);
}
