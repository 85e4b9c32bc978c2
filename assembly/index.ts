// The SIMD kernel module: exports only. Signatures match src/kernels/wasm.ts; every pointer is a
// byte address in the imported memory, handed out by the JS-side heap (src/kernels/heap.ts). The
// kernels allocate nothing.

/** First free byte after the module's static data: the JS heap starts here. */
export function heapBase(): usize {
  return __heap_base;
}

export { gram } from './gram';
export { solveRows } from './solve';
export { lossRows, residualRows } from './loss';
export { countBelow, scoreRows } from './score';
export { invertRows, shermanMorrison, symv } from './sherman';
