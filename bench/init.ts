// npm run bench:init [-- --json] [-- --max-units=1024] [-- --cold-runs=15]: building an LSTM
// layer, whose recurrent kernel (u, 4u) takes the Orthogonal initializer — a float64
// Householder QR of a 4u × u normal matrix, ≈ 14.7·u³ flops, in Wasm (assembly/linalg.ts) —
// for u = 128 … 4096.
// Each row is the median wall time of `layers.lstm({ units }).build(...)` (input 32
// features) over a few builds after a warm-up, with the process's CPU time beside it (the
// machine is shared: CPU time is the steadier figure). Up to 512 units the plain float64
// reference QR (test/reference/orthogonal.ts, seqwasm's JS implementation before the
// kernel, same bits) runs in the same rounds as the peer; beyond that it takes minutes.
//
// First, the phases of a cold start (-- --cold-runs=N, default 15; 0 skips them): each run a
// fresh `node` imports the built Node entry (dist/seqwasm.node.js), init()s, builds LSTM(8) +
// Dense(26, softmax) from a seed and predicts one 5×26 sample (npm run bench:runtimes' cold
// start, whose 'import → first prediction' row is the target); each phase's median wall time
// and CPU time (process.cpuUsage: every thread, so V8's background compilers count). To see
// inside a phase: node --cpu-prof --cpu-prof-dir=prof on the same script (COLD_START below).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { init, layers } from '../src/node.js';
import { NormalSampler } from '../test/reference/random.js';
import { Prng } from '../src/util/prng.js';
import { orthonormalColumns as referenceQ } from '../test/reference/orthogonal.js';
import { median, report, withPeer, type Row } from './harness.js';

await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));

const UNITS = [128, 256, 512, 1024, 2048, 4096];
const PEER_UP_TO = 512;
const FEATURES = 32;
const coldRuns = Number(process.argv.find((a) => a.startsWith('--cold-runs='))?.slice('--cold-runs='.length) ?? 15);
const maxUnits = Number(process.argv.find((a) => a.startsWith('--max-units='))?.slice('--max-units='.length) ?? Infinity);

/** Wall and CPU milliseconds of one call. */
function timed(run: () => void): { wall: number; cpu: number } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  run();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

function buildLstm(units: number): void {
  const layer = layers.lstm({ units });
  layer.build([null, 10, FEATURES], new Prng(units));
  layer.dispose();
}

/** The same layer's recurrent kernel drawn and factorised by the JS reference (the pre-kernel code). */
function referenceOrthogonal(units: number): void {
  const sampler = new NormalSampler(new Prng(units));
  const a = Float64Array.from({ length: 4 * units * units }, () => sampler.next());
  referenceQ(a, 4 * units, units);
}

/** One cold start, timed phase by phase; prints { phase: [wall ms, CPU ms] } as JSON. */
const COLD_START = `
const cpu = () => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; };
const marks = [[performance.now(), cpu()]];
const mark = () => marks.push([performance.now(), cpu()]);
const api = await import(process.env.SEQWASM_ENTRY);
mark();
await api.init();
mark();
const model = api.sequential({ seed: 1, layers: [api.layers.lstm({ units: 8, inputShape: [5, 26] }), api.layers.dense({ units: 26, activation: 'softmax' })] });
mark();
model.predict({ shape: [1, 5, 26], data: new Float32Array(130).fill(0.1) });
mark();
const phases = ['import', 'init()', 'build the model', 'first prediction'];
const out = Object.fromEntries(phases.map((p, i) => [p, [marks[i + 1][0] - marks[i][0], marks[i + 1][1] - marks[i][1]]]));
out['import → first prediction'] = [marks[4][0] - marks[0][0], marks[4][1] - marks[0][1]];
console.log(JSON.stringify(out));
`;

function coldStartRows(runs: number): Row[] {
  const entry = new URL('../dist/seqwasm.node.js', import.meta.url).href;
  // Without this machine's NODE_EXTRA_CA_CERTS, which Node parses at start (scripts/runtimes/launch.ts).
  const env = { ...process.env, SEQWASM_ENTRY: entry, NODE_EXTRA_CA_CERTS: '' };
  const samples: Record<string, [number, number][]> = {};
  for (let run = 0; run <= runs && runs > 0; run++) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', COLD_START], { env, encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`cold start run failed:\n${child.stderr}`);
    if (run === 0) continue; // warms the OS file cache, not the runtime
    for (const [phase, times] of Object.entries(JSON.parse(child.stdout) as Record<string, [number, number]>)) (samples[phase] ??= []).push(times);
  }
  return Object.entries(samples).flatMap(([phase, times]) => [
    { name: `cold start node: ${phase}, wall`, unit: 'ms', value: median(times.map((t) => t[0])) },
    { name: `cold start node: ${phase}, CPU`, unit: 'ms', value: median(times.map((t) => t[1])) },
  ]);
}

buildLstm(64); // warm-up: V8 compiles Wasm in its baseline tier first
const rows: Row[] = coldStartRows(coldRuns);
for (const units of UNITS.filter((u) => u <= maxUnits)) {
  const rounds = units <= 512 ? 5 : units <= 1024 ? 3 : 1;
  const walls: number[] = [];
  const cpus: number[] = [];
  const peers: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const { wall, cpu } = timed(() => buildLstm(units));
    walls.push(wall);
    cpus.push(cpu);
    if (units <= PEER_UP_TO) peers.push(timed(() => referenceOrthogonal(units)).wall);
  }
  const row: Row = { name: `lstm(${units}) build, wall`, unit: 'ms', value: median(walls) };
  rows.push(units <= PEER_UP_TO ? withPeer(row, 'JS float64 QR', median(peers), false) : row);
  rows.push({ name: `lstm(${units}) build, CPU`, unit: 'ms', value: median(cpus) });
}
report(rows);
