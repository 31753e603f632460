// The milestone-8 targets of issue 12, judged from one run's rows: each is met, not met, out of
// reach or not measured (its suite or peer did not run). The 2-thread rows come from seqwasm with
// init({ threads: 2 }) in a child process (bench/threads.ts, and the "… 2T" rows of
// bench/train.ts and bench/inference.ts). A ratio target against a peer is out of reach when
// even running at the peak probe on every core it uses, seqwasm would stay below it: the
// workload's FLOPs at the probe's rate against the peer's measured speed. (The probe is the
// default build's mul + add; only the opt-in relaxed build's FMA goes past it.)
import type { Row } from './harness.js';

export interface TargetResult {
  workload: string;
  target: string;
  measured: string;
  status: 'met' | 'not met' | 'out of reach' | 'not measured';
}

/** One condition of a target: a ratio against a peer (≥ min) or our own value (≤ max). */
type Check = { row: string; peer: string; min: number } | { row: string; max: number; unit: string };

/**
 * The best ratio against the fastest of `peers` (their speed in items per second on `row`) that
 * an item of `flops` allows at the peak probe on `cores` cores; below the target's ratio for
 * those peers, the target is out of reach.
 */
interface Ceiling {
  row: string;
  peers: string[];
  /** What one of the row's items is, and its FLOPs. */
  item: string;
  flops: number;
  cores: number;
}

interface Target {
  workload: string;
  target: string;
  checks: Check[];
  ceiling?: Ceiling;
  /** Peers measured on the target's row that the target does not judge: their ratios are shown beside it. */
  alongside?: { row: string; peers: string[] };
}

const PEAK_PROBE = 'peak probe';
/** LSTM(128) on 28 steps × 28 features (bench/workloads.ts), counted like bench/layers.ts: 2 FLOPs a GEMM multiply-add. */
const LSTM = { steps: 28, features: 28, units: 128, gates: 4 };
/** One sequence forward: the input projection and the step products, 2·T·gU·(F + U). */
const LSTM_FORWARD_FLOPS = 2 * LSTM.steps * LSTM.gates * LSTM.units * (LSTM.features + LSTM.units);
/** One training sample: the forward, then dh = dG·Uᵀ, dW = Xᵀ·dG and dU = Hᵀ·dG (a first layer computes no dX). */
const LSTM_TRAIN_FLOPS = LSTM_FORWARD_FLOPS + 2 * LSTM.steps * LSTM.gates * LSTM.units * (2 * LSTM.units + LSTM.features);

const INFER_B1 = 'infer LSTM(128) 28 steps b1';
/** Batch 100 is judged on 2 threads, seqwasm's best there. */
const INFER_B100 = 'infer LSTM(128) 28 steps b100 2T';
const ORT_WEB = ['ort-web 1T', 'ort-web 2T'];
const COLD_START_INFERENCE = "cold start node: import → first prediction, 'seqwasm/inference'";
const COLD_START_FULL = 'cold start node: import → first prediction';
const TRAIN_2T = (cell: string) => ({ row: `train ${cell}(128) 28x28 b100 2T`, peer: 'pytorch 1T', min: 1 });

