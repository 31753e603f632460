// Model files: the TF.js Layers format (model.json + weights.bin) read and written, and
// loadModel's sources. Re-exported at the top level by src/index.ts.
export { loadModel } from './load.js';
export type { LoadOptions } from './load.js';
export type { SavedModel, ModelJSON, SavedWeight, ManifestEntry } from './artifacts.js';
export { exportONNX, OnnxExportError, ONNX_OPSET } from './onnx.js';
export type { ExportONNXOptions } from './onnx.js';
export { loadONNX, ONNX_LIMITS } from './onnx-import.js';
export type { LoadONNXOptions } from './onnx-import.js';
