// The sequence-layer kernels (src/kernels/sequence.ts) on odd shapes (1, 3, 17, 129) against
// the float64 references of test/reference, with poisoned outputs (NaN everywhere, guards
// after the end) so a kernel that writes too little or too much fails; im2col/col2im and
// the copies exactly; and the typed errors for bad arguments.
import { describe, expect, it } from 'vitest';
import * as seq from '../../src/kernels/sequence.js';
import type { WindowGeometry } from '../../src/kernels/sequence.js';
import * as ref from '../reference/index.js';
import { expectClose } from '../layers/helpers.js';
import { rng, testSeed, uniform } from '../util/random.js';
import { GUARD, GUARD_VALUE, regionsFreedAfterEach } from '../util/regions.js';

const seed = testSeed();
const random = rng(seed);
const { region, poisoned } = regionsFreedAfterEach();
const ODD = [1, 3, 17, 129];

function expectGuards(r: ReturnType<typeof poisoned>, n: number, what: string): void {
  expect([...r.view().subarray(n)], `${what}: elements past the output were written (seed ${seed})`).toEqual(new Array(GUARD).fill(GUARD_VALUE));
}

/** A window geometry as the layers lay it out. */
function geometry(B: number, T: number, C: number, taps: number, stride: number, dilation: number, padding: ref.conv1d.Padding): WindowGeometry {
  const { outSteps, padLeft } = ref.conv1d.layout(T, (taps - 1) * dilation + 1, stride, padding);
  return { batch: B, steps: T, channels: C, taps, stride, dilation, padLeft, outSteps };
}

describe(`im2col1d and col2im1d (seed ${seed})`, () => {
  for (const C of ODD) {
    for (const [taps, stride, dilation, padding] of [[3, 1, 1, 'same'], [2, 2, 1, 'valid'], [3, 1, 2, 'causal'], [1, 1, 1, 'valid']] as const) {
      it(`C=${C}, ${taps} taps, stride ${stride}, dilation ${dilation}, ${padding}`, () => {
        const g = geometry(3, 17, C, taps, stride, dilation, padding);
        const x = uniform(random, 3 * 17 * C);
        const cols = poisoned(3 * g.outSteps * taps * C);
        seq.im2col1d(region(x), cols, g);
        // Column rows times a kernel are the convolution: check against the reference conv with a one-hot kernel per tap and channel.
        const got = cols.toArray(); // a copy: the regions made below may grow the memory
        for (let b = 0; b < 3; b++)
          for (let t = 0; t < g.outSteps; t++)
            for (let j = 0; j < taps; j++) {
              const p = t * stride - g.padLeft + j * dilation;
              for (let c = 0; c < C; c++) {
                const want = p >= 0 && p < 17 ? x[(b * 17 + p) * C + c] : 0;
                const at = ((b * g.outSteps + t) * taps + j) * C + c;
                if (got[at] !== want) expect.fail(`cols[${at}] is ${got[at]}, expected ${want} (seed ${seed})`);
              }
            }
        expectGuards(cols, 3 * g.outSteps * taps * C, 'im2col1d');
        // col2im is im2col's transpose: <im2col(x), d> = <x, col2im(d)>, and with one window per step it scatters exactly.
        const d = uniform(random, 3 * g.outSteps * taps * C);
        const dx = poisoned(3 * 17 * C);
        seq.col2im1d(region(d), dx, g);
        const lhs = [...got.subarray(0, d.length)].reduce((s, v, i) => s + v * d[i], 0);
        const rhs = [...dx.view().subarray(0, x.length)].reduce((s, v, i) => s + v * x[i], 0);
        expect(Math.abs(lhs - rhs), `adjoint (seed ${seed})`).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
        expectGuards(dx, 3 * 17 * C, 'col2im1d');
      });
    }
  }
});

