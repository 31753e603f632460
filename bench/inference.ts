// npm run bench:inference [-- --quick] [-- --json]: inference of LSTM(128) and GRU(128) over 28
// steps × 28 features → Dense(10, softmax), batch 1 (ms per call) and batch 100 (sequences/s),
// seqwasm predict() against every peer on the same weights and the same inputs, in
// interleaved rounds (harness.ts compareInRounds). Also the "inference" suite of npm run bench.
//
//   tfjs-wasm, tfjs-cpu   TF.js Layers predict() + dataSync() (LSTM only: TF.js has no
//                         resetAfter GRU, Keras 3's default, which the GRU here uses)
//   ort-web 1T / 2T       onnxruntime-web's Wasm build in Node, one worker per thread count
//   ort-node 1T / 2T      onnxruntime-node (native CPU), intra-op threads 1 and 2
//   pytorch 1T / 2T       torch.set_num_threads(1 | 2), when Python can import torch
//   brain.js              its TimeStep network of the same size on its own weights (no check)
//
// The ONNX model is our model written by exportONNX (src/io/onnx.ts). Before any timing
// every peer's answers on the batch are compared with ours: a peer more than 1e-5 away is not
// timed, and its row says so.
//
// Each workload also gets a row "… 2T": seqwasm with init({ threads: 2 }) in a child process
// (bench/peers/seqwasm-threads.ts; the same model and input) against the ONNX Runtime peers
// and seqwasm on one thread, in rounds of their own.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { exportONNX, init, layers, Prng, sequential, type Sequential } from '../src/node.js';
import { compareInRounds, isMain, medianCallMs, PEER_THREADS, report, type Contestant, type Row, type SuiteOptions } from './harness.js';
import { BRAIN_INFER_NOTE, brainSequences, brainTimeStep, brainTrain } from './peers/brain.js';
import { ortNodePeer, ortWebPeer, type OnnxPeer } from './peers/onnxruntime.js';
import { threadedSeqwasm } from './peers/seqwasm-threads.js';
import { startTorch, type TorchStart } from './peers/torch.js';
import { mnistLike, prefix, SEED, tfjsModel, type CellName } from './workloads.js';

const UNITS = 128;
const STEPS = 28;
const FEATURES = 28;
const CLASSES = 10;
const BATCHES = [1, 100] as const;
/** The largest difference from our answers a peer may show and still be timed. */
export const TOLERANCE = 1e-5;
const FULL = { rounds: 5, budgetMs: 500, warmupMs: 1000, minCalls: 3 };
/** --quick: each contestant called once to warm up and once timed. */
const QUICK = { rounds: 1, budgetMs: 0, warmupMs: 0, minCalls: 1 };
/** brain.js has no batches: its sequences/s at batch 100 is timed on this many, one at a time. */
const BRAIN_SEQUENCES = 10;

export interface InferenceSuiteOptions extends SuiteOptions {
  /** A PyTorch peer already started (npm run bench shares one); started here when absent. */
  torch?: TorchStart;
}

/** The part of seqwasm's API that builds the model: this copy's, or the built one a threaded child loads. */
type ModelApi = { sequential: typeof sequential; layers: typeof layers };

/**
 * Our model with small random biases, so the export's gate and bias order is really checked
 * (also built by bench/threads.ts's children).
 */
export function inferenceModel(cell: 'LSTM' | 'GRU', api: ModelApi = { sequential, layers }): Sequential {
  const m = api.sequential({ seed: SEED });
  const options = { units: UNITS, inputShape: [STEPS, FEATURES] };
  m.add(cell === 'LSTM' ? api.layers.lstm(options) : api.layers.gru(options));
  m.add(api.layers.dense({ units: CLASSES, activation: 'softmax' }));
  m.build();
  const rng = new Prng(SEED).derive('inference biases');
  const weights = m.getWeights();
  for (const index of [2, 4]) weights[index].data.forEach((v, i, data) => (data[i] = v + 0.2 * rng.float() - 0.1));
  m.setWeights(weights);
  return m;
}

