// Vite follows `new URL('./seqwasm.wasm', import.meta.url)` in seqwasm's JS and emits the
// .wasm, in the production build as it is. The dev server would pre-bundle seqwasm into
// node_modules/.vite, away from its .wasm: serving it as it is keeps the two together.
export default {
  optimizeDeps: { exclude: ['seqwasm'] },
};
