// The entry points of the other engines' formats (ONNX, safetensors, PyTorch state dicts),
// each loading its module on first use: a page that never exchanges models with another
// engine does not download the format code.
import type { Layer } from '../layers/layer.js';
import { ModelError } from '../model/errors.js';
import type { Model } from '../model/model.js';
import type { Sequential } from '../model/sequential.js';
import type { Tensor, TensorLike } from '../tensor.js';
import type { SafetensorsOptions } from './safetensors.js';
import type { FromTorchOptions } from './torch.js';

/** What {@link fromTorch} maps weights onto: a model (sequential or functional) and its layers. */
export interface LayeredModel {
  /** The model's layers, in order. */
  readonly layers: readonly Layer[];
}

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
export async function fromTorch<M extends LayeredModel>(stateDict: Record<string, TensorLike>, model: M, options: FromTorchOptions = {}): Promise<M> {
  return (await import('./torch.js')).fromTorch(stateDict, model, options);
}

/**
 * Options of {@link exportONNX}.
 *
 * @example
 * ```ts
 * await exportONNX(model, { inputName: 'ids', outputName: 'probs', graphName: 'tagger' });
 * ```
 */
export interface ExportONNXOptions {
  /** The graph input's name, or one per input of a functional model (in its order). Default 'x' for a sequential model, the input names for a functional one. */
  inputName?: string | readonly string[];
  /** The graph output's name, or one per output of a functional model (in its order). Default 'y' for a sequential model, the output names (as fit's y keys them) for a functional one. */
  outputName?: string | readonly string[];
  /** The graph's name. Default the model's name. */
  graphName?: string;
}

/**
 * A model that cannot be written as ONNX: not built, a layer kind or option ONNX's operators
 * cannot express (a stateful layer, an activation with no ONNX recurrent counterpart).
 *
 * @example
 * ```ts
 * await exportONNX(model).catch((error) => { if (error instanceof OnnxExportError) console.log(error.argument); });
 * ```
 */
export class OnnxExportError extends ModelError {
  /** Always `'OnnxExportError'`. */
  override name = 'OnnxExportError';
}

/**
 * Options of {@link loadONNX}.
 *
 * @example
 * ```ts
 * await loadONNX('lstm.onnx', { maxBytes: 50 << 20, timeout: 5000, seed: 7 });
 * ```
 */
export interface LoadONNXOptions {
  /** The seed for further training (shuffles, dropout). Default 0. */
  seed?: number;
  /** The most bytes read from a path or URL, or given. Default 1 GiB. */
  maxBytes?: number;
  /** Aborts reading a path or URL. */
  signal?: AbortSignal;
  /** Milliseconds allowed for reading a path or URL. Default: no limit. */
  timeout?: number;
}

/**
 * A model from an ONNX file: its bytes, or a path or URL of a .onnx file. Reads the graphs
 * that torch.onnx.export writes for nn.LSTM / nn.GRU / nn.RNN (any number of layers,
 * bidirectional, batch_first or not) followed by nn.Linear and an activation, tf2onnx's Keras
 * LSTM / GRU graphs, and exportONNX's own recurrent → dense graphs. The model takes [batch,
 * time, features] (even when the graph is time-major), predicts what the graph computes, and
 * trains like any other. Anything else is a ModelLoadError naming the node and its op; the
 * file's counts, sizes and tensor byte lengths are checked before anything is allocated. The
 * reader is imported on first call, so pages that never load ONNX do not download it.
 *
 * @example
 * ```ts
 * const model = await loadONNX('lstm.onnx');
 * model.predict(x);                                  // as onnxruntime and PyTorch answer
 * model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
 * await model.fit(x, y, { epochs: 5 });              // fine-tune it here
 * ```
 */
export async function loadONNX(source: Uint8Array | ArrayBuffer | string | URL, options: LoadONNXOptions = {}): Promise<Sequential> {
  return (await import('./onnx-import.js')).readONNX(source, options);
}

/** The opset written: 14 is the first with LSTM/GRU/RNN layout and ReduceSum's axes input. */
export const ONNX_OPSET = 14;

/**
 * The model as an ONNX file (opset 14): a dynamic batch axis, and a dynamic time axis on
 * sequence input (unless a flatten, reshape or time-moving permute fixes its length). Input
 * float32 [batch, time, features] (int64 ids [batch, time] for an input an embedding reads),
 * outputs as predict() returns them. A sequential model reads 'x' and writes 'y'; a functional
 * one (several inputs and outputs, shared layers, merges, recurrent states) keeps its input and
 * output names unless the options rename them. Verified against onnxruntime-web and
 * onnxruntime-node to 1e-5. Rejects with {@link OnnxExportError} for what ONNX cannot express.
 * The exporter is imported on first call.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('model.onnx', await exportONNX(model));
 * // python: onnxruntime.InferenceSession('model.onnx').run(None, {'x': x})
 * ```
 */
export async function exportONNX(model: Model, options: ExportONNXOptions = {}): Promise<Uint8Array> {
  return (await import('./onnx-graph.js')).writeONNX(model, options);
}