/** The first `batch` sequences every contestant answers. */
export function inferenceInput(batch: number): { data: Float32Array; shape: number[] } {
  return prefix(mnistLike(Math.max(...BATCHES)).x, batch);
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

const progress = (line: string) => process.stderr.write(`${line}  (load average ${loadavg()[0].toFixed(1)})\n`);

/** The inference rows; assumes init() was awaited. */
export async function inferenceRows({ quick = false, torch }: InferenceSuiteOptions = {}): Promise<Row[]> {
  const { rounds, budgetMs, warmupMs, minCalls } = quick ? QUICK : FULL;
  const timed = (fn: () => unknown) => medianCallMs(fn, budgetMs, minCalls);
  const ownTorch = torch === undefined;
  const pytorch = torch ?? (await startTorch());
  const data = mnistLike(Math.max(...BATCHES));
  const rows: Row[] = [];
  const onnxPeers: OnnxPeer[] = [];
  const twoThreads = threadedSeqwasm(2);
  try {
    for (const cell of ['LSTM', 'GRU'] as const) {
      const ours = inferenceModel(cell);
      const onnx = await exportONNX(ours);
      await Promise.all(onnxPeers.splice(0).map((p) => p.close()));
      for (const threads of PEER_THREADS) onnxPeers.push(await ortWebPeer(onnx, threads), await ortNodePeer(onnx, threads));
      const torchKey = `infer ${cell}`;
      if ('peer' in pytorch) {
        const weights = ours.getWeights().map((w) => w.data);
        const all = new Float32Array(weights.reduce((n, w) => n + w.length, 0));
        weights.reduce((offset, w) => (all.set(w, offset), offset + w.length), 0);
        await pytorch.peer.request({ cmd: 'load', key: torchKey, cell: cell.toLowerCase(), units: UNITS, features: FEATURES, classes: CLASSES, weights: pytorch.peer.file(torchKey, all) });
      }
      const tfjsPeers = new Map<string, tf.LayersModel>();
      if (cell === 'LSTM') {
        for (const backend of ['wasm', 'cpu'] as const) {
          await tf.setBackend(backend);
          tfjsPeers.set(backend, tfjsModel({ cell, units: UNITS, inputShape: [STEPS, FEATURES], classes: CLASSES, optimizer: 'adam' }, ours));
        }
      }
      const brainNet = brainTimeStep(cell as CellName, UNITS, FEATURES);
      // brain.js creates its weights in its first train() call.
      brainTrain(brainNet, brainSequences(data.x.data, 1, STEPS, FEATURES));

      for (const batch of BATCHES) {
        const x = inferenceInput(batch);
        const expected = ours.predict(x, { batchSize: batch }).data;
        const perBatch = batch === 1;
        const workload = { name: `infer ${cell}(${UNITS}) ${STEPS} steps b${batch}`, unit: perBatch ? 'ms' : 'seq/s', higherIsBetter: !perBatch };
        // b1: ms per call; b100: sequences per second.
        const value = (ms: number) => (perBatch ? ms : (batch / ms) * 1000);
        const list: Contestant[] = [{ label: 'seqwasm', measure: async () => value(await timed(() => ours.predict(x, { batchSize: batch }))) }];
        const refused: { peer: string; note: string }[] = [];
        /** Adds the peer if its answers match ours. */
        const checked = async (label: string, answer: () => Promise<ArrayLike<number>>, ms: () => Promise<number>, note?: string) => {
          const difference = maxDifference(expected, await answer());
          if (difference <= TOLERANCE) list.push({ label, note, measure: async () => value(await ms()) });
          else refused.push({ peer: label, note: `not timed: answers differ from seqwasm by ${difference.toExponential(2)} (> ${TOLERANCE})` });
        };
        for (const [backend, peer] of tfjsPeers) {
          const xs = tf.tensor(x.data, x.shape);
          const call = async () => {
            await tf.setBackend(backend);
            const out = peer.predict(xs) as tf.Tensor;
            const values = out.dataSync();
            out.dispose();
            return values;
          };
          await checked(`tfjs-${backend}`, call, async () => {
            await tf.setBackend(backend);
            return timed(call);
          });
        }
        for (const peer of onnxPeers) await checked(peer.label, () => peer.predict(x.data, x.shape), () => peer.inferMs(x.data, x.shape, budgetMs));
        if ('peer' in pytorch) {
          const { peer } = pytorch;
          const input = { key: torchKey, x: peer.file(`${torchKey} b${batch}`, x.data), shape: x.shape };
          for (const threads of PEER_THREADS) {
            await checked(
              `pytorch ${threads}T`,
              async () => (await peer.request({ cmd: 'predict', ...input, threads })).output as number[],
              async () => (await peer.request({ cmd: 'infer', ...input, threads, ms: budgetMs })).value as number,
            );
          }
        }
        const sequences = brainSequences(x.data, Math.min(batch, BRAIN_SEQUENCES), STEPS, FEATURES);
        const brainNote = batch > BRAIN_SEQUENCES ? `${BRAIN_INFER_NOTE}; timed on ${BRAIN_SEQUENCES} sequences` : BRAIN_INFER_NOTE;
        const brainMs = async () => ((await timed(() => sequences.forEach((s) => brainNet.run(s)))) * batch) / sequences.length;
        list.push({ label: 'brain.js', note: brainNote, measure: async () => value(await brainMs()) });

        for (const c of list) {
          c.warmUp = async () => {
            const end = performance.now() + warmupMs;
            do await c.measure();
            while (performance.now() < end);
          };
        }
        const compared = await compareInRounds(workload, list, rounds, progress);
        const untimed = (peer: string, note: string): Row => ({ name: workload.name, unit: workload.unit, value: compared[0].value, peer, note });
        rows.push(...compared, ...refused.map((r) => untimed(r.peer, r.note)));
        if (cell === 'GRU') rows.push(untimed('tfjs', 'not run: TF.js has no resetAfter GRU (Keras 3 default)'));
        if ('skipped' in pytorch) rows.push(untimed('pytorch', pytorch.skipped));

        // The same with 2 threads, against the warm ONNX Runtime peers and ourselves on one.
        const name = workload.name;
        const threaded: Contestant = {
          label: 'seqwasm 2T',
          measure: async () => value(await twoThreads.callMs(name, budgetMs, minCalls)),
          warmUp: warmupMs ? () => twoThreads.warm(name, warmupMs) : undefined,
        };
        const again = (c: Contestant, label = c.label): Contestant => ({ ...c, label, warmUp: undefined });
        const onnxLabels = new Set(onnxPeers.map((p) => p.label));
        const peers = [again(list[0], 'seqwasm 1T'), ...list.filter((c) => onnxLabels.has(c.label)).map((c) => again(c))];
        rows.push(...(await compareInRounds({ ...workload, name: `${name} 2T` }, [threaded, ...peers], rounds, progress)));
      }
      tfjsPeers.forEach((m) => m.dispose());
    }
  } finally {
    twoThreads.close();
    await Promise.all(onnxPeers.map((p) => p.close()));
    if (ownTorch && 'peer' in pytorch) pytorch.peer.close();
  }
  return rows;
}

if (isMain(import.meta.url)) {
  await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));
  report(await inferenceRows({ quick: process.argv.includes('--quick') }));
}