describe(`pooling kernels (seed ${seed})`, () => {
  for (const C of ODD) {
    for (const o of [{ kind: 'max', poolSize: 3, strides: 2, padding: 'same' }, { kind: 'average', poolSize: 2, padding: 'valid' }, { kind: 'average', poolSize: 4, strides: 1, padding: 'same' }] as ref.pooling.PoolOptions[]) {
      it(`${o.kind} pool ${o.poolSize} ${o.padding}, C=${C}`, () => {
        const g = geometry(2, 17, C, o.poolSize, o.strides ?? o.poolSize, 1, o.padding!);
        const x = uniform(random, 2 * 17 * C);
        const n = 2 * g.outSteps * C;
        const y = poisoned(n);
        const dy = uniform(random, n);
        const dx = poisoned(x.length);
        if (o.kind === 'max') {
          const argmax = region(new Float32Array(n));
          seq.maxPool1d(region(x), y, argmax, g);
          seq.maxPoolBackward(region(dy), argmax, n, dx, x.length);
        } else {
          seq.avgPool1d(region(x), y, g);
          seq.avgPool1dBackward(region(dy), dx, g);
        }
        const xs = { shape: [2, 17, C], data: x };
        expectClose('y', y.view().subarray(0, n), ref.pooling.forward(xs, o).data, 1e-6);
        expectClose('dx', dx.view().subarray(0, x.length), ref.pooling.backward(xs, o, dy), 1e-6);
        expectGuards(y, n, 'y');
        expectGuards(dx, x.length, 'dx');
      });
    }
  }

  it('a tie goes to the first of equal values (max pooling and global max)', () => {
    const x = region([2, 2, 2, 1, 2, 2]); // [1, 6, 1]
    const g = geometry(1, 6, 1, 3, 3, 1, 'valid');
    const argmax = region(new Float32Array(2));
    seq.maxPool1d(x, region(new Float32Array(2)), argmax, g);
    const dx = region(new Float32Array(6));
    seq.maxPoolBackward(region([1, 10]), argmax, 2, dx, 6);
    expect([...dx.view()]).toEqual([1, 0, 0, 0, 10, 0]);
    seq.globalMaxPool1d(x, undefined, region(new Float32Array(1)), argmax, [1, 6, 1]);
    seq.maxPoolBackward(region([5]), argmax, 1, dx, 6);
    expect([...dx.view()]).toEqual([5, 0, 0, 0, 0, 0]);
  });

  for (const [B, T, C] of [[1, 1, 1], [3, 17, 3], [2, 3, 129]]) {
    it(`global pooling [${B}, ${T}, ${C}] with and without a mask`, () => {
      const x = uniform(random, B * T * C);
      const xs = { shape: [B, T, C], data: x };
      for (const mask of [undefined, Uint8Array.from({ length: B * T }, () => (random() < 0.5 ? 1 : 0))]) {
        const m = mask && region(mask);
        const dy = uniform(random, B * C);
        const avg = poisoned(B * C);
        const max = poisoned(B * C);
        const argmax = region(new Float32Array(B * C));
        const dxAvg = poisoned(B * T * C);
        const dxMax = poisoned(B * T * C);
        seq.globalAvgPool1d(region(x), m, avg, [B, T, C]);
        seq.globalAvgPool1dBackward(region(dy), m, dxAvg, [B, T, C]);
        seq.globalMaxPool1d(region(x), m, max, argmax, [B, T, C]);
        seq.maxPoolBackward(region(dy), argmax, B * C, dxMax, B * T * C);
        expectClose('avg', avg.view().subarray(0, B * C), ref.pooling.globalForward(xs, 'average', mask).data, 1e-6);
        expectClose('max', max.view().subarray(0, B * C), ref.pooling.globalForward(xs, 'max', mask).data, 0);
        expectClose('dx avg', dxAvg.view().subarray(0, B * T * C), ref.pooling.globalBackward(xs, 'average', dy, mask), 1e-6);
        expectClose('dx max', dxMax.view().subarray(0, B * T * C), ref.pooling.globalBackward(xs, 'max', dy, mask), 0);
        for (const [r, n] of [[avg, B * C], [max, B * C], [dxAvg, B * T * C], [dxMax, B * T * C]] as const) expectGuards(r, n, 'global pooling');
      }
    });
  }
});

