// A model-file fuzzer (issue 11): saved models of several kinds, mutated structurally (numbers,
// strings and types changed, keys deleted or duplicated, deep nesting, huge strings and arrays),
// byte by byte (weights.bin and model.json) and by size lies (shapes, units, input shapes), then
// loaded from objects, JSON text and files. Every case must end in a loaded model that predicts
// finite values or refuses with a typed error, or in a ModelLoadError; none may take over a
// second or grow Wasm memory by more than a small multiple of the file's own size.
// 2,000 cases in CI, 50,000 with SEQWASM_LONG=1; SEQWASM_TEST_SEED=<seed> replays a run, and a
// failing case prints its own seed (SEQWASM_FUZZ_CASE=<case seed> replays just that case).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arena, Arena, layers, loadModel, ModelError, ModelLoadError, sequential, type Sequential } from '../../src/index.js';
import { LayerError } from '../../src/layers/errors.js';
import type { SavedModel } from '../../src/io/artifacts.js';
import { ALLOWANCE, CASES, GROWTH_PER_BYTE, LONG, MAX_MS, mutateBytes, pick, type Random } from '../util/fuzz.js';
import { rng, testSeed } from '../util/random.js';

const seed = testSeed();

// ---- the models --------------------------------------------------------------------------

const [B, T, F] = [2, 4, 3];

interface Kind {
  name: string;
  make: () => Sequential;
  /** Sequence input of ids (embedding) rather than features. */
  ids?: boolean;
}

const KINDS: Kind[] = [
  { name: 'simpleRNN → dense', make: () => sequential({ seed: 1, layers: [layers.simpleRNN({ units: 4, inputShape: [T, F] }), layers.dense({ units: 2 })] }) },
  { name: 'lstm sequence → timeDistributed(dense)', make: () => sequential({ seed: 2, layers: [layers.lstm({ units: 3, returnSequences: true, inputShape: [T, F] }), layers.timeDistributed(layers.dense({ units: 2, activation: 'softmax' }))] }) },
  { name: 'gru resetAfter → dense', make: () => sequential({ seed: 3, layers: [layers.gru({ units: 3, resetAfter: true, inputShape: [T, F] }), layers.dense({ units: 2, activation: 'sigmoid' })] }) },
  { name: 'gru resetAfter false (hardSigmoid) → dense', make: () => sequential({ seed: 4, layers: [layers.gru({ units: 3, resetAfter: false, recurrentActivation: 'hardSigmoid', inputShape: [T, F] }), layers.dense({ units: 2 })] }) },
  { name: 'bidirectional lstm → dense', make: () => sequential({ seed: 5, layers: [layers.bidirectional(layers.lstm({ units: 2 }), { inputShape: [T, F] }), layers.dense({ units: 2, activation: 'tanh' })] }) },
  { name: 'embedding maskZero → lstm → dense', ids: true, make: () => sequential({ seed: 6, layers: [layers.embedding({ inputDim: 7, outputDim: 3, maskZero: true, inputShape: [T] }), layers.lstm({ units: 3 }), layers.dense({ units: 7, activation: 'softmax' })] }) },
  { name: 'lstm(48) → dense (a larger file)', make: () => sequential({ seed: 8, layers: [layers.lstm({ units: 48, inputShape: [T, F] }), layers.dense({ units: 5 })] }) },
  { name: 'masking → timeDistributed(dense relu) → dense', make: () => sequential({ seed: 7, layers: [layers.masking({ inputShape: [T, F] }), layers.timeDistributed(layers.dense({ units: 4, activation: 'relu' })), layers.dense({ units: 2 })] }) },
];

function input(kind: Kind): { shape: number[]; data: Float32Array } {
  const random = rng(99);
  const data = Float32Array.from({ length: kind.ids ? B * T : B * T * F }, () => (kind.ids ? Math.floor(random() * 7) : random() * 2 - 1));
  return { shape: kind.ids ? [B, T] : [B, T, F], data };
}

