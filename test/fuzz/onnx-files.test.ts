// An ONNX-file fuzzer (issue 15, in the style of model-files.test.ts): the PyTorch / tf2onnx
// fixtures and seqwasm's own exports, mutated structurally (the protobuf tree decoded, then
// numbers changed to size lies, fields deleted or duplicated, floats made NaN, huge strings,
// deep nesting) and byte by byte (flips, truncation, garbage appended), then given to loadONNX.
// Every case must end in a model that predicts finite values (or refuses its input with a
// typed error) or in a ModelLoadError; none may take over a second or grow Wasm memory by more
// than a small multiple of the file's size.
// 2,000 cases in CI, 50,000 with SEQWASM_LONG=1; SEQWASM_TEST_SEED=<seed> replays a run, and a
// failing case prints its own seed (SEQWASM_FUZZ_CASE=<case seed> replays just that case).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arena, layers, loadONNX, ModelError, ModelLoadError, sequential, type Sequential } from '../../src/index.js';
import { writeONNX } from '../../src/io/onnx-graph.js';
import { LayerError } from '../../src/layers/errors.js';
import { bytesField, concat, floatField, intField, readFields } from '../../src/io/protobuf.js';
import { ALLOWANCE, CASES, GROWTH_PER_BYTE, LONG, MAX_MS, mutateBytes, pick, type Random } from '../util/fuzz.js';
import { rng, testSeed } from '../util/random.js';

const seed = testSeed();
const FIXTURES = join(__dirname, '..', 'fixtures', 'onnx');
const [B, T, F] = [2, 4, 3];

/** The fixtures (refused ones too: their mutations must still be refused cleanly) and seqwasm exports of kinds loadONNX reads. */
function baseFiles(): { name: string; bytes: Uint8Array }[] {
  const files: { name: string; bytes: Uint8Array }[] = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.onnx'))
    .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(FIXTURES, f))) }));
  const exported: [string, () => Sequential][] = [
    ['export lstm → dense softmax', () => sequential({ seed: 1, layers: [layers.lstm({ units: 3, inputShape: [null, F] }), layers.dense({ units: 2, activation: 'softmax' })] })],
    ['export bidirectional gru sequences → lstm → dense', () => sequential({ seed: 2, layers: [layers.bidirectional(layers.gru({ units: 2, returnSequences: true }), { inputShape: [null, F] }), layers.lstm({ units: 2 }), layers.dense({ units: 2 })] })],
  ];
  for (const [name, make] of exported) {
    const model = make();
    model.build();
    files.push({ name, bytes: writeONNX(model) });
    model.dispose();
  }
  return files;
}

const NUMBERS = [0, -1, 1, 2, 3, 4, 7, 13, 255, 4096, 65536, 2 ** 24, 2 ** 24 + 1, 2 ** 28, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -(2 ** 31)];

/** A protobuf field decoded as a tree: length-delimited contents that parse as a message are children. */
interface Node {
  field: number;
  wireType: number;
  value: number;
  bytes?: Uint8Array;
  children?: Node[];
}

function decode(bytes: Uint8Array, depth: number): Node[] | undefined {
  try {
    const nodes = [...readFields(bytes)].map((f): Node => ({ field: f.field, wireType: f.wireType, value: f.value, bytes: f.wireType === 2 ? f.bytes : undefined }));
    if (depth < 8) for (const node of nodes) if (node.bytes && node.bytes.length > 1) node.children = decode(node.bytes, depth + 1);
    return nodes;
  } catch {
    return undefined;
  }
}

function encode(nodes: readonly Node[]): Uint8Array {
  return concat(
    nodes.map((n) => {
      if (n.wireType === 0) return intField(n.field, Number.isSafeInteger(n.value) ? n.value : 0);
      if (n.wireType === 5) return floatField(n.field, n.value);
      if (n.wireType === 1) return fixed64(n.field, n.value);
      return bytesField(n.field, n.children ? encode(n.children) : n.bytes!);
    }),
  );
}

function fixed64(field: number, value: number): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = field * 8 + 1; // fields here are < 16
  new DataView(out.buffer).setFloat64(1, value, true);
  return out;
}

/** Every node with its parent list. */
function slots(nodes: Node[], out: [Node[], number][] = []): [Node[], number][] {
  nodes.forEach((node, i) => {
    out.push([nodes, i]);
    if (node.children) slots(node.children, out);
  });
  return out;
}

function mutateTree(random: Random, root: Node[]): string {
  const all = slots(root);
  const [list, i] = pick(random, all);
  const node = list[i];
  const roll = random();
  if (roll < 0.3 && node.wireType === 0) {
    node.value = pick(random, NUMBERS);
    return 'size lie';
  }
  if (roll < 0.4) {
    list.splice(i, 1);
    return 'field deleted';
  }
  if (roll < 0.5) {
    // At most ~1 MiB of copies and a file of at most ~4 MiB, so a case stays quick to make and
    // read (repeating a field whose parent was repeated multiplies: unchecked, a case reached
    // 75 MB, and past 2 GiB encode() itself threw).
    const size = encode([node]).length;
    const room = Math.max(0, 4 * 2 ** 20 - encode(root).length);
    const copies = Math.min(pick(random, [1, 2, 100, 5000]), Math.max(1, Math.floor(Math.min(2 ** 20, room) / size)));
    // Copies, not the same object: a later mutation inside one copy must not change them all.
    list.splice(i, 0, ...Array.from({ length: copies }, () => cloneNode(node)));
    return 'field repeated';
  }
  if (roll < 0.6 && node.bytes && !node.children) {
    // Raw tensor data or a name: NaN / Inf floats, or a huge string.
    const bytes = node.bytes.slice();
    if (random() < 0.5 && bytes.length >= 4) new DataView(bytes.buffer).setFloat32(4 * Math.floor(random() * Math.floor(bytes.length / 4)), pick(random, [NaN, Infinity, -Infinity, 3e38]), true);
    node.bytes = random() < 0.8 ? bytes : new Uint8Array(2 ** 20).fill(0x6e);
    return 'contents';
  }
  if (roll < 0.7 && node.children) {
    // Deep nesting: the message wrapped in itself.
    let wrapped: Node = node;
    for (let k = 0, n = pick(random, [10, 100, 1000]); k < n; k++) wrapped = { field: node.field, wireType: 2, value: 0, children: [wrapped] };
    list[i] = wrapped;
    return 'deep nesting';
  }
  if (roll < 0.85 && node.children && node.children.length > 1) {
    node.children.reverse();
    return 'fields reordered';
  }
  node.field = pick(random, [1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 20]);
  return 'field renumbered';
}

