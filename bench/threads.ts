// tsx bench/threads.ts [--quick] [--json]: init({ threads: 2 }) against one thread, in one run,
// each in a child process of its own (bench/peers/seqwasm-threads.ts: this file with --child
// <threads>) that measures a workload when asked on stdin; rounds interleave the two
// (harness.ts compareInRounds), so load that comes and goes hits both. Also part of the
// "kernels" suite of npm run bench (the GEMM rows). The children also serve the training and
// inference suites' 2-thread rows (bench/train.ts, bench/inference.ts): every workload below.
//
//   gemm 512³           kernels.gemm, packing op(b) on every call (each thread packs its columns)
//   gemmPacked 512³     kernels.gemmPacked against weights packed once
//   train LSTM(128) | GRU(128) | SimpleRNN(128) 28x28 b100   bench/train.ts's workloads: the
//       recurrent layers split by samples (forward, gate gradients) and by gradient columns
//   infer LSTM(128) | GRU(128) 28 steps b1 | b100   bench/inference.ts's models and inputs
//
// The ratio is the speed-up of 2 threads over 1 (median of per-round ratios); the machine's
// load average is printed with the table, since a busy machine leaves a second core to others.
// A second row per workload compares the CPU time per call of all the process's threads: about
// 1× when splitting adds no work, so that 2 threads take half the time wherever a second core
// is free, whatever this run's load let the wall time show.
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import type * as Seqwasm from '../src/index.js';
import { compareInRounds, isMain, median, medianCallMs, report, stats, type Contestant, type Row, type SuiteOptions } from './harness.js';
import { threadedSeqwasm, type ThreadedRequest } from './peers/seqwasm-threads.js';

/** What the kernels suite of npm run bench compares; run alone, this file compares every workload. */
const SUITE_WORKLOADS = ['gemm 512³', 'gemmPacked 512³'];
const ALL_WORKLOADS = [
  ...SUITE_WORKLOADS,
  ...['LSTM', 'GRU', 'SimpleRNN'].map((cell) => `train ${cell}(128) 28x28 b100`),
  ...['b1', 'b100'].map((batch) => `infer LSTM(128) 28 steps ${batch}`),
];
const QUICK_WORKLOADS = ['gemm 512³'];
const ROUNDS = 5;
const BUDGET_MS = 1000;

type Api = typeof Seqwasm;

/** The workloads a child serves, each built on first use: name → a call to time. */
function workloads(api: Api): (name: string) => Promise<() => unknown> {
  const built = new Map<string, () => unknown>();
  const build = async (name: string): Promise<() => unknown> => {
    const gemm = /^gemm(Packed)? 512³$/.exec(name);
    if (gemm) return gemmCall(api, gemm[1] !== undefined);
    const train = /^train (LSTM|GRU|SimpleRNN)\(128\) 28x28 b100$/.exec(name);
    if (train) {
      const { recurrentWorkload } = await import('./train.js');
      const { ourModel } = await import('./workloads.js');
      const w = recurrentWorkload(train[1] as 'LSTM' | 'GRU' | 'SimpleRNN');
      const model = ourModel(w.architecture, api);
      return () => model.fit(w.x, w.y, { epochs: w.epochs, batchSize: w.batchSize, shuffle: false, verbose: 0 });
    }
    const infer = /^infer (LSTM|GRU)\(128\) 28 steps b(\d+)$/.exec(name);
    if (infer) {
      const { inferenceInput, inferenceModel } = await import('./inference.js');
      const batch = Number(infer[2]);
      const model = inferenceModel(infer[1] as 'LSTM' | 'GRU', api);
      const x = inferenceInput(batch);
      return () => model.predict(x, { batchSize: batch });
    }
    throw new Error(`unknown workload ${JSON.stringify(name)}`);
  };
  return async (name) => {
    if (!built.has(name)) built.set(name, await build(name));
    return built.get(name)!;
  };
}

function gemmCall(api: Api, packedWeights: boolean): () => unknown {
  const { kernels } = api;
  const regions = api.arena();
  const n = 512;
  const random = api.prng(3);
  const matrix = () => regions.fromArray(Float32Array.from({ length: n * n }, () => random.float32()));
  const [a, b, c] = [matrix(), matrix(), matrix()];
  if (!packedWeights) return () => kernels.gemm({ a, b, c, m: n, n, k: n });
  const packed = regions.allocF32(kernels.packedPanelSize(n, n));
  kernels.packWeights({ b, n, k: n, out: packed });
  return () => kernels.gemmPacked({ a, packed, c, m: n, n, k: n });
}

/** The child: inits with `threads` and answers ThreadedRequest lines with the median ms per call. */
async function serve(threads: number): Promise<void> {
  // The built entry: pool workers run the entry file itself, which plain Node cannot do from src/.
  const api = (await import(new URL('../dist/seqwasm.node.js', import.meta.url).href)) as Api;
  await api.init({ threads });
  const workload = workloads(api);
  for await (const line of createInterface({ input: process.stdin })) {
    const request = JSON.parse(line) as ThreadedRequest;
    try {
      const call = await workload(request.workload);
      let calls = 0;
      const cpu = process.cpuUsage();
      const ms = await medianCallMs(() => (calls++, call()), request.budgetMs, request.minCalls);
      const used = process.cpuUsage(cpu);
      process.stdout.write(`${JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000 / calls, info: api.runtimeInfo() })}\n`);
    } catch (error) {
      process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
    }
  }
}

export async function threadRows(options: SuiteOptions & { all?: boolean } = {}): Promise<Row[]> {
  const children = [threadedSeqwasm(2), threadedSeqwasm(1)];
  const rows: Row[] = [];
  const loads = [loadavg()[0]];
  try {
    for (const workload of options.quick ? QUICK_WORKLOADS : options.all ? ALL_WORKLOADS : SUITE_WORKLOADS) {
      const cpuMs = children.map((): number[] => []);
      const [two, one] = children.map((child, i): Contestant => ({
        label: `${2 - i} thread${i ? '' : 's'}`,
        warmUp: () => child.warm(workload, BUDGET_MS / 2),
        measure: async () => {
          const { ms, cpuMs: cpu } = await child.measure(workload, BUDGET_MS);
          cpuMs[i].push(cpu);
          return ms;
        },
      }));
      rows.push(...(await compareInRounds({ name: `${workload}, 2 threads`, unit: 'ms', higherIsBetter: false }, [two, one], options.quick ? 1 : ROUNDS)));
      const [cpuTwo, cpuOne] = cpuMs.map(stats);
      const ratio = median(cpuMs[1].map((v, round) => v / cpuMs[0][round]));
      rows.push({ name: `${workload}, 2 threads, CPU time`, unit: 'ms', value: cpuTwo.median, min: cpuTwo.min, max: cpuTwo.max, peer: '1 thread', peerValue: cpuOne.median, peerMin: cpuOne.min, peerMax: cpuOne.max, ratio });
      loads.push(loadavg()[0]);
    }
  } finally {
    for (const child of children) child.close();
  }
  const note = `load average ${loads.map((l) => l.toFixed(2)).join(' → ')} on ${availableParallelism()} cores`;
  return rows.map((row) => ({ ...row, note }));
}

if (process.argv[2] === '--child') await serve(Number(process.argv[3]));
else if (isMain(import.meta.url)) report(await threadRows({ quick: process.argv.includes('--quick'), all: true }));
