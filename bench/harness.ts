// The shared benchmark harness. Every suite produces rows of one format,
// { name, unit, value, peer?, peerValue?, ratio?, … }, printed as a table or, with --json,
// as one JSON document { results: [...] } for every later tooling to read; npm run bench
// (bench/run.ts) gathers the rows of every suite into bench/results/latest.{json,md}.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';

export interface Row {
  name: string;
  unit: string;
  /** Ours: the median over rounds (min and max over rounds where there were several). */
  value: number;
  min?: number;
  max?: number;
  peer?: string;
  peerValue?: number;
  peerMin?: number;
  peerMax?: number;
  /** Ours ÷ peer in speed (> 1: ours faster); with rounds, the median of the per-round ratios. */
  ratio?: number;
  /** How the peer's task differs, or why it was not measured. */
  note?: string;
}

/** What every suite takes: --quick runs a smoke version (fewer sizes, rounds and time). */
export interface SuiteOptions {
  quick?: boolean;
}

/** True when `moduleUrl` is the script node was started with (a suite run on its own, not imported by bench/run.ts). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(moduleUrl));
}

export interface TimingOptions {
  /** Time budget per task in ms (after warm-up). */
  time?: number;
  /** Warm-up budget per task in ms: V8 first runs Wasm in its baseline tier. */
  warmupTime?: number;
}

/**
 * Median milliseconds per call of each function, measured with tinybench after warm-up.
 * Tasks run interleaved in one Bench so a peer and ours share the machine's noise.
 */
export async function medianMs(tasks: Record<string, () => unknown>, options: TimingOptions = {}): Promise<Record<string, number>> {
  const bench = new Bench({ time: options.time ?? 500, warmupTime: options.warmupTime ?? 200, warmupIterations: 5, iterations: 5 });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const out: Record<string, number> = {};
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`benchmark ${task.name} did not complete: ${result.state}`);
    out[task.name] = result.latency.p50;
  }
  return out;
}

/** Median of several repeated measurements (each itself a median), to damp a noisy machine. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The thread counts every threaded peer (ONNX Runtime, PyTorch) is measured with. */
export const PEER_THREADS = [1, 2] as const;

export interface Stats {
  median: number;
  min: number;
  max: number;
}

export function stats(values: number[]): Stats {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** One side of a comparison: measure() returns one value (e.g. samples/s or ms per call) per round. */
export interface Contestant {
  label: string;
  measure(): Promise<number>;
  /** Runs before the rounds (V8 tiers up, peers set up kernels on first use). */
  warmUp?(): Promise<unknown>;
  /** How this peer's task differs from ours, shown in the table. */
  note?: string;
}

/**
 * Warms up, then measures ours (the first contestant) and every peer in interleaved rounds, so
 * load that comes and goes hits all alike: one row per peer with ours' and the peer's median,
 * min and max over rounds and the median of the per-round ratios (ours faster > 1). A peer
 * that throws is dropped, its row saying why; ours throwing ends the comparison.
 */
export async function compareInRounds(
  workload: { name: string; unit: string; higherIsBetter: boolean },
  [ours, ...peers]: Contestant[],
  rounds: number,
  progress: (line: string) => void = () => {},
): Promise<Row[]> {
  const values = new Map<Contestant, number[]>();
  const ratios = new Map<Contestant, number[]>();
  const failures = new Map<Contestant, string>();
  const attempt = async <T>(c: Contestant, run: () => Promise<T>): Promise<T | undefined> => {
    if (c === ours) return run();
    try {
      return await run();
    } catch (error) {
      failures.set(c, `failed: ${error instanceof Error ? error.message : String(error)}`);
      progress(`${workload.name}: ${c.label} ${failures.get(c)}`);
      return undefined;
    }
  };
  for (const c of [ours, ...peers]) {
    progress(`${workload.name}: warming up ${c.label}`);
    if (c.warmUp) await attempt(c, c.warmUp);
  }
  for (let round = 0; round < rounds; round++) {
    let oursValue = 0;
    for (const c of [ours, ...peers]) {
      if (failures.has(c)) continue;
      const value = await attempt(c, c.measure);
      if (value === undefined) continue;
      values.set(c, [...(values.get(c) ?? []), value]);
      if (c === ours) oursValue = value;
      else ratios.set(c, [...(ratios.get(c) ?? []), workload.higherIsBetter ? oursValue / value : value / oursValue]);
      progress(`${workload.name}: round ${round + 1}/${rounds} ${c.label} ${value.toPrecision(4)} ${workload.unit}`);
    }
  }
  const own = stats(values.get(ours)!);
  const row: Row = { name: workload.name, unit: workload.unit, value: own.median, min: own.min, max: own.max };
  if (!peers.length) return [row];
  return peers.map((peer) => {
    const failure = failures.get(peer);
    if (failure !== undefined) return { ...row, peer: peer.label, note: [peer.note, failure].filter(Boolean).join('; ') };
    const theirs = stats(values.get(peer)!);
    return { ...row, peer: peer.label, peerValue: theirs.median, peerMin: theirs.min, peerMax: theirs.max, ratio: median(ratios.get(peer)!), note: peer.note };
  });
}

/** Median ms per call of `fn` (sync or async), called repeatedly for `budgetMs` (at least `minCalls` times). */
export async function medianCallMs(fn: () => unknown, budgetMs: number, minCalls = 3): Promise<number> {
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minCalls || performance.now() - start < budgetMs) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export function withPeer(row: Row, peer: string, peerValue: number, higherIsBetter = true): Row {
  const ratio = higherIsBetter ? row.value / peerValue : peerValue / row.value;
  return { ...row, peer, peerValue, ratio };
}

export function report(rows: Row[], argv = process.argv): void {
  if (argv.includes('--json')) {
    console.log(JSON.stringify({ results: rows }, null, 2));
    return;
  }
  const fmt = (v: number | undefined) => (v === undefined ? '' : v >= 100 ? v.toFixed(0) : v.toPrecision(3));
  const table = rows.map((r) => ({ name: r.name, value: fmt(r.value), unit: r.unit, peer: r.peer ?? '', peerValue: fmt(r.peerValue), ratio: r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`, note: r.note ?? '' }));
  console.table(table);
}
