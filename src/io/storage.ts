// Where model.save(destination) puts a model and where loadModel(source) finds it, as TF.js
// users name them: 'file://dir' in Node, 'indexeddb://name', 'localstorage://name' and
// 'downloads://name' in browsers, or an object with save / load (a TF.js IOHandler). The browser
// stores use TF.js's own layout (database 'tensorflowjs'; localStorage keys
// 'tensorflowjs_models/<name>/…'), so a model TF.js saved there loads here and the reverse.
// Loaded only when a destination or such a source is given.
import { ModelInputError, ModelLoadError, describe } from '../model/errors.js';
import { writeFilesInto } from '../runtime/location.js';
import type { ManifestEntry, SavedModel } from './artifacts.js';

/** TF.js's io.ModelArtifacts: model.json's fields with the weights manifest flattened into weightSpecs and the bytes beside them. */
export interface ModelArtifacts {
  /** Keras's model config: the layers and their options. */
  modelTopology: Record<string, unknown>;
  /** Every weight's name, shape and dtype, in the order of weightData. */
  weightSpecs: ManifestEntry[];
  /** The weights, little-endian float32, one after another. */
  weightData: ArrayBuffer;
  /** 'layers-model'. */
  format?: string;
  /** The writer ('seqwasm', 'TensorFlow.js tfjs-layers v…'). */
  generatedBy?: string;
  /** The converter, or null. */
  convertedBy?: string | null;
  /** The compile() arguments (Keras snake_case), once compiled. */
  trainingConfig?: Record<string, unknown>;
  /** The writer's own metadata (seqwasm keeps the model's seed here). */
  userDefinedMetadata?: Record<string, unknown>;
}

/** What a save reports (TF.js's io.SaveResult). */
export interface SaveResult {
  /** What was saved, and when. */
  modelArtifactsInfo: ModelArtifactsInfo;
}

/** The sizes of what a save wrote (TF.js's io.ModelArtifactsInfo). */
export interface ModelArtifactsInfo {
  /** When the save happened. */
  dateSaved: Date;
  /** Always 'JSON'. */
  modelTopologyType: 'JSON';
  /** UTF-8 bytes of the topology as JSON. */
  modelTopologyBytes: number;
  /** UTF-8 bytes of the weight specs as JSON. */
  weightSpecsBytes: number;
  /** Bytes of the weights. */
  weightDataBytes: number;
}

/**
 * A destination or source of your own (TF.js's io.IOHandler): `save` receives the model's
 * artifacts, `load` returns artifacts (TF.js's, or model.save()'s { modelJSON, weightData }).
 *
 * @example
 * ```ts
 * const memory: IOHandler = { save: async (artifacts) => { stored = artifacts; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: 0, weightSpecsBytes: 0, weightDataBytes: artifacts.weightData.byteLength } }; } };
 * ```
 */
export interface IOHandler {
  /** Stores the artifacts model.save(handler) gives it. */
  save?(artifacts: ModelArtifacts): Promise<SaveResult> | SaveResult;
  /** Returns artifacts for loadModel(handler), which checks them like any file. */
  load?(): Promise<unknown> | unknown;
}

const FILE = 'file://';
const INDEXED_DB = 'indexeddb://';
const LOCAL_STORAGE = 'localstorage://';
const DOWNLOADS = 'downloads://';
const DESTINATIONS = [FILE, INDEXED_DB, LOCAL_STORAGE, DOWNLOADS];

// TF.js's names (tfjs-core src/io/indexed_db.ts and local_storage.ts).
const DATABASE = 'tensorflowjs';
const MODEL_STORE = 'models_store';
const INFO_STORE = 'model_info_store';
const LOCAL_PREFIX = 'tensorflowjs_models';
const LOCAL_KEYS = ['info', 'model_topology', 'weight_specs', 'weight_data', 'model_metadata'] as const;

