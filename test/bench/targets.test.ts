// bench/targets.ts judges issue 12's targets from a run's rows; a ratio target is "out of reach"
// only when the workload's FLOPs at the peak probe could not beat the peer by the target ratio.
import { describe, expect, it } from 'vitest';
import type { Row } from '../../bench/harness.js';
import { evaluateTargets, machineSteadiness } from '../../bench/targets.js';

/** FLOPs of one LSTM(128) training sample on 28 × 28 inputs, counted independently: per step, x·W and h·U forward; dh, dW and dU backward. */
const TRAIN_FLOPS = 28 * (2 * 28 * 512 + 2 * 128 * 512) + 28 * (2 * 128 * 512 + 2 * 28 * 512 + 2 * 128 * 512);
const FORWARD_FLOPS = 28 * (2 * 28 * 512 + 2 * 128 * 512);

const probe = (gflops: number): Row => ({ name: 'peak probe', unit: 'GFLOP/s', value: gflops });
const training = (ratio: number, tfjs: number): Row => ({ name: 'train LSTM(128) 28x28 b100', unit: 'samples/s', value: ratio * tfjs, peer: 'tfjs-wasm', peerValue: tfjs, ratio });
const inference = (peer: string, peerValue: number, ratio: number): Row => ({ name: 'infer LSTM(128) 28 steps b100 2T', unit: 'seq/s', value: ratio * peerValue, peer, peerValue, ratio });
const statusOf = (rows: Row[], workload: string) => evaluateTargets(rows).find((t) => t.workload.startsWith(workload))!;

describe('issue 12 targets', () => {
  it('calls a missed ratio out of reach only when the peak probe could not reach it', () => {
    // At 50 GFLOP/s: 3,963 samples/s, 19.8× a peer at 200/s.
    const ceiling = 50e9 / TRAIN_FLOPS / 200;
    expect(ceiling).toBeCloseTo(19.82, 2);
    const outOfReach = statusOf([probe(50), training(15, 200)], 'train LSTM(128) 28×28, batch 100, 1 thread');
    expect(outOfReach.status).toBe('out of reach');
    expect(outOfReach.measured).toContain(`at most ${ceiling.toFixed(1)}× tfjs-wasm`);
    expect(outOfReach.measured).toContain(`${(TRAIN_FLOPS / 1e6).toFixed(2)} MFLOP a sample`);
    expect(statusOf([probe(50), training(15, 190)], 'train LSTM(128) 28×28, batch 100, 1 thread').status).toBe('not met'); // 20.9× reachable
    expect(statusOf([probe(50), training(21, 200)], 'train LSTM(128) 28×28, batch 100, 1 thread').status).toBe('met');
    expect(statusOf([training(15, 200)], 'train LSTM(128) 28×28, batch 100, 1 thread').status).toBe('not met'); // no probe: no claim
  });

  it('judges the reach of a multi-threaded target against the fastest peer, on every core it uses', () => {
    const rows = (web2T: number) => [probe(45), inference('ort-web 1T', 6000, 2.4), inference('ort-web 2T', web2T, 13000 / web2T), inference('ort-node 1T', 26000, 0.5)];
    // Two cores at 45 GFLOP/s answer 20,121 sequences/s: 1.79× a peer at 11,250, 2.01× one at 10,000.
    expect((2 * 45e9) / FORWARD_FLOPS).toBeCloseTo(20121, 0);
    const judged = statusOf(rows(11250), 'infer same, batch 100');
    expect(judged.status).toBe('out of reach');
    expect(judged.measured).toContain('at most 1.8× ort-web 2T');
    expect(statusOf(rows(10000), 'infer same, batch 100').status).toBe('not met');
  });

  it('judges the cold start by its own time and shows the peers measured in the same runs beside it', () => {
    const row = "cold start node: import → first prediction, 'seqwasm/inference'";
    const ours = (ms: number): Row => ({ name: row, unit: 'ms', value: ms });
    const peer = (name: string, ms: number, ratio: number): Row => ({ name: row, unit: 'ms', value: 19, peer: name, peerValue: ms, ratio });
    const judged = (ms: number, peers: Row[]) => statusOf([ours(ms), ...peers], 'Node cold start, import → first prediction (seqwasm/inference)');
    const met = judged(19, [peer('ort-node 1T', 95, 5.1), peer('ort-web 1T', 400, 21.3)]);
    expect(met.status).toBe('met');
    expect(met.measured).toBe('19.0 ms; 5.10× ort-node 1T (95.0 ms); 21.30× ort-web 1T (400 ms)');
    // Faster than every peer is still not the target: the time is judged, not the ratios.
    expect(judged(21, [peer('ort-node 1T', 95, 4.5)]).status).toBe('not met');
    // A peer that did not run is left out, not shown as 0.
    expect(judged(19, []).measured).toBe('19.0 ms');
  });

  it("calls the machine unsteady when the peak probe's rounds spread by more than a quarter", () => {
    const rounds = (min: number, max: number): Row => ({ name: 'peak probe', unit: 'GFLOP/s', value: (min + max) / 2, min, max });
    expect(machineSteadiness([rounds(23.1, 46.5)])).toMatch(/^unsteady: the peak probe's rounds ranged 23\.1–46\.5 GFLOP\/s \(2\.01×\)/);
    expect(machineSteadiness([rounds(44, 46)])).toBe("steady: the peak probe's rounds ranged 44.0–46.0 GFLOP/s (1.05×)");
    expect(machineSteadiness([rounds(40, 50.5)])).toMatch(/^unsteady/);
    expect(machineSteadiness([rounds(40, 49.9)])).toMatch(/^steady/);
    // One round (--quick) or no kernels suite: nothing to say.
    expect(machineSteadiness([probe(45)])).toBeUndefined();
    expect(machineSteadiness([])).toBeUndefined();
  });
});