/** Each kind saved untrained, and trained for one step with its optimizer state. */
async function artifacts(): Promise<{ kind: Kind; saved: { json: string; weights: Uint8Array } }[]> {
  const all: { kind: Kind; saved: { json: string; weights: Uint8Array } }[] = [];
  for (const kind of KINDS) {
    for (const trained of [false, true]) {
      const model = kind.make();
      if (trained) {
        model.compile({ optimizer: kind.ids ? 'adam' : 'rmsprop', loss: 'meanSquaredError' });
        const x = input(kind);
        const y = model.predict(x);
        await model.fit(x, { shape: y.shape, data: y.data.map((v) => v * 0.5) }, { epochs: 1, batchSize: B, verbose: 0 });
      } else model.build(kind.ids ? [null, T] : [null, T, F]);
      const saved: SavedModel = model.save();
      model.dispose();
      all.push({ kind, saved: { json: JSON.stringify(saved.modelJSON), weights: new Uint8Array(saved.weightData) } });
    }
  }
  return all;
}

// ---- mutations ---------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const HUGE_STRING = 'n'.repeat(2 ** 20);
const NUMBERS = [0, -1, 1, 2, 3, 4, 5, 0.5, -0.5, 1e-30, 255, 4096, 5000, 10000, 65536, 2 ** 24, 2 ** 24 + 1, 2 ** 31, 2 ** 32, 2 ** 53, 1e300, -1e300];
const STRINGS = ['', 'x', 'LSTM', 'GRU', 'Dense', 'hard_sigmoid', 'float16', 'int32', 'optimizer', 'model', '../weights.bin', 'lstm/kernel', '__proto__', '3.1.0', 'softmax'];

/** Every [container, key] in the JSON tree, so a mutation can pick any of them (not inside arrays a mutation made huge). */
function slots(root: Json): [Record<string, Json> | Json[], string | number][] {
  const out: [Record<string, Json> | Json[], string | number][] = [];
  const walk = (node: Json) => {
    if (Array.isArray(node)) node.length <= 1000 && node.forEach((item, i) => (out.push([node, i]), walk(item)));
    else if (node !== null && typeof node === 'object') for (const key of Object.keys(node)) (out.push([node, key]), walk(node[key]));
  };
  walk(root);
  return out;
}

function randomValue(random: Random, current: Json): Json {
  switch (Math.floor(random() * 10)) {
    case 0:
      return pick(random, NUMBERS);
    case 1:
      return typeof current === 'number' ? current * pick(random, [2, 10, 1000, -1, 0.5]) + pick(random, [0, 1, -1]) : pick(random, NUMBERS);
    case 2:
      return pick(random, STRINGS);
    case 3:
      return pick(random, [null, true, false, [], {}]);
    case 4: {
      let deep: Json = 1;
      for (let i = 0, n = pick(random, [50, 70, 1000]); i < n; i++) deep = [deep];
      return deep;
    }
    case 5:
      return HUGE_STRING;
    case 6:
      return new Array(pick(random, [1000, 300_000, 1_100_000])).fill(random() < 0.5 ? 0 : 'w');
    case 7:
      return Array.isArray(current) ? [...current, ...current] : [current, current];
    case 8:
      return typeof current === 'string' ? current + pick(random, ['_1', '/kernel', ':0', '/lstm_cell/kernel']) : String(current);
    default:
      return Array.isArray(current) && current.length > 0 ? current.slice(0, -1) : { value: current };
  }
}

/** Structural mutations of the parsed JSON, in place. */
function mutateJson(random: Random, root: Json): void {
  for (let m = 0, n = 1 + Math.floor(random() * 3); m < n; m++) {
    const all = slots(root);
    const [container, key] = pick(random, all);
    const roll = random();
    if (roll < 0.15 && !Array.isArray(container)) delete container[key as string];
    else if (roll < 0.22 && Array.isArray(container)) container.splice(key as number, 1);
    else if (roll < 0.3 && !Array.isArray(container)) container[`${key}${pick(random, ['', '_', 'X'])}2`] = container[key as string];
    else (container as Record<string, Json>)[key as string] = randomValue(random, (container as Record<string, Json>)[key as string]);
  }
}

/** Size lies: one number of a shape, a unit count or an input shape changed. */
function lieAboutSizes(random: Random, root: Json): void {
  const numeric = slots(root).filter(([container, key]) => typeof (container as Record<string, Json>)[key as string] === 'number');
  if (numeric.length === 0) return;
  const [container, key] = pick(random, numeric);
  const value = (container as Record<string, number>)[key as string];
  (container as Record<string, number>)[key as string] = pick(random, [value + 1, value - 1, value * 2, value * 1000, 5000, 10000, 2 ** 20, 2 ** 31, 0]);
}

