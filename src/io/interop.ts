// The PyTorch and safetensors entry points, each loading its module on first use: a page that
// never reads PyTorch weights does not download the format code.
import type { Layer } from '../layers/layer.js';
import type { Tensor, TensorLike } from '../tensor.js';
import type { SafetensorsOptions } from './safetensors.js';
import type { FromTorchOptions } from './torch.js';

/**
 * The tensors of a safetensors file (a PyTorch state dict saved with `safetensors.torch.save_file`),
 * by name, as float32. F64, F32, F16 and BF16 are read; integer and bool tensors too when every
 * value is exact in float32. Takes the bytes, or a path (Node) or URL of the file. Everything
 * in the header is checked before a value is decoded: a bad file is a ModelLoadError naming the
 * tensor and what is wrong. The `__metadata__` entry is not a tensor and is skipped.
 *
 * @example
 * ```ts
 * const stateDict = await loadSafetensors('model.safetensors');
 * stateDict['lstm.weight_ih_l0'].shape;   // [4 * units, inputFeatures]
 * await fromTorch(stateDict, model);
 * ```
 */
export async function loadSafetensors(source: string | URL | ArrayBuffer | ArrayBufferView, options: SafetensorsOptions = {}): Promise<Record<string, Tensor>> {
  return (await import('./safetensors.js')).loadSafetensors(source, options);
}

/**
 * A safetensors file of float32 tensors (e.g. a model's weights for PyTorch's
 * `safetensors.torch.load_file`), in the order given, 8-byte aligned as the format recommends.
 *
 * @example
 * ```ts
 * const bytes = await saveSafetensors({ 'fc.weight': { shape: [2, 3], data: new Float32Array(6) } }, { format: 'pt' });
 * ```
 */
export async function saveSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<Uint8Array> {
  return (await import('./safetensors.js')).saveSafetensors(tensors, metadata);
}

/**
 * Copies a PyTorch state dict's weights into a built model's layers, converting PyTorch's
 * layouts to Keras's. Mapped: nn.LSTM → lstm (gates i, f, g, o = Keras i, f, c, o; the two
 * biases summed), nn.GRU → gru with resetAfter: true (gates reordered; input and recurrent
 * biases kept apart, as PyTorch has them), nn.RNN → simpleRNN (tanh or relu), each stacked
 * layer (weight_ih_l{k}) onto one layer and `_reverse` onto a bidirectional wrapper's backward
 * direction; nn.Linear → dense or timeDistributed(dense); nn.Embedding → embedding. Layers
 * without weights (dropout, masking) are skipped. The model's layer kinds, unit counts and
 * activations must match the modules (PyTorch's LSTM and GRU use sigmoid gates and tanh); a
 * ModelInputError names the mismatch and no weight has changed. Returns the model.
 *
 * @example
 * ```ts
 * // PyTorch: nn.LSTM(3, 16, num_layers=2, batch_first=True) as "rnn", nn.Linear(16, 1) as "head"
 * const model = sequential([
 *   layers.lstm({ units: 16, returnSequences: true, inputShape: [null, 3] }),
 *   layers.lstm({ units: 16 }),
 *   layers.dense({ units: 1 }),
 * ]);
 * await fromTorch(await loadSafetensors('model.safetensors'), model);
 * ```
 */
export async function fromTorch<M extends { readonly layers: readonly Layer[] }>(stateDict: Record<string, TensorLike>, model: M, options: FromTorchOptions = {}): Promise<M> {
  return (await import('./torch.js')).fromTorch(stateDict, model, options);
}
