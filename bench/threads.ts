// tsx bench/threads.ts [--quick] [--json]: init({ threads: 2 }) against one thread, in one run.
// init() happens once per process, so each thread count lives in a child process of its own
// (this file with --child <threads>) that measures a workload when asked on stdin; rounds
// interleave the two (harness.ts compareInRounds), so load that comes and goes hits both.
//
//   gemm 512³           kernels.gemm, packing op(b) on every call (each thread packs its columns)
//   gemmPacked 512³     kernels.gemmPacked against weights packed once
//   train LSTM(128) 28x28 b100   model.fit, 1 epoch of 500 samples a call: only the Dense head's
//       GEMMs could split today (the recurrent layer's run inside one Wasm call), so ≈ 1×
//
// The ratio is the speed-up of 2 threads over 1 (median of per-round ratios); the machine's
// load average is printed with the table, since a busy machine leaves a second core to others.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import type * as Seqwasm from '../src/index.js';
import { compareInRounds, isMain, medianCallMs, report, type Contestant, type Row, type SuiteOptions } from './harness.js';

const WORKLOADS = ['gemm 512³', 'gemmPacked 512³', 'train LSTM(128) 28x28 b100'] as const;
type Workload = (typeof WORKLOADS)[number];
const QUICK_WORKLOADS: readonly Workload[] = ['gemm 512³'];
const ROUNDS = 5;
const BUDGET_MS = 1000;

/** The child: inits with `threads` and answers "warm <workload>" / "measure <workload>" lines with median ms per call. */
async function serve(threads: number): Promise<void> {
  // The built entry: pool workers run the entry file itself, which plain Node cannot do from src/.
  const seqwasm = (await import(new URL('../dist/seqwasm.node.js', import.meta.url).href)) as typeof Seqwasm;
  const { mnistLike, SEED } = await import('./workloads.js');
  await seqwasm.init({ threads });
  const { kernels } = seqwasm;
  const regions = seqwasm.arena();
  const n = 512;
  const random = seqwasm.prng(3);
  const matrix = () => regions.fromArray(Float32Array.from({ length: n * n }, () => random.float32()));
  const [a, b, c] = [matrix(), matrix(), matrix()];
  const packed = regions.allocF32(kernels.packedPanelSize(n, n));
  kernels.packWeights({ b, n, k: n, out: packed });
  // bench/workloads.ts's ourModel, built with the dist copy of seqwasm.
  const model = seqwasm.sequential({ seed: SEED });
  model.add(seqwasm.layers.lstm({ units: 128, inputShape: [28, 28] }));
  model.add(seqwasm.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const { x, y } = mnistLike(500);
  const calls: Record<Workload, () => unknown> = {
    'gemm 512³': () => kernels.gemm({ a, b, c, m: n, n, k: n }),
    'gemmPacked 512³': () => kernels.gemmPacked({ a, packed, c, m: n, n, k: n }),
    'train LSTM(128) 28x28 b100': () => model.fit(x, y, { epochs: 1, batchSize: 100, shuffle: false, verbose: 0 }),
  };
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, ...name] = line.split(' ');
    const call = calls[name.join(' ') as Workload];
    const ms = await medianCallMs(call, command === 'warm' ? BUDGET_MS / 2 : BUDGET_MS);
    process.stdout.write(`${JSON.stringify({ ms, info: seqwasm.runtimeInfo() })}\n`);
  }
}

/** A child process for `threads` threads and a function that asks it one question. */
function child(threads: number): { process: ChildProcess; ask: (line: string) => Promise<number> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', String(threads)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answers = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const ask = async (line: string) => {
    proc.stdin.write(`${line}\n`);
    const answer = await answers.next();
    if (answer.done) throw new Error(`bench/threads: the ${threads}-thread child ended`);
    const { ms, info } = JSON.parse(answer.value) as { ms: number; info: { threads: number } };
    if (info.threads !== threads) throw new Error(`bench/threads: asked for ${threads} threads, runtimeInfo() says ${info.threads}`);
    return ms;
  };
  return { process: proc, ask };
}

export async function threadRows(options: SuiteOptions = {}): Promise<Row[]> {
  const children = [child(2), child(1)];
  const rows: Row[] = [];
  const loads = [loadavg()[0]];
  try {
    for (const workload of options.quick ? QUICK_WORKLOADS : WORKLOADS) {
      const [two, one] = children.map(({ ask }, i): Contestant => ({
        label: `${2 - i} thread${i ? '' : 's'}`,
        warmUp: () => ask(`warm ${workload}`),
        measure: () => ask(`measure ${workload}`),
      }));
      rows.push(...(await compareInRounds({ name: `${workload}, 2 threads`, unit: 'ms', higherIsBetter: false }, [two, one], options.quick ? 1 : ROUNDS)));
      loads.push(loadavg()[0]);
    }
  } finally {
    for (const { process: proc } of children) proc.kill();
  }
  const note = `load average ${loads.map((l) => l.toFixed(2)).join(' → ')} on ${availableParallelism()} cores`;
  return rows.map((row) => ({ ...row, note }));
}

if (process.argv[2] === '--child') await serve(Number(process.argv[3]));
else if (isMain(import.meta.url)) report(await threadRows({ quick: process.argv.includes('--quick') }));
