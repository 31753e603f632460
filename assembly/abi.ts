// The two exports every seqwasm module has, whichever entry built it (index.ts: the full module,
// inference.ts: the forward-only one): the host checks both before it runs any kernel.

/** Bumped whenever an exported signature changes, so a stale .wasm is refused by the host (ABI_VERSION in src/runtime/module.ts). */
export function abiVersion(): i32 {
  return 8;
}

/** First byte after the module's static data; the host arena starts above it. */
export function heapBase(): usize {
  return __heap_base;
}
