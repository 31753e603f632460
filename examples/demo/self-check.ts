// npm run demo -- --self-check: a report for whoever works on the kernels, not a newcomer's
// story. Checks the Wasm kernels against plain float64 JavaScript on fresh random inputs,
// measures GEMM speed against the register-only peak probe in this process, runs a whole LSTM
// layer in Wasm, turns a series and a text into training windows, then trains the alphabet
// lesson (LSTM(8), rmsprop), predicts every next letter, and saves and reloads the model.
// Returns the number of failed checks (the demo exits non-zero if any failed).
import { init, arena, kernels, layers, data, prng, sequential, optimizers, loadModel } from '../../dist/node.js';
import { wasm } from '../../dist/runtime/module.js';
import { medianMs } from '../../bench/harness.js';

export async function selfCheck(): Promise<number> {
  await init(); // the Node entry reads dist/seqwasm.wasm beside itself
  const memory = arena();
  const random = prng(Date.now() >>> 0);
  const randoms = (n: number) => Float32Array.from({ length: n }, () => random.float32() * 2 - 1);
  let failures = 0;
  const check = (label: string, ok: boolean, detail: string) => {
    if (!ok) failures++;
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${label.padEnd(34)} ${detail}`);
  };

  console.log('seqwasm kernel self-check (float32 Wasm SIMD vs float64 JavaScript)');
  for (const [transA, transB] of [[false, false], [false, true], [true, false]] as const) {
    const [m, n, k] = [129, 33, 17];
    const a = randoms(m * k), b = randoms(k * n);
    const at = (i: number, p: number) => (transA ? a[p * m + i] : a[i * k + p]);
    const bt = (p: number, j: number) => (transB ? b[j * k + p] : b[p * n + j]);
    const c = memory.allocF32(m * n);
    const [ra, rb] = [memory.fromArray(a), memory.fromArray(b)];
    kernels.gemm({ a: ra, b: rb, c, m, n, k, transA, transB });
    let worst = 0;
    const out = c.view();
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let exact = 0, scale = 0;
      for (let p = 0; p < k; p++) { exact += at(i, p) * bt(p, j); scale += Math.abs(at(i, p) * bt(p, j)); }
      worst = Math.max(worst, Math.abs(out[i * n + j] - exact) / Math.max(scale, 1e-30));
    }
    check(`gemm ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} ${m}x${k}x${n}`, worst <= 1e-6, `max error ${worst.toExponential(1)} of Σ|a·b|`);
    [c, ra, rb].forEach((r) => memory.free(r));
  }
  for (const [name, exact] of [['sigmoid', (x: number) => 1 / (1 + Math.exp(-x))], ['tanh', Math.tanh]] as const) {
    const xs = Float32Array.from({ length: 100_000 }, (_, i) => -30 + (60 * i) / 99_999);
    const region = memory.fromArray(xs);
    kernels.activate(name, region);
    const ys = region.view(), bits = new Int32Array(ys.buffer, ys.byteOffset, ys.length);
    let ulp = 0;
    for (let i = 0; i < xs.length; i++) {
      const want = new Int32Array(Float32Array.of(exact(xs[i])).buffer)[0];
      ulp = Math.max(ulp, Math.abs(bits[i] - want));
    }
    check(`${name} over [-30, 30]`, ulp <= (name === 'tanh' ? 8 : 4), `max ${ulp} ULP`);
    memory.free(region);
  }

  console.log('\nGEMM speed in this process (median of warmed-up runs; M×K×N)');
  const probe = wasm() as unknown as { peakProbe(n: number): number; peakProbeFlopsPerIteration(): number };
  const probeIterations = 1 << 20;
  const peakMs = (await medianMs({ peak: () => probe.peakProbe(probeIterations) }, { time: 300 })).peak;
  const peak = (probeIterations * probe.peakProbeFlopsPerIteration()) / peakMs / 1e6;
  console.log(`  register-only peak probe            ${peak.toFixed(1)} GFLOP/s`);
  for (const [m, k, n, what] of [[512, 512, 512, 'square'], [100, 156, 512, 'LSTM(128) step, batch 100'], [1, 156, 512, 'LSTM(128) step, batch 1']] as const) {
    const [a, b, packed, c] = [memory.fromArray(randoms(m * k)), memory.fromArray(randoms(k * n)), memory.allocF32(kernels.packedPanelSize(n, k)), memory.allocF32(m * n)];
    kernels.packWeights({ b, n, k, out: packed });
    const ms = (await medianMs({ gemm: () => kernels.gemmPacked({ a, packed, c, m, n, k }) }, { time: 300 })).gemm;
    const gflops = (2 * m * n * k) / ms / 1e6;
    console.log(`  ${`${m}x${k}x${n}`.padEnd(12)} ${what.padEnd(26)} ${gflops.toFixed(1).padStart(5)} GFLOP/s  ${(gflops / peak).toFixed(2)} × peak`);
    [a, b, packed, c].forEach((r) => memory.free(r));
  }

  console.log('\nLSTM(128) on 28 steps × 28 features: the whole sequence in one Wasm call');
  const lstm = layers.lstm({ units: 128 });
  lstm.build([null, 28, 28], prng(7));
  console.log(`  ${lstm.countParams()} parameters (Keras: 4·128·(28 + 128 + 1) = 80384)`);
  for (const batch of [1, 100]) {
    const plan = lstm.plan([batch, 28, 28]);
    const x = memory.fromArray(randoms(batch * 28 * 28));
    const ms = (await medianMs({ forward: () => plan.forward(x) }, { time: 300 })).forward;
    console.log(`  forward, batch ${String(batch).padEnd(3)}  ${ms.toFixed(3).padStart(7)} ms  (${((batch * 1000) / ms).toFixed(0)} sequences/s)`);
    plan.dispose();
    memory.free(x);
  }

  console.log('\nData: training windows in one call');
  const series = Float32Array.from({ length: 1000 }, (_, t) => Math.sin(t / 10) + 0.1 * (random.float32() - 0.5));
  const windows = data.timeseriesWindows(series, { sequenceLength: 24, horizon: 1 });
  console.log(`  noisy sine, 1000 points → x [${windows.x.shape}], y [${windows.y!.shape}]`);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const letters = data.vocabulary(alphabet, { level: 'char' });
  const { windows: seqs, next } = data.slidingWindows(alphabet, 3);
  const x = data.oneHot(seqs.flatMap((s) => Array.from(letters.encode(s))), letters.size);
  console.log(`  alphabet lesson: ${seqs.length} windows like ${seqs[0]} → ${next[0]}, one-hot [${x.shape}]`);

  console.log('\nThe alphabet lesson: LSTM(8) learns the next letter of every 5-letter window');
  const lesson = data.slidingWindows(alphabet, 5);
  const lessonX = data.oneHot(lesson.windows.map((w) => Array.from(letters.encode(w))), letters.size);
  const lessonY = data.oneHot(Array.from(letters.encode(lesson.next.join(''))), letters.size);
  const model = sequential({ seed: 7 });
  model.add(layers.lstm({ units: 8, inputShape: [5, letters.size] }));
  model.add(layers.dense({ units: letters.size, activation: 'softmax' }));
  model.compile({ optimizer: optimizers.rmsprop({ learningRate: 0.02 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  model.summary((line) => console.log(`  ${line}`));
  const started = performance.now();
  const history = await model.fit(lessonX, lessonY, { epochs: 50, batchSize: 1, verbose: 0 });
  const trainMs = performance.now() - started;
  const probs = model.predict(lessonX);
  const guesses = lesson.windows.map((_, i) => {
    const row = probs.data.subarray(i * letters.size, (i + 1) * letters.size);
    return letters.tokenAt(row.indexOf(Math.max(...row)));
  });
  console.log(`  50 epochs in ${trainMs.toFixed(0)} ms; loss ${history.history.loss[0].toFixed(3)} → ${history.history.loss.at(-1)!.toFixed(3)}`);
  console.log(`  ${lesson.windows.slice(0, 4).map((w, i) => `${w} → ${guesses[i]}`).join(', ')}, …`);
  const right = guesses.filter((g, i) => g === lesson.next[i]).length;
  check('every next letter right', right === guesses.length, `${right}/${guesses.length}`);
  const reloaded = await loadModel(model.save());
  const same = reloaded.predict(lessonX).data.every((v, i) => Object.is(v, probs.data[i]));
  check('saved and reloaded model, same bits', same, `model.json + ${model.save().weightData.byteLength} bytes of weights`);

  console.log(failures ? `\n${failures} self-check(s) FAILED` : '\nall self-checks passed');
  return failures;
}