describe(`layerNorm, repeatRows, permuteAxes, addRowToEach (seed ${seed})`, () => {
  for (const n of ODD) {
    for (const rows of [1, 3, 17]) {
      it(`layerNorm rows=${rows}, n=${n}`, () => {
        const x = uniform(random, rows * n, -3, 3);
        const gamma = uniform(random, n, 0.5, 1.5);
        const beta = uniform(random, n);
        const dy = uniform(random, rows * n);
        const y = poisoned(rows * n);
        const stats = region(new Float32Array(seq.layerNormStatsSize(rows)));
        const dx = poisoned(rows * n);
        const dgamma = region(new Float32Array(n));
        const dbeta = region(new Float32Array(n));
        seq.layerNorm({ x: region(x), rows, n, gamma: region(gamma), beta: region(beta), epsilon: 1e-3, y, stats });
        seq.layerNormBackward({ x: region(x), dy: region(dy), rows, n, gamma: region(gamma), stats, dx, dgamma, dbeta });
        const xs = { shape: [rows, n], data: x };
        expectClose('y', y.view().subarray(0, rows * n), ref.layerNormalization.forward(xs, { gamma, beta }).data, 1e-6);
        const g = ref.layerNormalization.backward(xs, { gamma, beta }, dy);
        expectClose('dx', dx.view().subarray(0, rows * n), g.dx, 1e-5);
        expectClose('dgamma', dgamma.toArray(), g.dGamma, 1e-5);
        expectClose('dbeta', dbeta.toArray(), g.dBeta, 1e-5);
        expectGuards(y, rows * n, 'y');
        expectGuards(dx, rows * n, 'dx');
      });
    }
  }

  it('repeatRows and its backward on odd sizes', () => {
    for (const n of ODD) {
      for (const repeats of [1, 3, 17]) {
        const x = uniform(random, 3 * n);
        const y = poisoned(3 * repeats * n);
        seq.repeatRows(region(x), y, 3, n, repeats);
        expect(y.view().subarray(0, 3 * repeats * n)).toEqual(Float32Array.from(ref.rearrange.repeatVector({ shape: [3, n], data: x }, repeats).data));
        expectGuards(y, 3 * repeats * n, 'repeatRows');
        const dy = uniform(random, 3 * repeats * n);
        const dx = poisoned(3 * n);
        seq.repeatRowsBackward(region(dy), dx, 3, n, repeats);
        expectClose('dx', dx.view().subarray(0, 3 * n), ref.rearrange.repeatVectorBackward({ shape: [3, repeats, n], data: dy }), 1e-6);
        expectGuards(dx, 3 * n, 'repeatRowsBackward');
      }
    }
  });

  it('permuteAxes moves every value where the reference does', () => {
    for (const dims of [[17, 3], [3, 129, 1], [1, 3, 17], [17, 1, 3]]) {
      const orders = dims.length === 2 ? [[0, 1], [1, 0]] : [[0, 2, 1], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
      for (const perm of orders) {
        const x = uniform(random, 3 * dims.reduce((a, b) => a * b));
        const y = poisoned(x.length);
        seq.permuteAxes(region(x), y, 3, dims, perm);
        expect(y.view().subarray(0, x.length)).toEqual(Float32Array.from(ref.rearrange.permute({ shape: [3, ...dims], data: x }, perm.map((p) => p + 1)).data));
        expectGuards(y, x.length, 'permuteAxes');
      }
    }
  });

  it('addRowToEach adds one row to every sample', () => {
    for (const n of ODD) {
      const x = uniform(random, 3 * n);
      const row = uniform(random, n);
      const y = poisoned(3 * n);
      seq.addRowToEach(region(x), region(row), y, 3, n);
      expect(y.view().subarray(0, 3 * n)).toEqual(Float32Array.from(x, (v, i) => Math.fround(v + row[i % n])));
      expectGuards(y, 3 * n, 'addRowToEach');
    }
  });
});

describe('bad arguments are typed errors naming the argument, before any Wasm runs', () => {
  it('sizes, regions, overlaps and windows', () => {
    const g = geometry(2, 5, 3, 3, 1, 1, 'valid');
    const x = region(new Float32Array(30));
    expect(() => seq.im2col1d(x, region(new Float32Array(10)), g)).toThrow(/im2col1d\(cols\)/);
    expect(() => seq.im2col1d(x, x, g)).toThrow(RangeError);
    expect(() => seq.im2col1d(x, region(new Float32Array(54)), { ...g, stride: 0 })).toThrow(/im2col1d\(stride\): expected an integer >= 1, got 0/);
    expect(() => seq.maxPool1d(x, region(new Float32Array(30)), region(new Float32Array(30)), { ...g, padLeft: 3 })).toThrow(/every pooling window must hold a step of the input/);
    expect(() => seq.avgPool1d(x, region(new Float32Array(30)), { ...g, outSteps: 9 })).toThrow(/every pooling window must hold a step/);
    expect(() => seq.layerNorm({ x, rows: 10, n: 3, epsilon: 0, y: region(new Float32Array(30)), stats: region(new Float32Array(40)) })).toThrow(/layerNorm\(epsilon\): expected a finite number > 0/);
    expect(() => seq.layerNorm({ x, rows: 10, n: 3, epsilon: 1e-3, y: region(new Float32Array(30)), stats: region(new Float32Array(4)) })).toThrow(/layerNorm\(stats\)/);
    expect(() => seq.permuteAxes(x, region(new Float32Array(30)), 2, [5, 3], [0, 0])).toThrow(/permuteAxes\(perm\): expected a permutation/);
    expect(() => seq.repeatRows(x, region(new Float32Array(30)), 2, 15, 2)).toThrow(/repeatRows\(y\)/);
    expect(() => seq.globalAvgPool1d(x, region(new Float32Array(3)), region(new Float32Array(6)), [2, 5, 3])).toThrow(/globalAvgPool1d\(mask\)/);
    expect(() => seq.addRowToEach(x, region(new Float32Array(14)), region(new Float32Array(30)), 2, 15)).toThrow(/addRowToEach\(row\)/);
  });
});
