// Bundlers and workerd turn `import x from './y.wasm'` into a compiled module.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