/** Saves model.save()'s artifacts to a destination. */
export async function saveTo(owner: string, saved: SavedModel, destination: string | IOHandler): Promise<SaveResult> {
  const artifacts = toArtifacts(saved);
  if (typeof destination !== 'string') return destination.save!(artifacts);
  const fault = (problem: string) => new ModelInputError(owner, 'destination', problem);
  const scheme = DESTINATIONS.find((s) => destination.startsWith(s));
  if (!scheme) throw fault(`save(destination) takes 'file://dir' (Node), 'indexeddb://name', 'localstorage://name', 'downloads://name' or an object with save(); got ${describe(destination)}`);
  const name = destination.slice(scheme.length);
  if (name === '') throw fault(`${describe(destination)} names no ${scheme === FILE ? 'folder' : 'model'}`);
  const info = infoOf(artifacts);
  if (scheme === FILE) {
    const json = new TextEncoder().encode(JSON.stringify(saved.modelJSON));
    await writeFilesInto(name, [['model.json', json], ['weights.bin', new Uint8Array(saved.weightData)]], fault);
  } else if (scheme === INDEXED_DB) {
    await indexedDbPut(name, artifacts, info, fault);
  } else if (scheme === LOCAL_STORAGE) {
    localStoragePut(name, artifacts, info, fault);
  } else {
    download(name, saved, fault);
  }
  return { modelArtifactsInfo: info };
}

/** The artifacts a browser store or a handler holds, for readArtifacts to check like any file. */
export async function loadStored(owner: string, source: string | IOHandler): Promise<unknown> {
  const fault = (problem: string) => new ModelLoadError(owner, 'source', problem);
  if (typeof source !== 'string') return source.load!();
  if (source.startsWith(DOWNLOADS)) throw fault(`${describe(source)} only saves; load the downloaded files by their URL (loadModel('model.json')) or as { modelJSON, weightData }`);
  const name = source.slice((source.startsWith(INDEXED_DB) ? INDEXED_DB : LOCAL_STORAGE).length);
  if (name === '') throw fault(`${describe(source)} names no model`);
  return source.startsWith(INDEXED_DB) ? indexedDbGet(name, fault) : localStorageGet(name, fault);
}

function toArtifacts({ modelJSON, weightData }: SavedModel): ModelArtifacts {
  const { modelTopology, weightsManifest, ...rest } = modelJSON;
  return { modelTopology, weightSpecs: weightsManifest.flatMap((group) => group.weights), weightData, ...rest };
}

function infoOf(artifacts: ModelArtifacts): ModelArtifactsInfo {
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;
  return { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: bytes(artifacts.modelTopology), weightSpecsBytes: bytes(artifacts.weightSpecs), weightDataBytes: artifacts.weightData.byteLength };
}

// ---- IndexedDB -------------------------------------------------------------------------