const TARGETS: Target[] = [
  { workload: 'GEMM 512³ NN, 1 thread', target: '≥ 0.75 × the peak probe', checks: [{ row: 'gemm NN 512x512x512', peer: 'peak probe', min: 0.75 }] },
  { workload: 'GEMM 512³, 2 threads', target: '≥ 1.8 × 1 thread', checks: [{ row: 'gemm 512³, 2 threads', peer: '1 thread', min: 1.8 }] },
  {
    workload: 'train LSTM(128) 28×28, batch 100, 1 thread',
    target: '≥ 20× TF.js wasm',
    checks: [{ row: 'train LSTM(128) 28x28 b100', peer: 'tfjs-wasm', min: 20 }],
    ceiling: { row: 'train LSTM(128) 28x28 b100', peers: ['tfjs-wasm'], item: 'sample', flops: LSTM_TRAIN_FLOPS, cores: 1 },
  },
  { workload: 'train LSTM(128) 28×28, batch 100, 2 threads', target: '≥ 1.0× PyTorch 1 thread', checks: [TRAIN_2T('LSTM')] },
  { workload: 'train GRU(128), SimpleRNN(128), 2 threads', target: '≥ 1.0× PyTorch 1 thread', checks: [TRAIN_2T('GRU'), TRAIN_2T('SimpleRNN')] },
  {
    workload: 'train alphabet LSTM(8), batch 32',
    target: '≥ 50× TF.js wasm and ≥ 3× PyTorch 1 thread',
    checks: [
      { row: 'train alphabet LSTM(8) 5x26 b32', peer: 'tfjs-wasm', min: 50 },
      { row: 'train alphabet LSTM(8) 5x26 b32', peer: 'pytorch 1T', min: 3 },
    ],
  },
  {
    workload: 'infer LSTM(128) 28 steps, batch 1',
    target: '≤ 0.15 ms, and faster than onnxruntime-web',
    checks: [{ row: INFER_B1, max: 0.15, unit: 'ms' }, ...ORT_WEB.map((peer) => ({ row: INFER_B1, peer, min: 1 }))],
  },
  {
    workload: 'infer same, batch 100, 2 threads',
    target: '≥ 2× onnxruntime-web (best thread count) and ≥ 0.5× onnxruntime-node 1 thread',
    checks: [...ORT_WEB.map((peer) => ({ row: INFER_B100, peer, min: 2 })), { row: INFER_B100, peer: 'ort-node 1T', min: 0.5 }],
    ceiling: { row: INFER_B100, peers: ORT_WEB, item: 'sequence', flops: LSTM_FORWARD_FLOPS, cores: 2 },
  },
  // What a first prediction needs: the page a user's bundler builds on 'seqwasm/inference'
  // (tree-shaken, seqwasm-inference.wasm), and 'seqwasm/inference' in Node. The whole of
  // 'seqwasm' (every layer, format and the training code, prebuilt) is judged too, for reference.
  { workload: 'package, JS + Wasm gzipped: a page that predicts (Vite, seqwasm/inference)', target: '≤ 60 KB', checks: [{ row: "size: Vite page that predicts with 'seqwasm/inference', JS + Wasm gzipped", max: 60, unit: 'KB' }] },
  { workload: "package, JS + Wasm gzipped: all of 'seqwasm', prebuilt fetch entry", target: '≤ 60 KB', checks: [{ row: "size: fetch entry's JS + Wasm gzipped", max: 60, unit: 'KB' }] },
  // The peers' cold starts on the same sample, in the same runs (bench/runtimes.ts), are shown beside the absolute target.
  {
    workload: 'Node cold start, import → first prediction (seqwasm/inference)',
    target: '≤ 20 ms',
    checks: [{ row: COLD_START_INFERENCE, max: 20, unit: 'ms' }],
    alongside: { row: COLD_START_INFERENCE, peers: ['ort-node 1T', 'ort-web 1T'] },
  },
  {
    workload: "Node cold start, import → first prediction ('seqwasm')",
    target: '≤ 20 ms',
    checks: [{ row: COLD_START_FULL, max: 20, unit: 'ms' }],
    alongside: { row: COLD_START_FULL, peers: ['tfjs-cpu', 'tfjs-wasm'] },
  },
];

export function evaluateTargets(rows: Row[]): TargetResult[] {
  return TARGETS.map(({ workload, target, checks, ceiling, alongside }) => {
    const outcomes = checks.map((check) => judge(check, rows));
    const measured = [...outcomes.map((o) => o.measured), ...(alongside ? peersAlongside(alongside, rows) : [])].join('; ');
    if (outcomes.some((o) => o.met === undefined)) return { workload, target, measured, status: 'not measured' };
    if (outcomes.every((o) => o.met)) return { workload, target, measured, status: 'met' };
    const reach = ceiling && reachable(ceiling, rows);
    const wanted = Math.max(...checks.map((c) => ('peer' in c && ceiling?.peers.includes(c.peer) ? c.min : 0)));
    if (reach === undefined || reach.best >= wanted) return { workload, target, measured, status: 'not met' };
    return { workload, target, measured: `${measured}; ${reach.why}`, status: 'out of reach' };
  });
}