/**
 * The text of `json` with a key (one of its own) added as the last of some object, so that a
 * key already there is written twice and the new value wins; one time in ten that value is
 * nested 100,000 deep.
 */
function duplicateKey(random: Random, text: string): string {
  const keys = [...text.matchAll(/"(\w+)":/g)].map((m) => m[1]);
  const ends = [...text.matchAll(/}/g)].map((m) => m.index);
  if (keys.length === 0 || ends.length === 0) return text;
  const at = pick(random, ends);
  const value = random() < 0.1 ? `${'['.repeat(100_000)}${']'.repeat(100_000)}` : pick(random, ['1', '-1', '5000', '"x"', 'null', '[]', '{}', '[1, 2]', '1e999']);
  return `${text.slice(0, at)}, "${pick(random, keys)}": ${value}${text.slice(at)}`;
}

interface Case {
  kind: Kind;
  how: string;
  /** What loadModel is given. */
  source: unknown;
  /** The bytes of the files (model.json and weights.bin). */
  fileBytes: number;
  /** The folder the files were written to, when loaded by path (removed after the case). */
  folder?: string;
}

const dir = mkdtempSync(join(tmpdir(), 'seqwasm-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function makeCase(caseSeed: number, base: { kind: Kind; saved: { json: string; weights: Uint8Array } }[]): Case {
  const random = rng(caseSeed);
  const { kind, saved } = pick(random, base);
  let json = saved.json;
  let weights = saved.weights;
  const roll = random();
  let how: string;
  if (roll < 0.4) {
    const parsed = JSON.parse(json) as Json;
    mutateJson(random, parsed);
    json = JSON.stringify(parsed);
    how = 'json structure';
  } else if (roll < 0.55) {
    const parsed = JSON.parse(json) as Json;
    lieAboutSizes(random, parsed);
    json = JSON.stringify(parsed);
    how = 'size lie';
  } else if (roll < 0.75) {
    weights = mutateBytes(random, weights);
    how = 'weights.bin bytes';
  } else if (roll < 0.87) {
    json = new TextDecoder().decode(mutateBytes(random, new TextEncoder().encode(json)));
    how = 'model.json bytes';
  } else {
    json = duplicateKey(random, json);
    how = 'duplicate key or deep text';
  }
  const fileBytes = new TextEncoder().encode(json).length + weights.length;
  const form = random();
  let source: unknown;
  let folder: string | undefined;
  if (form < 0.05) {
    folder = mkdtempSync(join(dir, 'm-'));
    writeFileSync(join(folder, 'model.json'), json);
    writeFileSync(join(folder, 'weights.bin'), weights);
    source = join(folder, 'model.json');
  } else if (form < 0.5) source = { modelJSON: json, weightData: weights.slice().buffer };
  else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      parsed = json; // not JSON any more: given as text
    }
    source = { modelJSON: parsed, weightData: weights.slice().buffer };
  }
  return { kind, how, source, fileBytes, folder };
}

// ---- the run -----------------------------------------------------------------------------

type Outcome = 'refused on load' | 'loaded, predicts finite' | 'loaded, predict refused';

/** Arena bytes allocated at the peak of `run`, above what was in use when it started. */
async function peakAllocation<T>(run: () => Promise<T>): Promise<{ result: T; peak: number }> {
  // Every allocation goes through allocMany; the peak is the most bytes in use above the start.
  const allocMany = Arena.prototype.allocMany;
  const base = arena().bytesInUse;
  let peak = 0;
  Arena.prototype.allocMany = function (this: Arena, lengths: readonly number[]) {
    const regions = allocMany.call(this, lengths);
    peak = Math.max(peak, this.bytesInUse - base);
    return regions;
  };
  try {
    return { result: await run(), peak };
  } finally {
    Arena.prototype.allocMany = allocMany;
  }
}

