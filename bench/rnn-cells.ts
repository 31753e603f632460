// npx tsx bench/rnn-cells.ts: what a user-written cell costs inside layers.rnn. The same
// Elman step (h' = tanh(x·W + h·U + b)) as the built-in SimpleRNN, whose whole sequence runs in
// one Wasm call, and as a user RNNCell (test/layers/elman-cell.ts), which the rnn's host time
// loop calls once per step (and, in training, once more per step in BPTT). Forward (inference)
// and forward + backward (training) on 28 steps × 28 features, SimpleRNN(64), batches 32 and 1
// (at batch 1 the per-step cost of the host loop shows most).
// Interleaved rounds after a warm-up; medians of per-round times and of per-round ratios.
import { readFileSync } from 'node:fs';
import { init } from '../src/node.js';
import * as layers from '../src/layers/index.js';
import { arena } from '../src/runtime/module.js';
import { Prng } from '../src/util/prng.js';
import { ElmanCell } from '../test/layers/elman-cell.js';
import { median } from './harness.js';

const [T, F, U] = [28, 28, 64];
const ROUNDS = 7;
const CALLS = 20;

await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));

/** Per-call milliseconds of `run`, over CALLS calls. */
function time(run: () => void): number {
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) run();
  return (performance.now() - started) / CALLS;
}

function workload(layer: layers.Layer, B: number, training: boolean): () => void {
  layer.build([null, T, F], new Prng(1));
  const plan = layer.plan([B, T, F], { training });
  const x = arena().fromArray(Float32Array.from({ length: B * T * F }, (_, i) => Math.sin(i)));
  const dy = arena().fromArray(Float32Array.from({ length: plan.output.length }, (_, i) => Math.cos(i) / 10));
  return training
    ? () => {
        plan.forward(x);
        plan.backward(dy);
      }
    : () => void plan.forward(x);
}

for (const B of [32, 1]) {
  for (const training of [false, true]) {
    const builtIn = workload(layers.simpleRNN({ units: U }), B, training);
    const user = workload(layers.rnn({ cell: new ElmanCell({ units: U }) }), B, training);
    for (let i = 0; i < 3; i++) [builtIn, user].forEach(time); // warm-up (V8's baseline tier)
    const rounds = Array.from({ length: ROUNDS }, () => [time(builtIn), time(user)]);
    const what = training ? 'forward + backward' : 'forward';
    console.log(`B=${B} ${what}: built-in SimpleRNN(${U}) ${median(rounds.map(([b]) => b)).toFixed(3)} ms, user cell in rnn ${median(rounds.map(([, u]) => u)).toFixed(3)} ms, user ÷ built-in ${median(rounds.map(([b, u]) => u / b)).toFixed(2)}× (median of ${ROUNDS} rounds, T=${T} F=${F})`);
  }
}