/** Above this max ÷ min of the peak probe's rounds, a run's machine is called unsteady. */
const UNSTEADY_PROBE_SPREAD = 1.25;

/**
 * How steady the machine's speed was during the run, from the peak probe's rounds (a shared
 * VM's neighbours take cycles): a line for latest.md; undefined without the probe's rounds.
 */
export function machineSteadiness(rows: Row[]): string | undefined {
  const probe = rows.find((r) => r.name === PEAK_PROBE && r.unit === 'GFLOP/s');
  if (probe?.min === undefined || probe.max === undefined) return undefined;
  const spread = probe.max / probe.min;
  const range = `the peak probe's rounds ranged ${probe.min.toPrecision(3)}–${probe.max.toPrecision(3)} GFLOP/s (${spread.toFixed(2)}×)`;
  return spread > UNSTEADY_PROBE_SPREAD
    ? `unsteady: ${range}. Absolute values and ratios to the probe move with the machine; ratios to peers, taken round by round, move less`
    : `steady: ${range}`;
}

/** The ratio `ceiling` allows on this machine, and the arithmetic behind it; undefined without the probe or the peers' speeds. */
export function reachable(ceiling: Ceiling, rows: Row[]): { best: number; why: string } | undefined {
  const probe = rows.find((r) => r.name === PEAK_PROBE && r.unit === 'GFLOP/s')?.value;
  const peers = ceiling.peers.map((peer) => rows.find((r) => r.name === ceiling.row && r.peer === peer)).filter((r): r is Row => r?.peerValue !== undefined);
  if (probe === undefined || peers.length === 0) return undefined;
  const fastest = peers.reduce((a, b) => (b.peerValue! > a.peerValue! ? b : a));
  const items = (ceiling.cores * probe * 1e9) / ceiling.flops;
  const best = items / fastest.peerValue!;
  const count = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));
  const cores = ceiling.cores === 1 ? '1 core' : `${ceiling.cores} cores`;
  return {
    best,
    why: `at most ${best.toFixed(1)}× ${fastest.peer} on this CPU: at the peak probe (${probe.toPrecision(3)} GFLOP/s, ${cores}) ${(ceiling.flops / 1e6).toFixed(2)} MFLOP a ${ceiling.item} allows ${count(items)} a second, and ${fastest.peer} does ${count(fastest.peerValue!)}`,
  };
}

/** "<ratio>× <peer> (<its value> <unit>)" for each peer measured on the row. */
function peersAlongside({ row, peers }: { row: string; peers: string[] }, rows: Row[]): string[] {
  return peers.flatMap((peer) => {
    const found = rows.find((r) => r.name === row && r.peer === peer);
    return found?.ratio === undefined ? [] : [`${found.ratio.toFixed(2)}× ${peer} (${found.peerValue!.toPrecision(3)} ${found.unit})`];
  });
}

function judge(check: Check, rows: Row[]): { met?: boolean; measured: string } {
  if ('peer' in check) {
    const row = rows.find((r) => r.name === check.row && r.peer === check.peer);
    // A peer skipped as a whole (PyTorch without Python's torch) has one row under its bare name.
    const skipped = rows.find((r) => r.name === check.row && r.peer === check.peer.split(' ')[0]);
    if (row?.ratio === undefined) return { measured: `${check.peer}: ${row?.note ?? skipped?.note ?? 'not measured'}` };
    return { met: row.ratio >= check.min, measured: `${row.ratio.toFixed(2)}× ${check.peer}` };
  }
  const row = rows.find((r) => r.name === check.row && r.unit === check.unit);
  if (row === undefined) return { measured: 'not measured' };
  return { met: row.value <= check.max, measured: `${row.value.toPrecision(3)} ${check.unit}` };
}
