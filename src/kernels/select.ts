// Picks a kernel backend: 'auto' uses the WASM SIMD kernels when this engine validates them and
// lets this page compile them, otherwise the pure-JS twin, and says why in `backendNote`.
import { createJsKernels } from './js.js';
import type { Kernels } from './kernels.js';
import { threadHost } from './threads.js';
import { createWasmKernels, threadsUnavailable, wasmSimdSupported } from './wasm.js';

export type BackendName = 'auto' | 'wasm' | 'js';
export const BACKENDS: readonly BackendName[] = ['auto', 'wasm', 'js'];

export interface KernelOptions {
  /** Threads for the row loops (WASM only; default 1); 0 = every core the platform reports. */
  threads?: number;
}

/** Cloudflare workerd, which compiles WebAssembly only from a .wasm file the worker imports. */
function inWorkerd(): boolean {
  return (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers';
}

/**
 * The embedder's refusal to compile valid bytes (the module validated: a CompileError or EvalError
 * from compile is a policy, not a broken module): a page's Content-Security-Policy without
 * 'wasm-unsafe-eval', or workerd. Returns its message, or undefined for any other error.
 */
function refusal(e: unknown): string | undefined {
  const name = (e as Error)?.name;
  return name === 'CompileError' || name === 'EvalError' ? (e as Error).message : undefined;
}

export const WORKERD_ENTRY_HINT = 'Cloudflare workerd compiles WebAssembly only from a .wasm file the worker imports: '
  + 'import the package as "untrain-als/worker" (wrangler picks it by the "workerd" export condition; '
  + 'a bundler that does not know that condition resolved the browser entry, dist/index.js), or pass backend: "js"';

const JS_ONE_THREAD = 'the JS backend runs on one thread';

/** The JS twin, with the note for threads asked for (it runs on one). */
function jsKernels(threads: number, backendNote = ''): Kernels {
  const k = createJsKernels();
  const threadNote = threads > 1 ? `1 thread instead of ${threads}: ${JS_ONE_THREAD}` : k.threadNote;
  return { ...k, threadNote, backendNote };
}

export async function loadKernels(backend: BackendName = 'auto', opts: KernelOptions = {}): Promise<Kernels> {
  const every = opts.threads === 0;
  const k = await pick(backend, every ? threadHost()?.cores() ?? 1 : opts.threads ?? 1);
  // threads 0 ("every core") that end up as one: say why too, not only when a number was asked
  if (every && k.threads === 1 && !k.threadNote) {
    const why = k.name === 'js' ? JS_ONE_THREAD : threadsUnavailable() || 'this platform reports one core';
    return { ...k, threadNote: `one thread: ${why}` };
  }
  return k;
}

async function pick(backend: BackendName, threads: number): Promise<Kernels> {
  if (backend === 'js') return jsKernels(threads);
  if (backend !== 'wasm' && backend !== 'auto') {
    throw new Error(`unknown backend "${String(backend)}"; expected one of ${BACKENDS.join(', ')}`);
  }
  if (!wasmSimdSupported()) {
    if (backend === 'wasm') {
      throw new Error('backend "wasm" asked for, but this engine does not support WebAssembly SIMD; use "auto" or "js"');
    }
    return jsKernels(threads, 'the JS kernels run: this engine does not support WebAssembly SIMD');
  }
  try {
    return await createWasmKernels({ threads });
  } catch (e) {
    const why = refusal(e);
    if (why === undefined) throw e;
    // workerd has a better way (its entry) than a silent 3× slower twin: say which, under auto too
    if (inWorkerd()) throw new Error(`${why}. ${WORKERD_ENTRY_HINT}`);
    if (backend === 'wasm') {
      throw new Error(`backend "wasm" asked for, but this page refuses to compile WebAssembly (${why}); `
        + 'allow it with \'wasm-unsafe-eval\' in the Content-Security-Policy\'s script-src, or use backend "auto" or "js"');
    }
    return jsKernels(threads, `the JS kernels run: this page refuses to compile WebAssembly (${why}); `
      + 'add \'wasm-unsafe-eval\' to the Content-Security-Policy\'s script-src for the SIMD kernels');
  }
}
