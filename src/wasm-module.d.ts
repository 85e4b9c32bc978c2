// A `.wasm` import as Cloudflare workerd (and wrangler, and miniflare's CompiledWasm rule) provide
// it: the compiled module.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
