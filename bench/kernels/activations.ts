// Activation throughput in Gelem/s: our exp/sigmoid/tanh kernels against a plain JS loop over
// Float32Arrays (Math.exp / Math.tanh), timed together in one tinybench run after warm-up.
// Assumes init() has run.
import { arena } from '../../src/index.js';
import { activate, type UnaryActivation } from '../../src/kernels/index.js';
import { medianMs, withPeer, type Row, type SuiteOptions } from '../harness.js';

const SIZES: [number, string][] = [
  [64 * 1024, '64K'],
  [1024 * 1024, '1M'],
];

const peers: Record<'exp' | 'sigmoid' | 'tanh', (x: Float32Array, y: Float32Array) => void> = {
  exp: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.exp(x[i]);
  },
  sigmoid: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
  },
  tanh: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
  },
};

export async function activationRows({ quick = false }: SuiteOptions = {}): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [n, label] of quick ? SIZES.slice(0, 1) : SIZES) {
    const memory = arena();
    const src = memory.allocF32(n);
    const dst = memory.allocF32(n);
    const xs = new Float32Array(n);
    // A fixed, spread-out input: the kernels have no data-dependent branches, Math.exp may.
    for (let i = 0; i < n; i++) xs[i] = -10 + (20 * ((i * 2654435761) % n)) / n;
    src.set(xs);
    const ys = new Float32Array(n);
    for (const kind of ['sigmoid', 'tanh', 'exp'] as const satisfies readonly UnaryActivation[]) {
      const ms = await medianMs(
        {
          ours: () => activate(kind, src, dst),
          js: () => peers[kind](xs, ys),
        },
        quick ? { time: 100, warmupTime: 50 } : {},
      );
      const gelems = (t: number) => n / (t * 1e6);
      rows.push(withPeer({ name: `${kind} ${label}`, unit: 'Gelem/s', value: gelems(ms.ours) }, 'JS loop (Math.exp/Math.tanh)', gelems(ms.js)));
    }
    memory.free(dst);
    memory.free(src);
  }
  return rows;
}
