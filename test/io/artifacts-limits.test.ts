// Hostile model files (issue 11, items 1, 2, 10, 11): sizes that would allocate before they are
// checked, strings that cost quadratic time, reads without limits, and Keras 3's hard_sigmoid.
// Every refusal is a ModelLoadError, before any Wasm memory is taken and within a second.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arena, layers, loadModel, ModelLoadError, ModelStateError, sequential, type Sequential } from '../../src/index.js';
import { closestName } from '../../src/layers/errors.js';
import { LayerConfigError } from '../../src/layers/errors.js';
import { LIMITS, type ModelJSON } from '../../src/io/artifacts.js';
import { thrown } from '../util/thrown.js';

const dir = mkdtempSync(join(tmpdir(), 'seqwasm-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** LSTM 'enc' (4 units, input [3, 2]) → Dense 'out' (3): the 1.4 KB model.json of the report. */
async function small(): Promise<{ modelJSON: ModelJSON; weightData: ArrayBuffer }> {
  const model = sequential({ seed: 1, layers: [layers.lstm({ units: 4, inputShape: [3, 2], name: 'enc' }), layers.dense({ units: 3, name: 'out' })] });
  const saved = model.save();
  model.dispose();
  return { modelJSON: JSON.parse(JSON.stringify(saved.modelJSON)) as ModelJSON, weightData: saved.weightData };
}

type LayerJson = { class_name: string; config: Record<string, unknown> };
const layerList = (json: ModelJSON) => (json.modelTopology.config as { layers: LayerJson[] }).layers;

/** The ModelLoadError `action` rejects with, and how much Wasm memory and arena it took meanwhile. */
async function refusal(action: () => Promise<unknown>): Promise<{ error: ModelLoadError; grown: number; held: number; ms: number }> {
  const memory = arena().memory;
  const before = memory.buffer.byteLength;
  const inUse = arena().bytesInUse;
  const start = performance.now();
  let error: unknown;
  try {
    await action();
  } catch (caught) {
    error = caught;
  }
  const ms = performance.now() - start;
  expect(error, `expected a ModelLoadError, got ${String(error)}`).toBeInstanceOf(ModelLoadError);
  return { error: error as ModelLoadError, grown: memory.buffer.byteLength - before, held: arena().bytesInUse - inUse, ms };
}

describe('sizes are checked against the weights before anything is allocated', () => {
  const edits: [string, (json: ModelJSON) => void, RegExp][] = [
    ['units 4 → 5000', (json) => (layerList(json)[0].config.units = 5000), /'enc' \(input shape \[null, 3, 2\]\) needs a weight of shape \[2, 20000\] by its config, but the file has no saved weight of that shape/],
    ['units 4 → 10000', (json) => (layerList(json)[0].config.units = 10000), /needs a weight of shape \[2, 40000\]/],
    ['units 4 → 2^40', (json) => (layerList(json)[0].config.units = 2 ** 40), /output shape \[null, 1099511627776\] has a dimension of 1099511627776; at most 16777216/],
    ['dense units 3 → 100000', (json) => (layerList(json)[1].config.units = 100000), /'out' \(input shape \[null, 4\]\) needs a weight of shape \[4, 100000\]/],
    ['input features 2 → 1e6', (json) => (layerList(json)[0].config.batch_input_shape = [null, 3, 1e6]), /needs a weight of shape \[1000000, 16\]/],
    ['sequence length 3 → 2^30', (json) => (layerList(json)[0].config.batch_input_shape = [null, 2 ** 30, 2]), /batch_input_shape \[null, 1073741824, 2\] has a dimension of 1073741824/],
    ['batch 2^31', (json) => (layerList(json)[0].config.batch_input_shape = [2 ** 31, 3, 2]), /has a dimension of 2147483648/],
    ['rank 12', (json) => (layerList(json)[0].config.batch_input_shape = [null, ...new Array(11).fill(1)]), /has rank 12; at most 8/],
  ];
  it.each(edits)('%s', async (_, edit, message) => {
    const { modelJSON, weightData } = await small();
    edit(modelJSON);
    const { error, grown, held } = await refusal(() => loadModel({ modelJSON, weightData }));
    expect(error.message).toMatch(message);
    expect(error.argument).toMatch(/^layers\[\d\]$/);
    expect(grown, 'Wasm memory grew').toBe(0);
    expect(held, 'arena bytes left in use').toBe(0);
  });

  it('an embedding whose vocabulary or width is edited, and a topology with no weights at all', async () => {
    const model = sequential({ seed: 2, layers: [layers.embedding({ inputDim: 10, outputDim: 4, inputShape: [5], maskZero: true, name: 'emb' }), layers.gru({ units: 3, name: 'gru' })] });
    const saved = model.save();
    model.dispose();
    for (const [key, value] of [['input_dim', 10_000_000], ['output_dim', 1_000_000]] as const) {
      const modelJSON = JSON.parse(JSON.stringify(saved.modelJSON)) as ModelJSON;
      layerList(modelJSON)[0].config[key] = value;
      const { error, grown } = await refusal(() => loadModel({ modelJSON, weightData: saved.weightData }));
      expect(error.message).toMatch(/'emb' .* needs a weight of shape/);
      expect(grown).toBe(0);
    }
    // Topology only: a large declared model and no weights is refused before building anything.
    const modelJSON = JSON.parse(JSON.stringify(saved.modelJSON)) as ModelJSON;
    layerList(modelJSON)[1].config.units = 4000;
    modelJSON.weightsManifest = [{ paths: [], weights: [] }];
    const { error, grown } = await refusal(() => loadModel({ modelJSON, weightData: new ArrayBuffer(0) }));
    expect(error.message).toMatch(/'emb' .* needs a weight of shape \[10, 4\] by its config, but the file has no saved weight of that shape \(its 0 weights hold 0 values\)/);
    expect(grown).toBe(0);
  });

  it('caps what all layers declare together', async () => {
    // 64 dense layers of 4096×4096 are 2^30 values: over the cap before any weight is compared.
    const modelJSON = {
      modelTopology: { class_name: 'Sequential', config: { layers: Array.from({ length: 64 }, (_, i) => ({ class_name: 'Dense', config: { units: 4096, name: `d${i}`, ...(i === 0 ? { batch_input_shape: [null, 4096] } : {}) } })) } },
      weightsManifest: [{ paths: [], weights: [{ name: 'd0/kernel', shape: [4096, 4096], dtype: 'float32' }] }],
    };
    const shape = await refusal(() => loadModel({ modelJSON, weightData: new ArrayBuffer(4096 * 4096 * 4) }));
    // d0 matches; d0/bias does not: refused at the first weight the file lacks.
    expect(shape.error.message).toMatch(/'d0' .* needs a weight of shape \[4096\]/);
    modelJSON.weightsManifest[0].weights = [];
    expect(LIMITS.parameters).toBe(2 ** 28);
    const flood = Array.from({ length: 17 }, (_, i) => ({ class_name: 'Dense', config: { units: 4096, name: `d${i}`, ...(i === 0 ? { batch_input_shape: [null, 4096] } : {}) } }));
    (modelJSON.modelTopology.config as { layers: unknown[] }).layers = flood;
    // With the weights of the first 16 (2^28 values) given, the 17th goes over the cap.
    modelJSON.weightsManifest[0].weights = flood.flatMap((l) => [
      { name: `${l.config.name}/kernel`, shape: [4096, 4096], dtype: 'float32' },
      { name: `${l.config.name}/bias`, shape: [4096], dtype: 'float32' },
    ]);
    const tooMany = await refusal(() => loadModel({ modelJSON, weightData: new ArrayBuffer(0) }));
    expect(tooMany.error.message).toMatch(/needs more bytes than the weight data holds/); // the manifest is checked against the bytes first
  });
});

describe('costs bounded by the input size', () => {
  const huge = 'x'.repeat(2 ** 20);

  it('a 1 MB class name, weight name, layer name or key is refused in well under a second', async () => {
    const cases: [string, (json: ModelJSON) => void][] = [
      ['class name', (json) => (layerList(json)[0].class_name = huge)],
      ['weight name', (json) => (json.weightsManifest[0].weights[0].name = huge)],
      ['layer name', (json) => (layerList(json)[0].config.name = huge)],
      ['config key', (json) => (layerList(json)[0].config[huge] = 1)],
    ];
    for (const [what, edit] of cases) {
      const { modelJSON, weightData } = await small();
      edit(modelJSON);
      for (const source of [{ modelJSON, weightData }, { modelJSON: JSON.stringify(modelJSON), weightData }]) {
        const { error, ms } = await refusal(() => loadModel(source));
        expect(error.message, what).toMatch(/is a string of 1048576 characters|has a key of 1048576 characters/);
        expect(error.message.length, `${what}: the message quotes the string`).toBeLessThan(400);
        expect(ms, what).toBeLessThan(1000);
      }
    }
  });

  it('strings under the cap get no quadratic hint either: a 4,000-character class name', async () => {
    const { modelJSON, weightData } = await small();
    layerList(modelJSON)[0].class_name = 'LSTMX'.repeat(800);
    const { error, ms } = await refusal(() => loadModel({ modelJSON, weightData }));
    expect(error.message).toMatch(/is not a layer seqwasm has/);
    expect(error.message).not.toMatch(/did you mean/);
    expect(ms).toBeLessThan(1000);
    layerList(modelJSON)[0].class_name = 'LSMT';
    expect((await refusal(() => loadModel({ modelJSON, weightData }))).error.message).toMatch(/did you mean 'LSTM'/);
  });

  it('option-name hints in API calls are bounded the same way', () => {
    const start = performance.now();
    const error = thrown(() => layers.lstm({ units: 2, [huge]: 1 } as never));
    expect(error).toBeInstanceOf(LayerConfigError);
    expect(error.message.length).toBeLessThan(300);
    expect(closestName(huge, ['units', 'returnSequences'])).toBeUndefined();
    expect(thrown(() => layers.lstm({ units: 2, activation: huge } as never)).message).not.toMatch(/did you mean/);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(closestName('retrunSequences', ['units', 'returnSequences'])).toBe('returnSequences');
  });

  it('nesting, value counts, layer and weight counts', async () => {
    const { modelJSON, weightData } = await small();
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const nested = await refusal(() => loadModel({ modelJSON: { ...modelJSON, userDefinedMetadata: { deep } }, weightData }));
    expect(nested.error.message).toMatch(/nests deeper than 64 levels/);
    const text = JSON.stringify({ ...modelJSON, extra: '['.repeat(5000) + ']'.repeat(5000) }).replace(`"${'['.repeat(5000)}${']'.repeat(5000)}"`, '['.repeat(5000) + ']'.repeat(5000));
    expect((await refusal(() => loadModel({ modelJSON: text, weightData }))).error.message).toMatch(/nests deeper than 64 levels/);
    const wide = await refusal(() => loadModel({ modelJSON: { ...modelJSON, extra: new Array(2 ** 21).fill(0) }, weightData }));
    expect(wide.error.message).toMatch(/more than 262144 values/);
    expect(wide.ms).toBeLessThan(1000);
    const many = JSON.parse(JSON.stringify(modelJSON)) as ModelJSON;
    (many.modelTopology.config as { layers: unknown[] }).layers = new Array(2000).fill(layerList(modelJSON)[1]);
    expect((await refusal(() => loadModel({ modelJSON: many, weightData }))).error.message).toMatch(/the model has 2000 layers; at most 1024/);
    const weights = JSON.parse(JSON.stringify(modelJSON)) as ModelJSON;
    weights.weightsManifest[0].weights = Array.from({ length: 20_000 }, (_, i) => ({ name: `w${i}`, shape: [0], dtype: 'float32' as const }));
    expect((await refusal(() => loadModel({ modelJSON: weights, weightData: new ArrayBuffer(0) }))).error.message).toMatch(/lists 20000 weights; at most 16384/);
  });

  it('many weight names that reduce to one match in linear time', async () => {
    const { modelJSON, weightData } = await small();
    // 16,000 empty weights all named enc/lstm_cell_<i>/x: one key after cell segments are dropped.
    modelJSON.weightsManifest[0].weights.push(...Array.from({ length: 16_000 }, (_, i) => ({ name: `enc/lstm_cell_${i}/kernel`, shape: [0], dtype: 'float32' as const, group: 'model' as const })));
    const { error, ms } = await refusal(() => loadModel({ modelJSON, weightData }));
    expect(error.message).toMatch(/saved weights .* all match enc\/kernel|not yet matched|no layer of the model has/);
    expect(ms).toBeLessThan(1000);
  });
});

describe('loadModel(path | URL) within limits', () => {
  let server: Server;
  let other: Server;
  let origin: string;
  let otherOrigin: string;
  const otherRequests: string[] = [];
  const routes = new Map<string, (request: IncomingMessage, response: ServerResponse) => void>();
  let saved: { modelJSON: ModelJSON; weightData: ArrayBuffer };

  const listen = async (s: Server) => {
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  };
  const file = (body: string | Uint8Array) => (_: IncomingMessage, response: ServerResponse) => response.end(body);

  beforeAll(async () => {
    saved = await small();
    server = createServer((request, response) => {
      const route = routes.get(request.url!);
      if (route) return route(request, response);
      response.statusCode = 404;
      response.end();
    });
    other = createServer((request, response) => {
      otherRequests.push(request.url!);
      response.end(new Uint8Array(saved.weightData));
    });
    origin = await listen(server);
    otherOrigin = await listen(other);
    routes.set('/m/model.json', file(JSON.stringify(saved.modelJSON)));
    routes.set('/m/weights.bin', file(new Uint8Array(saved.weightData)));
  });
  afterAll(() => {
    server.close();
    other.close();
  });

  it('rejects unknown and mistyped options, naming the key', async () => {
    const { modelJSON, weightData } = saved;
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ maxByte: 10 }, 'maxByte', /"maxByte" is not an option of loadModel .*did you mean 'maxBytes'\?/],
      [{ maxBytes: '100' }, 'maxBytes', /maxBytes must be a positive integer/],
      [{ maxBytes: 0 }, 'maxBytes', /maxBytes must be a positive integer/],
      [{ signal: {} }, 'signal', /signal must be an AbortSignal, got a object/],
      [{ timeout: -1 }, 'timeout', /timeout must be a positive number of milliseconds, got -1/],
      [{ compile: 'yes' }, 'compile', /compile must be true or false/],
      [{ seed: 1.5 }, 'seed', /seed must be a safe integer, got 1.5/],
    ];
    for (const [options, key, message] of cases) {
      const { error } = await refusal(() => loadModel({ modelJSON, weightData }, options as never));
      expect(error.argument).toBe(key);
      expect(error.message).toMatch(message);
    }
  });

  it('refuses devices, FIFOs and directories without reading them', async () => {
    const fifo = join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    for (const [path, kind] of [['/dev/zero', /a device, FIFO or socket/], [fifo, /a device, FIFO or socket/], [dir, /a directory/]] as const) {
      const { error, ms } = await refusal(() => loadModel(path));
      expect(error.message).toMatch(/is not a regular file/);
      expect(error.message).toMatch(kind);
      expect(ms).toBeLessThan(1000);
    }
    // A weight file named by model.json is held to the same rule.
    const folder = mkdtempSync(join(dir, 'dev-'));
    writeFileSync(join(folder, 'model.json'), JSON.stringify({ ...saved.modelJSON, weightsManifest: [{ ...saved.modelJSON.weightsManifest[0], paths: ['fifo'] }] }));
    execFileSync('mkfifo', [join(folder, 'fifo')]);
    expect((await refusal(() => loadModel(join(folder, 'model.json')))).error.message).toMatch(/fifo: is not a regular file/);
  });

  it('caps the bytes read, by default and by maxBytes, before reading what a file or server declares', async () => {
    const folder = mkdtempSync(join(dir, 'big-'));
    writeFileSync(join(folder, 'model.json'), JSON.stringify(saved.modelJSON));
    writeFileSync(join(folder, 'weights.bin'), new Uint8Array(saved.weightData));
    const path = join(folder, 'model.json');
    const model = await loadModel(path, { maxBytes: 10_000 });
    model.dispose();
    const json = JSON.stringify(saved.modelJSON).length;
    expect((await refusal(() => loadModel(path, { maxBytes: 100 }))).error.message).toMatch(/model\.json: is larger than the 100 bytes allowed \(the file has \d+ bytes\)/);
    expect((await refusal(() => loadModel(path, { maxBytes: json + 10 }))).error.message).toMatch(/weights\.bin: is larger than the 10 bytes allowed/);
    const url = `${origin}/m/model.json`;
    (await loadModel(url)).dispose();
    expect((await refusal(() => loadModel(url, { maxBytes: 100 }))).error.message).toMatch(/is larger than the 100 bytes allowed \(its Content-Length is \d+\)/);
    // A body with no Content-Length is cut off as soon as it passes the cap.
    let sent = 0;
    routes.set('/endless/model.json', (_, response) => {
      const more = () => {
        sent += 65536;
        if (sent > 2 ** 26 || !response.write(new Uint8Array(65536).fill(32))) return;
        setImmediate(more);
      };
      response.on('drain', more);
      more();
      response.on('close', () => (sent = Infinity));
    });
    const endless = await refusal(() => loadModel(`${origin}/endless/model.json`, { maxBytes: 2 ** 20 }));
    expect(endless.error.message).toMatch(/is larger than the 1048576 bytes allowed \(the body is longer\)/);
    expect(LIMITS.modelJsonBytes).toBe(4 * 2 ** 20);
  });

  it('aborts on a signal or a timeout', async () => {
    routes.set('/slow/model.json', () => {}); // never answers
    const timed = await refusal(() => loadModel(`${origin}/slow/model.json`, { timeout: 100 }));
    expect(timed.error.message).toMatch(/timed out after 100 ms/);
    expect(timed.ms).toBeLessThan(1000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect((await refusal(() => loadModel(`${origin}/slow/model.json`, { signal: controller.signal }))).error.message).toMatch(/the read was aborted/);
    expect((await refusal(() => loadModel(`${origin}/m/model.json`, { signal: AbortSignal.abort() }))).error.message).toMatch(/the read was aborted/);
  });

  it('follows redirects of weight files only within the origin of model.json', async () => {
    const manifest = (path: string) => JSON.stringify({ ...saved.modelJSON, weightsManifest: [{ ...saved.modelJSON.weightsManifest[0], paths: [path] }] });
    const redirect = (to: string) => (_: IncomingMessage, response: ServerResponse) => {
      response.writeHead(302, { location: to });
      response.end();
    };
    routes.set('/r/model.json', file(manifest('same.bin')));
    routes.set('/r/same.bin', redirect('/m/weights.bin'));
    (await loadModel(`${origin}/r/model.json`)).dispose();
    routes.set('/x/model.json', file(manifest('away.bin')));
    routes.set('/x/away.bin', redirect(`${otherOrigin}/weights.bin`));
    const away = await refusal(() => loadModel(`${origin}/x/model.json`));
    expect(away.error.message).toMatch(new RegExp(`HTTP 302 redirects to ${otherOrigin}; files named by a model file follow only redirects within ${origin}`));
    expect(otherRequests, 'the other origin was asked').toEqual([]);
  });

  it('describes a file it cannot parse without quoting it', async () => {
    const folder = mkdtempSync(join(dir, 'secret-'));
    writeFileSync(join(folder, 'model.json'), 'SECRET-TOKEN-0123456789 and more text that is not JSON');
    const { error } = await refusal(() => loadModel(join(folder, 'model.json')));
    expect(error.message).toMatch(/secret-\w+[/\\]model\.json is not valid JSON \(54 characters, not starting with \{ or \[\)/);
    expect(error.message).not.toMatch(/SECRET/);
    writeFileSync(join(folder, 'model.json'), '{"modelTopology": SECRET}');
    expect((await refusal(() => loadModel(join(folder, 'model.json')))).error.message).not.toMatch(/SECRET/);
  });
});

describe('a loaded model whose finite weights overflow', () => {
  it('refuses to predict Infinity, naming the element', async () => {
    const dense = sequential({ layers: [layers.dense({ units: 3, inputShape: [2], name: 'd' })] });
    const { modelJSON, weightData } = dense.save();
    dense.dispose();
    new Float32Array(weightData).fill(3e38, 0, 6); // d/kernel (2, 3): every output is 3e38 + 3e38
    const model = await loadModel({ modelJSON, weightData });
    const error = thrown(() => model.predict({ shape: [1, 2], data: Float32Array.of(1, 1) }));
    expect(error).toBeInstanceOf(ModelStateError);
    expect(error.message).toMatch(/^sequential\w*: predict\(\) output\[0\]\[0\] is Infinity: the model's weights or the input overflow float32$/);
    model.dispose();
  });
});

describe("hard_sigmoid follows the file's Keras version", () => {
  const x = { shape: [2, 3, 2], data: Float32Array.from({ length: 12 }, (_, i) => (i - 6) * 0.9) };

  async function saved(recurrentActivation: 'hardSigmoid' | 'hardSigmoidKeras3', activation: 'hardSigmoid' | 'hardSigmoidKeras3') {
    const model = sequential({ seed: 3, layers: [layers.lstm({ units: 4, inputShape: [3, 2], recurrentActivation, name: 'enc' }), layers.dense({ units: 3, activation, name: 'out' })] });
    const result = { saved: model.save(), prediction: model.predict(x).data };
    model.dispose();
    return result;
  }

  async function predictions(model: Sequential): Promise<Float32Array> {
    const data = model.predict(x).data;
    model.dispose();
    return data;
  }

  it("reads 'hard_sigmoid' as Keras 3's relu6(x + 3)/6 in a Keras 3 file and as clip(0.2x + 0.5) otherwise", async () => {
    const keras3 = await saved('hardSigmoidKeras3', 'hardSigmoidKeras3');
    const tfjs = await saved('hardSigmoid', 'hardSigmoid');
    expect(tfjs.prediction).not.toEqual(keras3.prediction);
    for (const [version, expected] of [['3.6.0', keras3], ['2.15.0', tfjs], ['tfjs-layers 4.22.0', tfjs]] as const) {
      const modelJSON = JSON.parse(JSON.stringify(expected.saved.modelJSON)) as ModelJSON;
      modelJSON.modelTopology.keras_version = version;
      layerList(modelJSON)[0].config.recurrent_activation = 'hard_sigmoid';
      layerList(modelJSON)[1].config.activation = 'hard_sigmoid';
      const model = await loadModel({ modelJSON, weightData: expected.saved.weightData });
      const enc = model.layers[0] as layers.LSTM;
      expect(enc.settings.recurrentActivation, version).toBe(version.startsWith('3.') ? 'hardSigmoidKeras3' : 'hardSigmoid');
      expect(await predictions(model), version).toEqual(expected.prediction);
    }
  });

  it('a wrapped layer in a Keras 3 file too; and each name saves as something that loads back the same', async () => {
    const model = sequential({ seed: 4, layers: [layers.bidirectional(layers.gru({ units: 2, recurrentActivation: 'hardSigmoidKeras3' }), { inputShape: [3, 2] })] });
    const prediction = model.predict(x).data;
    const { modelJSON, weightData } = model.save();
    model.dispose();
    const json = JSON.parse(JSON.stringify(modelJSON)) as ModelJSON;
    expect((layerList(json)[0].config.layer as LayerJson).config.recurrent_activation).toBe('hardSigmoidKeras3');
    expect(await predictions(await loadModel({ modelJSON: json, weightData }))).toEqual(prediction);
    (layerList(json)[0].config.layer as LayerJson).config.recurrent_activation = 'hard_sigmoid';
    json.modelTopology.keras_version = '3.0.1';
    expect(await predictions(await loadModel({ modelJSON: json, weightData }))).toEqual(prediction);
    const tfjs = await saved('hardSigmoid', 'hardSigmoid');
    expect(layerList(tfjs.saved.modelJSON)[0].config.recurrent_activation).toBe('hard_sigmoid');
    expect(await predictions(await loadModel(tfjs.saved))).toEqual(tfjs.prediction);
  });
});
