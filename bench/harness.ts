// The shared benchmark harness. Every suite produces rows of one format,
// { name, unit, value, peer?, peerValue?, ratio? }, printed as a table or, with --json,
// as one JSON document { results: [...] } for every later tooling to read.
import { Bench } from 'tinybench';

export interface Row {
  name: string;
  unit: string;
  value: number;
  peer?: string;
  peerValue?: number;
  ratio?: number;
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
  const table = rows.map((r) => ({ name: r.name, value: fmt(r.value), unit: r.unit, peer: r.peer ?? '', peerValue: fmt(r.peerValue), ratio: r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x` }));
  console.table(table);
}
