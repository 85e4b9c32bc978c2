// The package's entry for Cloudflare Workers (workerd, wrangler's "workerd" condition): workerd
// refuses to compile WebAssembly from bytes at run time ("Wasm code generation disallowed by
// embedder"), so the SIMD module is imported as a file, which the platform compiles, and handed to
// the kernels. Everything else is the portable API; models run on one thread (no thread host).
import kernelsModule from '../build/untrain_als.wasm';
import { useCompiledModule } from './kernels/wasm.js';

useCompiledModule(kernelsModule);

export * from './index.js';
