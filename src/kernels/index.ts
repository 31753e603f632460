// Typed, range-checked wrappers around the Wasm kernels.