describe('model-file fuzzer', () => {
  it(`${CASES} mutated model files: ModelLoadError or a working model, each within ${MAX_MS} ms and bounded memory`, async () => {
    const base = await artifacts();
    const outcomes = new Map<string, number>();
    const slowest = { ms: 0, seed: 0, how: '' };
    /** The case with the largest arena peak, and the one with the largest peak per byte of its files. */
    const largest = { bytes: 0, fileBytes: 0, seed: 0, how: '', memoryGrowth: 0 };
    const densest = { ratio: 0, bytes: 0, fileBytes: 0, seed: 0, how: '' };
    let making = 0;
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const fixed = process.env.SEQWASM_FUZZ_CASE;
    for (let i = 0; i < CASES; i++) {
      const caseSeed = fixed !== undefined ? Number(fixed) >>> 0 : (seed + Math.imul(i, 0x9e3779b1)) >>> 0;
      const replay = `case seed ${caseSeed} (replay with SEQWASM_FUZZ_CASE=${caseSeed}; run seed ${seed})`;
      const made = performance.now();
      const c = makeCase(caseSeed, base);
      making += performance.now() - made;
      const memoryBefore = arena().memory.buffer.byteLength;
      const inUse = arena().bytesInUse;
      const start = performance.now();
      const { result: outcome, peak } = await peakAllocation(async (): Promise<Outcome> => {
        let model: Sequential;
        try {
          model = await loadModel(c.source);
        } catch (error) {
          if (error instanceof ModelLoadError) {
            if (fixed !== undefined) console.log(`replayed ${c.how} (${c.kind.name}, files of ${c.fileBytes} bytes): ${error.message.slice(0, 300)}`);
            return 'refused on load';
          }
          throw new Error(`${c.how} (${c.kind.name}): loadModel threw ${(error as Error)?.name}: ${(error as Error)?.message?.slice(0, 300)}; ${replay}`, { cause: error });
        }
        try {
          const prediction = model.predict(input(c.kind));
          const bad = prediction.data.findIndex((v) => !Number.isFinite(v));
          if (bad >= 0) throw new Error(`${c.how} (${c.kind.name}): loaded, but predict gave ${prediction.data[bad]} at ${bad}; ${replay}`);
          return 'loaded, predicts finite';
        } catch (error) {
          if (error instanceof ModelError || error instanceof LayerError) return 'loaded, predict refused';
          throw error;
        } finally {
          model.dispose();
        }
      });
      const ms = performance.now() - start;
      if (c.folder) rmSync(c.folder, { recursive: true, force: true });
      const growth = arena().memory.buffer.byteLength - memoryBefore;
      count(`${outcome} (${c.how})`);
      if (ms > slowest.ms) Object.assign(slowest, { ms, seed: caseSeed, how: `${c.how}, ${c.kind.name}` });
      if (peak > largest.bytes) Object.assign(largest, { bytes: peak, fileBytes: c.fileBytes, seed: caseSeed, how: `${c.how}, ${c.kind.name}`, memoryGrowth: growth });
      if (peak / c.fileBytes > densest.ratio) Object.assign(densest, { ratio: peak / c.fileBytes, bytes: peak, fileBytes: c.fileBytes, seed: caseSeed, how: `${c.how}, ${c.kind.name}` });
      expect(ms, `took ${ms.toFixed(0)} ms: ${c.how} (${c.kind.name}); ${replay}`).toBeLessThan(MAX_MS);
      expect(peak, `allocated ${peak} bytes for files of ${c.fileBytes}: ${c.how} (${c.kind.name}); ${replay}`).toBeLessThanOrEqual(GROWTH_PER_BYTE * c.fileBytes + ALLOWANCE);
      expect(growth, `Wasm memory grew ${growth} bytes for files of ${c.fileBytes}; ${replay}`).toBeLessThanOrEqual(GROWTH_PER_BYTE * c.fileBytes + ALLOWANCE);
      expect(arena().bytesInUse, `arena bytes left in use after dispose; ${replay}`).toBe(inUse);
    }
    const summary = [...outcomes].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, n]) => `  ${key}: ${n}`).join('\n');
    console.log(
      `model-file fuzzer: ${CASES} cases (seed ${seed}), ${base.length} base files\n${summary}\n` +
        `  slowest: ${slowest.ms.toFixed(1)} ms (${slowest.how}, case seed ${slowest.seed})\n` +
        `  largest arena peak: ${largest.bytes} bytes for files of ${largest.fileBytes} bytes, Wasm memory grew ${largest.memoryGrowth} (${largest.how}, case seed ${largest.seed})\n` +
        `  largest peak per file byte: ${densest.ratio.toFixed(2)} (${densest.bytes} bytes for ${densest.fileBytes}; ${densest.how}, case seed ${densest.seed})\n` +
        `  making the cases: ${(making / 1000).toFixed(1)} s`,
    );
  }, LONG ? 3_600_000 : 120_000);
});
