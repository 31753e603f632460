// writeArtifacts → readArtifacts round trips (bit-exact, optimizer state included; from the
// object, from JSON text, from files by path, file: URL and http: URL), and every check
// readArtifacts / createLayers / assignWeights make before trusting a file, each failing
// with a ModelLoadError that names what is wrong.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as layers from '../../src/layers/index.js';
import type { Layer } from '../../src/layers/index.js';
import { assignWeights, createLayers, readArtifacts, type ModelJSON, type SavedModel, type SavedWeight } from '../../src/io/artifacts.js';
import { writeArtifacts } from '../../src/io/save.js';
import { ModelLoadError, ModelStateError } from '../../src/model/errors.js';
import { readBytes } from '../../src/runtime/module.js';
import { Prng } from '../../src/util/prng.js';
import { freeAll, randomFor } from '../layers/helpers.js';
import { uniform } from '../util/random.js';
import { disposeAll, joinWeights, loadLayers, predict } from './artifacts-helpers.js';

const [B, T, F] = [2, 4, 3];
const dir = mkdtempSync(join(tmpdir(), 'seqwasm-artifacts-'));
let server: Server;
let origin: string;

beforeAll(async () => {
  // Serves files from `dir`; anything missing is a 404.
  server = createServer(async (request, response) => {
    try {
      response.end(await readFile(join(dir, decodeURIComponent(new URL(request.url!, 'http://x').pathname))));
    } catch {
      response.statusCode = 404;
      response.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterEach(freeAll);
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Built layers with seeded weights: GRU (resetAfter) sequence → timeDistributed(dense) → bidirectional LSTM → dense. */
function model(): Layer[] {
  const stack = [
    layers.gru({ units: 3, returnSequences: true, inputShape: [T, F] }),
    layers.timeDistributed(layers.dense({ units: 2, activation: 'relu' })),
    layers.bidirectional(layers.lstm({ units: 2 }), { mergeMode: 'mul' }),
    layers.dense({ units: 3, activation: 'softmax' }),
  ];
  let shape: (number | null)[] = [null, T, F];
  stack.forEach((layer, i) => {
    layer.build(shape, new Prng(3).derive(`layer ${i}`));
    shape = layer.computeOutputShape(shape) as (number | null)[];
  });
  return stack;
}

const optimizerState = (stack: Layer[], random: () => number): SavedWeight[] => [
  { name: 'iteration', shape: [], data: Float32Array.of(12) },
  ...stack.flatMap((layer) => layer.weights.map((w) => ({ name: `${w.name}/rms`, shape: [...w.shape], data: uniform(random, w.value.length, 0, 1) }))),
];

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Files for `saved` in a new folder: model.json and weights.bin. */
function writeFiles(saved: { modelJSON: unknown; weightData: ArrayBuffer }): string {
  const folder = mkdtempSync(join(dir, 'model-'));
  writeFileSync(join(folder, 'model.json'), JSON.stringify(saved.modelJSON));
  writeFileSync(join(folder, 'weights.bin'), new Uint8Array(saved.weightData));
  return folder;
}

describe('writeArtifacts → readArtifacts', () => {
  it('writes TF.js Layers artifacts', () => {
    const stack = model();
    const { modelJSON, weightData } = writeArtifacts({ name: 'seq', layers: stack });
    expect(modelJSON).not.toHaveProperty('userDefinedMetadata');
    expect(modelJSON).toMatchObject({ format: 'layers-model', convertedBy: null, modelTopology: { class_name: 'Sequential', config: { name: 'seq' } } });
    const topology = modelJSON.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    expect(topology.config.layers).toEqual(stack.map((layer) => layer.toJSON()));
    expect(topology.config.layers[0].config.batch_input_shape).toEqual([null, T, F]);
    expect(modelJSON.weightsManifest).toEqual([{ paths: ['weights.bin'], weights: stack.flatMap((l) => l.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32', group: 'model' }))) }]);
    const floats = new Float32Array(weightData);
    expect(bits(floats)).toEqual(bits(Float32Array.from(stack.flatMap((l) => l.weights.flatMap((w) => Array.from(w.value.toArray()))))));
    expect(JSON.parse(JSON.stringify(modelJSON))).toEqual(modelJSON); // plain JSON
    disposeAll(stack);
  });

  it('records the built input shape when the first layer declares none', () => {
    const layer = layers.simpleRNN({ units: 2 });
    layer.build([null, 7, 2], new Prng(1));
    const { modelJSON } = writeArtifacts({ name: 'seq', layers: [layer] });
    expect((modelJSON.modelTopology as { config: { layers: { config: object }[] } }).config.layers[0].config).toHaveProperty('batch_input_shape', [null, 7, 2]);
    layer.dispose();
  });

  const sources: [string, (saved: SavedModel) => unknown][] = [
    ['the object', (saved) => saved],
    ['model.json text and a Uint8Array', (saved) => ({ modelJSON: JSON.stringify(saved.modelJSON), weightData: new Uint8Array(saved.weightData) })],
    ['a path', (saved) => join(writeFiles(saved), 'model.json')],
    ['a file: URL string', (saved) => pathToFileURL(join(writeFiles(saved), 'model.json')).href],
    ['an http: URL', (saved) => new URL(`${writeFiles(saved).slice(dir.length).split('\\').join('/')}/model.json`, origin)],
  ];
  for (const [what, source] of sources) {
    it(`reads back bit-exact from ${what}, optimizer state and training config included, and predicts the same bits`, async () => {
      const random = randomFor(`round trip ${what}`);
      const stack = model();
      // Values whose bits a careless conversion would change: -0, subnormals, the largest float.
      stack[3].weights[1].value.set([-0, 1e-45, 3.4028234663852886e38]);
      stack[3].weightsChanged();
      const state = optimizerState(stack, random);
      const trainingConfig = { loss: 'categorical_crossentropy', metrics: ['accuracy'], optimizer_config: { class_name: 'RMSprop', config: { learning_rate: 0.01 } } };
      const saved = writeArtifacts({ name: 'seq', seed: 2 ** 40 + 3, layers: stack, trainingConfig, optimizerState: state });
      const parsed = await readArtifacts(source(saved));
      expect(parsed.name).toBe('seq');
      expect(parsed.seed).toBe(2 ** 40 + 3);
      expect(parsed.trainingConfig).toEqual(trainingConfig);
      expect(parsed.layers).toEqual(stack.map((layer) => layer.toJSON()));
      const weights = stack.flatMap((l) => l.weights);
      expect(parsed.weights.map((w) => [w.name, w.shape])).toEqual(weights.map((w) => [w.name, w.shape]));
      parsed.weights.forEach((w, i) => expect(bits(w.data), w.name).toEqual(bits(weights[i].value.toArray())));
      expect(parsed.optimizerWeights.map((w) => [w.name, w.shape])).toEqual(state.map((w) => [w.name, w.shape]));
      parsed.optimizerWeights.forEach((w, i) => expect(bits(w.data), w.name).toEqual(bits(state[i].data)));

      const x = uniform(random, B * T * F);
      const loaded = loadLayers(parsed);
      expect(loaded.map((l) => l.name)).toEqual(stack.map((l) => l.name));
      expect(bits(predict(loaded, x, [B, T, F]))).toEqual(bits(predict(stack, x, [B, T, F])));
      disposeAll(loaded);
      disposeAll(stack);
    });
  }

  it('refuses to save what it could not load', () => {
    const lstm = layers.lstm({ units: 2 });
    expect(() => writeArtifacts({ name: 'seq', layers: [lstm] })).toThrow(ModelStateError);
    expect(() => writeArtifacts({ name: 'seq', layers: [lstm] })).toThrow(/needs every layer built; lstm\w* is not/);
    lstm.build([null, 2, 2], new Prng(1));
    lstm.weights[0].value.set([Number.NaN], 3);
    expect(() => writeArtifacts({ name: 'seq', layers: [lstm] })).toThrow(new RegExp(`weight '${lstm.name}/kernel'\\[0\\]\\[3\\] is NaN`));
    lstm.weights[0].value.set([0], 3);
    const bad = [{ name: 'iteration', shape: [2], data: Float32Array.of(1) }];
    expect(() => writeArtifacts({ name: 'seq', layers: [lstm], optimizerState: bad })).toThrow('seq: optimizer state must be { name, shape, data: Float32Array of 2 values }, got name "iteration" and data a Float32Array');
    expect(() => writeArtifacts({ name: 'seq', layers: [lstm], optimizerState: [{ name: 'x', shape: [-1], data: new Float32Array(0) }] })).toThrow(/non-negative integers/);
    lstm.dispose();
  });
});

// ---- validation -----------------------------------------------------------------------------

/** A small saved model to break: LSTM 'enc' (2 units, input [3, 2]) → Dense 'out' (3). */
function small(): { modelJSON: ModelJSON; weightData: ArrayBuffer; layers: Layer[] } {
  const stack = [layers.lstm({ units: 2, inputShape: [3, 2], name: 'enc' }), layers.dense({ units: 3, name: 'out' })];
  stack[0].build([null, 3, 2], new Prng(5));
  stack[1].build([null, 2], new Prng(6));
  const saved = writeArtifacts({ name: 'small', layers: stack });
  disposeAll(stack);
  return { modelJSON: JSON.parse(JSON.stringify(saved.modelJSON)), weightData: saved.weightData, layers: stack };
}

const entries = (json: ModelJSON) => json.weightsManifest[0].weights;

async function loadError(action: () => unknown): Promise<ModelLoadError> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelLoadError);
    return error as ModelLoadError;
  }
  return expect.fail('expected a ModelLoadError');
}

/** Reads, creates and builds layers, and assigns weights: everything loadModel does before trusting a file. */
async function load(source: unknown): Promise<void> {
  const parsed = await readArtifacts(source);
  const created = createLayers(parsed);
  try {
    let shape = created[0].batchInputShape!;
    for (const layer of created) {
      layer.build(shape, null);
      shape = layer.computeOutputShape(shape);
    }
    assignWeights(created, parsed.weights);
  } finally {
    disposeAll(created);
  }
}

describe('what loading refuses', () => {
  it('accepts the unbroken model (the baseline every case below breaks)', async () => {
    await load(small());
  });

  it('weight data shorter or longer than the manifest, before decoding anything', async () => {
    const { modelJSON, weightData } = small();
    const truncated = await loadError(() => readArtifacts({ modelJSON, weightData: weightData.slice(0, weightData.byteLength - 4) }));
    expect(truncated.argument).toBe('weightData');
    expect(truncated.message).toMatch(/needs more bytes than the weight data holds: weight 'out\/bias' ends at byte 196, the data has 192 bytes/);
    const longer = new Uint8Array(weightData.byteLength + 4);
    longer.set(new Uint8Array(weightData));
    expect((await loadError(() => readArtifacts({ modelJSON, weightData: longer.buffer }))).message).toMatch(/has 200 bytes but the weights manifest describes 196; 4 bytes are not accounted for/);
    // A manifest claiming a huge weight is refused by its byte count, nothing allocated.
    entries(modelJSON)[0].shape = [1e5, 1e5, 1e5];
    expect((await loadError(() => readArtifacts({ modelJSON, weightData }))).message).toMatch(/weight 'enc\/kernel' ends at byte 4000000000000000,/);
    entries(modelJSON)[0].shape = [2 ** 40, 2 ** 40];
    expect((await loadError(() => readArtifacts({ modelJSON, weightData }))).message).toMatch(/non-negative integers, got \[1099511627776,1099511627776\]/);
  });

  it('a model.json without a weights manifest, naming the field', async () => {
    const { modelJSON, weightData } = small();
    const error = await loadError(() => readArtifacts({ modelJSON: { ...modelJSON, weightsManifest: undefined } as unknown as typeof modelJSON, weightData }));
    expect(error.message).toBe('loadModel: modelJSON.weightsManifest must be an array of { paths, weights } groups, got undefined');
    expect(error.argument).toBe('modelJSON.weightsManifest');
  });

  it('a model.json whose topology or manifest is broken, before any weight file is read', async () => {
    const saved = small();
    const broken: [object, string, RegExp][] = [
      [{ modelTopology: 3 }, 'modelJSON.modelTopology', /modelJSON.modelTopology must be an object, got 3/],
      [{ ...saved.modelJSON, format: 'graph-model' }, 'modelJSON.format', /graph models \(tf.loadGraphModel\) cannot be loaded/],
      [{ ...saved.modelJSON, weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'x', shape: [-1], dtype: 'float32' }] }] }, 'modelJSON.weightsManifest[0].weights[0].shape', /non-negative integers/],
    ];
    for (const [modelJSON, argument, message] of broken) {
      // No weights.bin beside it: reading one would fail with ENOENT instead.
      const folder = writeFiles({ modelJSON, weightData: new ArrayBuffer(0) });
      rmSync(join(folder, 'weights.bin'));
      const error = await loadError(() => readArtifacts(join(folder, 'model.json')));
      expect(error.message).toMatch(message);
      expect(error.argument).toBe(argument);
    }
  });

  it('non-finite weights, naming the weight and the element', async () => {
    for (const [value, text] of [[Number.NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity']] as const) {
      const { modelJSON, weightData } = small();
      new Float32Array(weightData)[16 + 16 + 5] = value; // after enc/kernel (2, 8) and enc/recurrent_kernel (2, 8): enc/bias[5]
      const error = await loadError(() => readArtifacts({ modelJSON, weightData }));
      expect(error.message).toBe(`loadModel: weight 'enc/bias'[5] is ${text}; saved weights must be finite`);
      expect(error.argument).toBe('modelJSON.weightsManifest[0].weights[2]');
    }
  });

  it('unknown layer classes and bad layer configs, naming the layer', async () => {
    const { modelJSON, weightData } = small();
    const topology = modelJSON.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    topology.config.layers[1].class_name = 'Conv2D';
    const unknown = await loadError(() => load({ modelJSON, weightData }));
    expect(unknown.argument).toBe('layers[1]');
    expect(unknown.message).toMatch(/^loadModel: layer 1 \(out\): layerFromConfig: class_name "Conv2D" is not a layer seqwasm has/);
    topology.config.layers[1].class_name = 'Dense';
    topology.config.layers[0].config.units = -2;
    expect((await loadError(() => load({ modelJSON, weightData }))).message).toBe('loadModel: layer 0 (enc): enc: units must be a positive integer, got -2');
    topology.config.layers[0].config.units = 2;
    topology.config.layers[1].config.name = 'enc';
    expect((await loadError(() => load({ modelJSON, weightData }))).message).toMatch(/layer 1 \(enc\): two layers are named 'enc'/);
  });

  it('weights of the wrong shape, missing or extra, naming the weight and both shapes', async () => {
    let { modelJSON, weightData } = small();
    entries(modelJSON)[3].shape = [3, 2]; // out/kernel is (2, 3)
    const shape = await loadError(() => load({ modelJSON, weightData }));
    expect(shape.argument).toBe('weights');
    expect(shape.message).toBe("loadModel: saved weight 'out/kernel' has shape [3, 2], but out expects [2, 3] for out/kernel");

    ({ modelJSON, weightData } = small());
    entries(modelJSON).pop(); // out/bias: 3 floats at the end
    const missing = await loadError(() => load({ modelJSON, weightData: weightData.slice(0, weightData.byteLength - 12) }));
    expect(missing.message).toBe("loadModel: no saved weight for out's out/bias (shape [3]); saved weights not yet matched: (none)");

    ({ modelJSON, weightData } = small());
    entries(modelJSON).push({ name: 'extra/w', shape: [2], dtype: 'float32' });
    const extra = await loadError(() => load({ modelJSON, weightData: joinWeights([{ data: new Float32Array(weightData) }, { data: Float32Array.of(1, 2) }]) }));
    expect(extra.message).toBe("loadModel: saved weights that no layer of the model has: 'extra/w' [2]");

    ({ modelJSON, weightData } = small());
    entries(modelJSON)[1].name = 'enc/kernel';
    expect((await loadError(() => readArtifacts({ modelJSON, weightData }))).message).toMatch(/two saved weights are named 'enc\/kernel'/);
    entries(modelJSON)[1].name = 'enc/lstm_cell/kernel'; // the exact name wins; this one is left over
    expect((await loadError(() => load({ modelJSON, weightData }))).message).toMatch(/no saved weight for enc's enc\/recurrent_kernel .* not yet matched: 'enc\/lstm_cell\/kernel'/);
    entries(modelJSON)[0].name = 'enc/lstm_cell_1/kernel'; // neither is exact: which is enc/kernel?
    expect((await loadError(() => load({ modelJSON, weightData }))).message).toMatch(/saved weights 'enc\/lstm_cell_1\/kernel', 'enc\/lstm_cell\/kernel' all match enc\/kernel; which one is meant is unclear/);
  });

  it('matches names with a :0 output slot and cell segments; leaves other names alone', async () => {
    const { modelJSON, weightData } = small();
    entries(modelJSON)[0].name = 'enc/lstm_cell_7/kernel:0';
    entries(modelJSON)[1].name = 'enc/recurrent_kernel:0';
    await load({ modelJSON, weightData });
    entries(modelJSON)[1].name = 'enc/cell/recurrent_kernel';
    expect((await loadError(() => load({ modelJSON, weightData }))).message).toMatch(/no saved weight for enc's enc\/recurrent_kernel \(shape \[2, 8\]\); saved weights not yet matched: 'enc\/cell\/recurrent_kernel', 'enc\/bias', 'out\/kernel', 'out\/bias'/);
  });

  it('keys that could pollute prototypes, in JSON text or in objects', async () => {
    const { modelJSON, weightData } = small();
    const text = JSON.stringify(modelJSON);
    const polluted = [
      text.replace('"class_name":"Sequential"', '"class_name":"Sequential","__proto__":{"polluted":true}'),
      text.replace('"units":2', '"units":2,"constructor":{"prototype":{"polluted":true}}'),
      text.replace('"format":"layers-model"', '"format":"layers-model","trainingConfig":{"prototype":1}'),
    ];
    for (const json of polluted) {
      expect(json).not.toBe(text);
      const fromText = await loadError(() => readArtifacts({ modelJSON: json, weightData }));
      expect(fromText.message).toMatch(/has the key '(__proto__|constructor|prototype)', which a model file must not have/);
      const fromObject = await loadError(() => readArtifacts({ modelJSON: JSON.parse(json), weightData }));
      expect(fromObject.message).toBe(fromText.message);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const deep = await loadError(() => readArtifacts({ modelJSON: `{"modelTopology":${'['.repeat(100)}${']'.repeat(100)}}`, weightData }));
    expect(deep.message).toMatch(/nests deeper than 64 levels/);
    expect((await loadError(() => readArtifacts({ modelJSON: '{"modelTopology": ', weightData }))).message).toMatch(/^loadModel: modelJSON is not valid JSON/);
  });

  it('dtypes other than float32; float16 and uint8/uint16 quantization are decoded exactly', async () => {
    let { modelJSON, weightData } = small();
    for (const dtype of ['int32', 'float16', 'string', undefined]) {
      (entries(modelJSON)[0] as { dtype: unknown }).dtype = dtype;
      const error = await loadError(() => readArtifacts({ modelJSON, weightData }));
      expect(error.argument).toBe('modelJSON.weightsManifest[0].weights[0].dtype');
      expect(error.message).toBe(`loadModel: weight 'enc/kernel' has dtype ${dtype === undefined ? 'undefined' : `"${dtype}"`}; seqwasm loads float32 weights only`);
    }
    // out/bias (3 values) quantized: float16 [1, -2.5, 2^-24], uint8 q·0.5 − 1, uint16 q·0.25 + 3.
    const head = (): ArrayBuffer => weightData.slice(0, weightData.byteLength - 12);
    const cases = [
      { quantization: { dtype: 'float16' }, bytes: new Uint8Array(Uint16Array.of(0x3c00, 0xc100, 0x0001).buffer), expected: [1, -2.5, 2 ** -24] },
      { quantization: { dtype: 'uint8', scale: 0.5, min: -1 }, bytes: Uint8Array.of(0, 3, 255), expected: [-1, 0.5, 126.5] },
      { quantization: { dtype: 'uint16', scale: 0.25, min: 3 }, bytes: new Uint8Array(Uint16Array.of(0, 1, 65535).buffer), expected: [3, 3.25, 16386.75] },
    ];
    for (const c of cases) {
      ({ modelJSON, weightData } = small());
      Object.assign(entries(modelJSON)[4], { quantization: c.quantization });
      const data = new Uint8Array(head().byteLength + c.bytes.length);
      data.set(new Uint8Array(head()));
      data.set(c.bytes, head().byteLength);
      const parsed = await readArtifacts({ modelJSON, weightData: data });
      expect(Array.from(parsed.weights[4].data), c.quantization.dtype).toEqual(c.expected);
    }
    // int32 only as an optimizer's iteration count (TF.js's 'iter'), exactly representable.
    for (const [count, ok] of [[16777216, true], [16777217, false]] as const) {
      ({ modelJSON, weightData } = small());
      entries(modelJSON).push({ name: 'iter', shape: [], dtype: 'int32' as 'float32', group: 'optimizer' });
      const data = joinWeights([{ data: new Float32Array(weightData) }, { data: new Float32Array(Int32Array.of(count).buffer) }]);
      if (ok) expect((await readArtifacts({ modelJSON, weightData: data })).optimizerWeights).toEqual([{ name: 'iteration', shape: [], data: Float32Array.of(count) }]);
      else expect((await loadError(() => readArtifacts({ modelJSON, weightData: data }))).message).toBe("loadModel: int32 weight 'iter' is 16777217, beyond what float32 holds exactly");
    }
    ({ modelJSON, weightData } = small());
    Object.assign(entries(modelJSON)[4], { quantization: { dtype: 'int4' } });
    expect((await loadError(() => readArtifacts({ modelJSON, weightData }))).message).toMatch(/quantized to "int4"; seqwasm reads float16, uint8 and uint16 quantization/);
  });

  it('shapes that are not arrays of non-negative integers, groups that are not model or optimizer, seeds that are not integers', async () => {
    for (const shape of [[-1, 8], [2.5, 8], '2,8', [null, 8]]) {
      const { modelJSON, weightData } = small();
      (entries(modelJSON)[0] as { shape: unknown }).shape = shape;
      const error = await loadError(() => readArtifacts({ modelJSON, weightData }));
      expect(error.argument).toBe('modelJSON.weightsManifest[0].weights[0].shape');
      expect(error.message).toMatch(/a shape must be an array of non-negative integers/);
    }
    const { modelJSON, weightData } = small();
    (entries(modelJSON)[0] as { group: unknown }).group = 'metrics';
    expect((await loadError(() => readArtifacts({ modelJSON, weightData }))).message).toMatch(/weight 'enc\/kernel' has group "metrics"/);
    entries(modelJSON)[0].group = 'model';
    expect((await readArtifacts({ modelJSON, weightData })).seed).toBeUndefined();
    modelJSON.userDefinedMetadata = { seed: 1.5 };
    expect((await loadError(() => readArtifacts({ modelJSON, weightData }))).message).toBe('loadModel: the saved seed must be a safe integer, got 1.5');
  });

  it('topologies that are not a Sequential Layers model', async () => {
    const { modelJSON, weightData } = small();
    const topology = modelJSON.modelTopology as Record<string, unknown>;
    expect((await loadError(() => readArtifacts({ modelJSON: { ...modelJSON, format: 'graph-model' }, weightData }))).message).toMatch(/graph models \(tf.loadGraphModel\) cannot be loaded/);
    // A Sequential's config read as a functional model's lacks the connections.
    expect((await loadError(() => readArtifacts({ modelJSON: { ...modelJSON, modelTopology: { ...topology, class_name: 'Functional' } }, weightData }))).message).toMatch(/input_layers must be a non-empty array of \[layer, node, tensor\] entries/);
    expect((await loadError(() => readArtifacts({ modelJSON: { ...modelJSON, modelTopology: { ...topology, class_name: 'Graph' } }, weightData }))).message).toMatch(/only Sequential and functional \(Model, Functional\) models can be loaded, got class_name "Graph"/);
    expect((await loadError(() => readArtifacts({ modelJSON: { ...modelJSON, modelTopology: { model_config: { ...topology, class_name: 'Graph' } } }, weightData }))).argument).toBe('modelJSON.modelTopology.model_config.class_name');
    const config = topology.config as { layers: unknown[] };
    const input = { class_name: 'InputLayer', config: { batch_input_shape: [null, 3, 2] } };
    const withInput = (layerList: unknown[]) => ({ modelJSON: { ...modelJSON, modelTopology: { ...topology, config: { ...config, layers: layerList } } }, weightData });
    expect((await loadError(() => readArtifacts(withInput([...config.layers, input])))).message).toMatch(/an InputLayer must be followed by a layer/);
    const mismatch = { ...(config.layers[0] as object), config: { ...(config.layers[0] as { config: object }).config, batch_input_shape: [null, 4, 2] } };
    expect((await loadError(() => readArtifacts(withInput([input, mismatch, config.layers[1]])))).message).toMatch(/batch_input_shape \[null,4,2\] differs from the InputLayer's \[null,3,2\]/);
    expect((await loadError(() => readArtifacts(withInput([])))).message).toMatch(/the model has no layers/);
    // Keras 3 without an InputLayer: the input shape from build_input_shape or the first layer's build_config.
    const bare = (config.layers as { class_name: string; config: Record<string, unknown> }[]).map(({ class_name, config: { batch_input_shape: _, ...rest } }) => ({ class_name, config: rest }));
    const keras3 = (extra: object, first: object) => readArtifacts({ modelJSON: { ...modelJSON, modelTopology: { ...topology, config: { layers: [{ ...bare[0], ...first }, bare[1]], ...extra } } }, weightData });
    expect((await keras3({ build_input_shape: [null, 3, 2] }, {})).layers[0].config).toHaveProperty('batch_input_shape', [null, 3, 2]);
    expect((await keras3({}, { build_config: { input_shape: [null, 3, 2] } })).layers[0].config).toHaveProperty('batch_input_shape', [null, 3, 2]);
    expect((await loadError(() => readArtifacts(42))).message).toMatch(/expected a saved model \{ modelJSON, weightData \}.*got 42/);
    expect((await loadError(() => readArtifacts({ weights: [] }))).message).toMatch(/got an object with keys weights/);
    expect((await loadError(() => readArtifacts({ modelJSON, weightData: [1, 2] }))).message).toMatch(/expected an ArrayBuffer .* got 1 at \[0\]/);
  });

  it('paths and URLs that cannot be read, and weight files outside the model folder', async () => {
    const missing = join(dir, 'nowhere', 'model.json');
    const error = await loadError(() => readArtifacts(missing));
    expect(error.argument).toBe('path');
    expect(error.message).toMatch(new RegExp(`^loadModel: could not read ${missing.replace(/[\\/.]/g, '\\$&')}: ENOENT`));
    await expect(readBytes(missing, 'test')).rejects.toThrow(/^test: could not read .*model.json: ENOENT: no such file or directory/);
    await expect(readBytes(`${origin}/nowhere/model.json`, 'test')).rejects.toThrow(`test: could not read ${origin}/nowhere/model.json: HTTP 404 Not Found`);
    await expect(readBytes('http://127.0.0.1:1/model.json', 'test')).rejects.toThrow(/^test: could not read http:\/\/127.0.0.1:1\/model.json: fetch failed \(bad port\)$/); // fetch refuses port 1; the reason is in its cause

    const saved = small();
    const folder = writeFiles(saved);
    rmSync(join(folder, 'weights.bin'));
    expect((await loadError(() => readArtifacts(join(folder, 'model.json')))).message).toMatch(/could not read .*weights\.bin: ENOENT/);
    const url = `${origin}${folder.slice(dir.length).split('\\').join('/')}/model.json`;
    expect((await loadError(() => readArtifacts(url))).message).toMatch(/could not read http:.*weights\.bin: HTTP 404/);

    for (const path of ['../weights.bin', '/etc/passwd', 'http://elsewhere/w.bin', 'a/%2e%2e/w.bin', 'sub\\..\\w.bin']) {
      writeFileSync(join(folder, 'model.json'), JSON.stringify({ ...saved.modelJSON, weightsManifest: [{ ...saved.modelJSON.weightsManifest[0], paths: [path] }] }));
      const outside = await loadError(() => readArtifacts(join(folder, 'model.json')));
      expect(outside.argument).toBe('modelJSON.weightsManifest[0].paths[0]');
      expect(outside.message).toMatch(/must be a relative path of plain names/);
    }
    writeFileSync(join(folder, 'model.json'), Uint8Array.of(0xff, 0xfe, 0x00));
    expect((await loadError(() => readArtifacts(join(folder, 'model.json')))).message).toMatch(/is not UTF-8 text/);
  });
});