/**
 * A deep copy of a node's tree, made without recursion: after 'deep nesting' a tree can be
 * thousands of levels deep, past what structuredClone's recursion takes (it threw RangeError:
 * Maximum call stack size exceeded). Byte arrays are shared: mutations replace them, never
 * write into them.
 */
function cloneNode(node: Node): Node {
  const copy = { ...node };
  const pending = [copy];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (!next.children) continue;
    next.children = next.children.map((child) => ({ ...child }));
    pending.push(...next.children);
  }
  return copy;
}

/** A mutated file: which base file, the mutations made, the bytes loadONNX is given. */
function makeCase(caseSeed: number, base: { name: string; bytes: Uint8Array }[]): { base: string; how: string; bytes: Uint8Array } {
  const random = rng(caseSeed);
  const file = pick(random, base);
  let bytes: Uint8Array;
  let how: string;
  if (random() < 0.6) {
    const tree = decode(file.bytes, 0)!;
    const hows: string[] = [];
    for (let m = 0, n = 1 + Math.floor(random() * 3); m < n; m++) hows.push(mutateTree(random, tree));
    bytes = encode(tree);
    how = hows.join(' + ');
  } else {
    bytes = mutateBytes(random, file.bytes);
    how = 'bytes';
  }
  return { base: file.name, how, bytes };
}

describe('ONNX-file fuzzer', () => {
  it(`${CASES} mutated ONNX files: ModelLoadError or a working model, each within ${MAX_MS} ms and bounded memory`, async () => {
    const base = baseFiles();
    for (const file of base) expect(decode(file.bytes, 0), file.name).toBeDefined();
    const outcomes = new Map<string, number>();
    const slowest = { ms: 0, seed: 0, how: '' };
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const fixed = process.env.SEQWASM_FUZZ_CASE;
    const x = { shape: [B, T, F], data: Float32Array.from({ length: B * T * F }, (_, i) => Math.sin(i)) };
    for (let i = 0; i < CASES; i++) {
      const caseSeed = fixed !== undefined ? Number(fixed) >>> 0 : (seed + Math.imul(i, 0x9e3779b1)) >>> 0;
      const replay = `case seed ${caseSeed} (replay with SEQWASM_FUZZ_CASE=${caseSeed}; run seed ${seed})`;
      const c = makeCase(caseSeed, base);
      const memoryBefore = arena().memory.buffer.byteLength;
      const inUse = arena().bytesInUse;
      const start = performance.now();
      let outcome: string;
      let model: Sequential | undefined;
      try {
        model = await loadONNX(c.bytes);
      } catch (error) {
        if (!(error instanceof ModelLoadError)) throw new Error(`${c.how} (${c.base}): loadONNX threw ${(error as Error)?.name}: ${(error as Error)?.message?.slice(0, 300)}; ${replay}`, { cause: error });
        if (fixed !== undefined) console.log(`replayed ${c.how} (${c.base}): ${error.message.slice(0, 300)}`);
        outcome = 'refused on load';
      }
      if (model) {
        try {
          const prediction = model.predict(x);
          const bad = prediction.data.findIndex((v) => !Number.isFinite(v));
          if (bad >= 0) throw new Error(`${c.how} (${c.base}): loaded, but predict gave ${prediction.data[bad]} at ${bad}; ${replay}`);
          outcome = 'loaded, predicts finite';
        } catch (error) {
          if (!(error instanceof ModelError || error instanceof LayerError)) throw error;
          outcome = 'loaded, predict refused';
        } finally {
          model.dispose();
        }
      }
      const ms = performance.now() - start;
      const growth = arena().memory.buffer.byteLength - memoryBefore;
      count(`${outcome!} (${c.how.split(' + ')[0]})`);
      if (ms > slowest.ms) Object.assign(slowest, { ms, seed: caseSeed, how: `${c.how}, ${c.base}` });
      expect(ms, `took ${ms.toFixed(0)} ms: ${c.how} (${c.base}); ${replay}`).toBeLessThan(MAX_MS);
      expect(growth, `Wasm memory grew ${growth} bytes for a file of ${c.bytes.length}; ${replay}`).toBeLessThanOrEqual(GROWTH_PER_BYTE * c.bytes.length + ALLOWANCE);
      expect(arena().bytesInUse, `arena bytes left in use after dispose; ${replay}`).toBe(inUse);
    }
    const summary = [...outcomes].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, n]) => `  ${key}: ${n}`).join('\n');
    console.log(`ONNX-file fuzzer: ${CASES} cases (seed ${seed}), ${base.length} base files\n${summary}\n  slowest: ${slowest.ms.toFixed(1)} ms (${slowest.how}, case seed ${slowest.seed})`);
  }, LONG ? 3_600_000 : 120_000);
});
