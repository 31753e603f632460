// npm run bench:init [-- --json] [-- --max-units=1024]: building an LSTM layer, whose
// recurrent kernel (u, 4u) takes the Orthogonal initializer — a float64 Householder QR of a
// 4u × u normal matrix, ≈ 14.7·u³ flops, in Wasm (assembly/linalg.ts) — for u = 128 … 4096.
// Each row is the median wall time of `layers.lstm({ units }).build(...)` (input 32
// features) over a few builds after a warm-up, with the process's CPU time beside it (the
// machine is shared: CPU time is the steadier figure). Up to 512 units the plain float64
// reference QR (test/reference/orthogonal.ts, seqwasm's JS implementation before the
// kernel, same bits) runs in the same rounds as the peer; beyond that it takes minutes.
import { readFileSync } from 'node:fs';
import { init, layers } from '../src/node.js';
import { NormalSampler } from '../src/layers/normal.js';
import { Prng } from '../src/util/prng.js';
import { orthonormalColumns as referenceQ } from '../test/reference/orthogonal.js';
import { median, report, withPeer, type Row } from './harness.js';

await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));

const UNITS = [128, 256, 512, 1024, 2048, 4096];
const PEER_UP_TO = 512;
const FEATURES = 32;
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

buildLstm(64); // warm-up: V8 compiles Wasm in its baseline tier first
const rows: Row[] = [];
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
