// Model files: the TF.js Layers format (model.json + weights.bin) read and written, and
// loadModel's sources; ONNX written (exportONNX) and read (loadONNX). Re-exported at the top
// level by src/index.ts.
export { loadModel } from './load.js';
export type { LoadOptions } from './load.js';
export type { SavedModel, ModelJSON, SavedWeight, ManifestEntry } from './artifacts.js';
export { exportONNX, fromTorch, loadONNX, loadSafetensors, ONNX_OPSET, OnnxExportError, saveSafetensors } from './interop.js';
export type { ExportONNXOptions, LayeredModel, LoadONNXOptions } from './interop.js';
export type { SafetensorsOptions } from './safetensors.js';
export type { FromTorchOptions } from './torch.js';
export type { ReadSourceOptions } from './source.js';
export type { IOHandler, ModelArtifacts, ModelArtifactsInfo, SaveResult } from './storage.js';
