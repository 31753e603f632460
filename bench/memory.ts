// Memory figures for issue 11: the soak curves (models created, trained, saved, loaded and
// dropped, with and without dispose()) and a long-sequence predict's high-water mark, before
// and after dispose() and reset(). Reads memory through arena() so that it measures older
// versions too. Run: npx tsx bench/memory.ts [models=2000] [steps=20000]
import { readFileSync } from 'node:fs';
import * as seqwasm from '../src/index.js';
import { init } from '../src/node.js';
import { soak, type SoakPoint } from '../test/soak/lifecycle.js';
import { collectGarbage } from '../test/runtime/collect.js';

const models = Number(process.argv[2] ?? 2000);
const steps = Number(process.argv[3] ?? 20000);
const MiB = 2 ** 20;

await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));

function memory(): { inUse: number; memory: number; highWater?: number } {
  const info = 'memoryInfo' in seqwasm ? seqwasm.memoryInfo() : undefined;
  const arena = seqwasm.arena();
  return { inUse: arena.bytesInUse, memory: arena.memory.buffer.byteLength, highWater: info?.highWater };
}

function line(label: string): string {
  const m = memory();
  const highWater = m.highWater === undefined ? '' : `, high-water ${(m.highWater / MiB).toFixed(1)} MiB`;
  return `${label.padEnd(34)} in use ${(m.inUse / MiB).toFixed(1).padStart(7)} MiB, Wasm memory ${(m.memory / MiB).toFixed(1).padStart(7)} MiB${highWater}`;
}

function table(curve: readonly SoakPoint[]): string {
  return curve.map((p) => `| ${p.models} | ${(p.bytesInUse / 1024).toFixed(0)} | ${(p.memoryBytes / MiB).toFixed(2)} |`).join('\n');
}

for (const dispose of [false, true]) {
  const started = performance.now();
  const { curve, bytesPerModel } = await soak(models, dispose, 100);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\nsoak ${dispose ? 'with' : 'without'} dispose(): ${models} models in ${seconds.toFixed(1)} s, ${(bytesPerModel / 1024).toFixed(0)} KiB per trained+loaded pair`);
  console.log('| models | KiB in use after GC | Wasm memory MiB |\n|---|---|---|');
  console.log(table(curve));
}

console.log(`\nlong-sequence predict: LSTM(128) on [32, ${steps}, 8]`);
{
  await collectGarbage();
  if ('reset' in seqwasm) await seqwasm.reset();
  console.log(line('before'));
  const model = seqwasm.sequential({ seed: 1 });
  model.add(seqwasm.layers.lstm({ units: 128, inputShape: [null, 8] }));
  const x = { shape: [32, steps, 8], data: new Float32Array(32 * steps * 8).fill(0.1) };
  const started = performance.now();
  model.predict(x, { batchSize: 32 });
  console.log(line(`after predict (${((performance.now() - started) / 1000).toFixed(1)} s)`));
  if ('reset' in seqwasm) {
    await seqwasm.reset();
    console.log(line('after reset(), model alive'));
  }
  model.dispose();
  console.log(line('after dispose()'));
  if ('reset' in seqwasm) {
    await seqwasm.reset();
    console.log(line('after reset()'));
  }
}