function openDatabase(fault: (problem: string) => Error): Promise<IDBDatabase> {
  const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) return Promise.reject(fault("'indexeddb://' needs IndexedDB, which this runtime does not have (it is in browsers and their workers)"));
  return new Promise((resolve, reject) => {
    const request = factory.open(DATABASE, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(MODEL_STORE, { keyPath: 'modelPath' });
      request.result.createObjectStore(INFO_STORE, { keyPath: 'modelPath' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(fault(`could not open IndexedDB '${DATABASE}': ${request.error?.message}`));
  });
}

/** One transaction over both stores, so a failed save leaves neither record half written. */
async function indexedDbPut(name: string, artifacts: ModelArtifacts, info: ModelArtifactsInfo, fault: (problem: string) => Error): Promise<void> {
  const db = await openDatabase(fault);
  try {
    await new Promise<void>((resolve, reject) => {
      const transaction = db.transaction([INFO_STORE, MODEL_STORE], 'readwrite');
      transaction.objectStore(INFO_STORE).put({ modelPath: name, modelArtifactsInfo: info });
      transaction.objectStore(MODEL_STORE).put({ modelPath: name, modelArtifacts: artifacts, modelArtifactsInfo: info });
      transaction.oncomplete = () => resolve();
      transaction.onerror = transaction.onabort = () => reject(fault(`could not save ${describe(name)} to IndexedDB: ${transaction.error?.message ?? 'aborted'}`));
    });
  } finally {
    db.close();
  }
}

async function indexedDbGet(name: string, fault: (problem: string) => Error): Promise<unknown> {
  const db = await openDatabase(fault);
  try {
    return await new Promise((resolve, reject) => {
      const request = db.transaction(MODEL_STORE, 'readonly').objectStore(MODEL_STORE).get(name);
      request.onsuccess = () => (request.result == null ? reject(fault(`IndexedDB has no model named ${describe(name)}`)) : resolve((request.result as { modelArtifacts?: unknown }).modelArtifacts));
      request.onerror = () => reject(fault(`could not read ${describe(name)} from IndexedDB: ${request.error?.message}`));
    });
  } finally {
    db.close();
  }
}

// ---- localStorage ----------------------------------------------------------------------

function localStorageOf(fault: (problem: string) => Error): Storage {
  const storage = (globalThis as { localStorage?: Storage }).localStorage;
  if (!storage) throw fault("'localstorage://' needs window.localStorage, which this runtime does not have (pages have it; workers do not)");
  return storage;
}

const localKey = (name: string, key: (typeof LOCAL_KEYS)[number]) => `${LOCAL_PREFIX}/${name}/${key}`;

function localStoragePut(name: string, artifacts: ModelArtifacts, info: ModelArtifactsInfo, fault: (problem: string) => Error): void {
  const storage = localStorageOf(fault);
  const { modelTopology, weightSpecs, weightData, ...metadata } = artifacts;
  const values = [JSON.stringify(info), JSON.stringify(modelTopology), JSON.stringify(weightSpecs), toBase64(new Uint8Array(weightData)), JSON.stringify(metadata)];
  try {
    LOCAL_KEYS.forEach((key, i) => storage.setItem(localKey(name, key), values[i]));
  } catch (error) {
    for (const key of LOCAL_KEYS) storage.removeItem(localKey(name, key));
    throw fault(`could not save ${describe(name)} to localStorage (${(error as Error).message}); its quota is a few MB, and this model's weights take ${weightData.byteLength} bytes (${Math.ceil(weightData.byteLength / 3) * 4} as base64)`);
  }
}

function localStorageGet(name: string, fault: (problem: string) => Error): unknown {
  const storage = localStorageOf(fault);
  const [info, topology, specs, data, metadata] = LOCAL_KEYS.map((key) => storage.getItem(localKey(name, key)));
  if (info === null) throw fault(`localStorage has no model named ${describe(name)}`);
  if (topology === null || specs === null || data === null) throw fault(`localStorage's model ${describe(name)} is incomplete (missing ${['model_topology', 'weight_specs', 'weight_data'].filter((_, i) => [topology, specs, data][i] === null).join(', ')})`);
  const parse = (text: string, what: string) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw fault(`localStorage's model ${describe(name)} has a ${what} that is not JSON`);
    }
  };
  const extra = metadata === null ? {} : parse(metadata, 'model_metadata');
  return { ...(typeof extra === 'object' ? extra : {}), modelTopology: parse(topology, 'model_topology'), weightSpecs: parse(specs, 'weight_specs'), weightData: fromBase64(data, fault).buffer };
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  const CHUNK = 0x8000; // String.fromCharCode takes its arguments on the stack
  for (let i = 0; i < bytes.length; i += CHUNK) text += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(text);
}

function fromBase64(text: string, fault: (problem: string) => Error): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw fault('the stored weight_data is not base64');
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

// ---- downloads -------------------------------------------------------------------------

/** Two files, as TF.js names them: <name>.json, whose manifest points at <name>.weights.bin. */
function download(name: string, saved: SavedModel, fault: (problem: string) => Error): void {
  const doc = (globalThis as { document?: Document }).document;
  if (!doc) throw fault("'downloads://' needs a page's document (a browser's main thread); in Node save to 'file://dir'");
  const weightsFile = `${name}.weights.bin`;
  const modelJSON = { ...saved.modelJSON, weightsManifest: saved.modelJSON.weightsManifest.map((group) => ({ ...group, paths: [`./${weightsFile}`] })) };
  const files: [string, Blob][] = [
    [`${name}.json`, new Blob([JSON.stringify(modelJSON)], { type: 'application/json' })],
    [weightsFile, new Blob([saved.weightData], { type: 'application/octet-stream' })],
  ];
  for (const [fileName, blob] of files) {
    const anchor = doc.createElement('a');
    anchor.download = fileName;
    anchor.href = URL.createObjectURL(blob);
    anchor.click();
    // Revoked later: the browser reads the blob after click() returns.
    setTimeout(() => URL.revokeObjectURL(anchor.href), 60_000);
  }
}
