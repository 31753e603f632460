// The public API of 'seqwasm': 'seqwasm/inference' (src/inference.ts) and the training API.
// Import seqwasm through its package entry (node / fetch / workerd), which registers where
// the .wasm comes from and installs the training code.
/**
 * Recurrent sequence models (SimpleRNN, LSTM, GRU) trained and run in WebAssembly SIMD, with
 * the same bits in Node, browsers, Deno, Bun and Cloudflare Workers. TF.js Layers' API with
 * Keras 3 semantics: {@link sequential}, {@link layers}, compile / fit / evaluate / predict,
 * save and {@link loadModel}; {@link data} for windows, vocabularies, scaling and batches;
 * {@link kernels} and the {@link Arena} underneath. Call {@link init} once first. Code that
 * only predicts can import `seqwasm/inference`: the same API and bits without the training
 * code and with a smaller Wasm module (README: Predicting only).
 *
 * @example
 * ```ts
 * import { init, sequential, layers, optimizers } from 'seqwasm';
 * await init();
 * const model = sequential([layers.lstm({ units: 8, inputShape: [5, 26] }), layers.dense({ units: 26, activation: 'softmax' })]);
 * model.compile({ optimizer: optimizers.rmsprop(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
 * await model.fit(x, y, { epochs: 50, batchSize: 1, verbose: 0 });
 * model.predict(x);                 // { shape: [21, 26], data: Float32Array }
 * ```
 *
 * @packageDocumentation
 */
export * from './inference.js';
export * from './training/index.js';
