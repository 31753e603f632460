// The soak's unit of work: a model created, trained (tiny), saved, loaded, used and dropped,
// with or without dispose(). Shared by test/soak/memory.test.ts and bench/memory.ts. Reads
// memory through arena() alone, so the same loop measures any version of the package.
import * as seqwasm from '../../src/index.js';
import { arena, layers, loadModel, sequential } from '../../src/index.js';
import { collectGarbage } from '../runtime/collect.js';

export interface SoakPoint {
  /** Models created so far (each also saved and loaded again: two live models per step). */
  readonly models: number;
  /** Arena bytes held by live blocks after a garbage collection. */
  readonly bytesInUse: number;
  /** Size of the Wasm memory. */
  readonly memoryBytes: number;
}

const x = { shape: [8, 5, 3], data: Float32Array.from({ length: 120 }, (_, i) => Math.sin(i * 0.37)) };
const y = { shape: [8, 2], data: Float32Array.from({ length: 16 }, (_, i) => Math.cos(i * 0.5)) };

/** One model's life; nothing it made is reachable once it resolves (unless disposed, it is left to the GC). Resolves to the bytes its models hold at the end. */
async function lifecycle(seed: number, dispose: boolean): Promise<number> {
  const before = arena().bytesInUse;
  const model = sequential({ seed });
  model.add(layers.lstm({ units: 16, inputShape: [5, 3] }));
  model.add(layers.dense({ units: 2 }));
  model.compile({ optimizer: 'adam', loss: 'mse' });
  await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
  const loaded = await loadModel(model.save());
  loaded.predict(x);
  const held = arena().bytesInUse - before;
  if (dispose) {
    model.dispose();
    loaded.dispose();
  }
  return held;
}

function point(models: number): SoakPoint {
  const memory = arena();
  return { models, bytesInUse: memory.bytesInUse, memoryBytes: memory.memory.buffer.byteLength };
}

export interface Soak {
  /** Memory after a garbage collection at 0 models and every `every` models. */
  readonly curve: SoakPoint[];
  /** Arena bytes one lifecycle's two models hold (the largest seen). */
  readonly bytesPerModel: number;
}

/**
 * Runs `count` lifecycles from a fresh memory (reset(), where the version has it), collecting
 * garbage and recording memory every `every` models.
 */
export async function soak(count: number, dispose: boolean, every = 100): Promise<Soak> {
  await collectGarbage();
  if ('reset' in seqwasm) await seqwasm.reset();
  const curve = [point(0)];
  let bytesPerModel = 0;
  for (let i = 1; i <= count; i++) {
    bytesPerModel = Math.max(bytesPerModel, await lifecycle(i, dispose));
    if (i % every === 0) {
      await collectGarbage();
      curve.push(point(i));
    }
  }
  return { curve, bytesPerModel };
}
