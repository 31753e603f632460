// The progress display driven with a fake clock, capturing what it writes. Expected number
// formats come from Python 3 ('%.4f' % x, '%.4e' % x, as Keras prints them).
import { describe, expect, it } from 'vitest';
import { ModelConfigError, ModelStateError } from '../../src/model/errors.js';
import { formatExponential, formatFixed, formatValue, progressLogger, type ProgressLoggerOptions } from '../../src/training/progress.js';
import { rng, testSeed } from '../util/random.js';

/** A logger on a fake clock (ms), writing into `out`. */
function setup(options: Partial<ProgressLoggerOptions> & { steps?: number; epochs?: number } = {}) {
  const out: string[] = [];
  let clock = 1000;
  const { steps = 4, epochs = 3, ...rest } = options;
  const logger = progressLogger({ verbose: 1, isTTY: true, write: (text) => out.push(text), now: () => clock, ...rest });
  logger.setParams({ epochs, initialEpoch: 0, steps, samples: steps * 32, batchSize: 32, metrics: ['loss', 'accuracy', 'val_loss'], verbose: rest.verbose ?? 1 });
  /** Batch `b` ends `ms` after the previous event, with running means loss/accuracy. */
  const batch = (b: number, ms: number, logs: Record<string, number> = { loss: 0.5, accuracy: 0.25 }) => {
    clock += ms;
    logger.onBatchEnd(b, { batch: b, size: 32, ...logs });
  };
  const later = (ms: number) => (clock += ms);
  return { logger, out, batch, later };
}

const epochLogs = { loss: 0.4123, accuracy: 29 / 32, val_loss: 0.0001 };

describe('progressLogger on a terminal, verbose 1', () => {
  it('prints the epoch, redraws one line in place at most every 50 ms, and finishes it with the epoch logs', () => {
    const { logger, out, batch, later } = setup();
    logger.onEpochBegin(1);
    batch(0, 10); // drawn: the first batch always is
    batch(1, 20); // 20 ms after the last draw: skipped
    batch(2, 40); // 60 ms: drawn
    batch(3, 20); // skipped
    later(10);
    logger.onEpochEnd(1, { ...epochLogs });
    expect(out).toEqual([
      'Epoch 2/3\n',
      // 10 ms for the first step, ETA 3 × 10 ms.
      '\r1/4 [======>.......................] - ETA: 0s - loss: 0.5000 - accuracy: 0.2500',
      // Steps after the first: (1070 − 1010) / 2 = 30 ms.
      '\r3/4 [=====================>........] - ETA: 0s - loss: 0.5000 - accuracy: 0.2500',
      // 0.1 s in all; (1100 − 1010) / 3 = 30 ms a step; 29/32 rounds half to even as in Keras.
      '\r4/4 [==============================] - 0s 30ms/step - loss: 0.4123 - accuracy: 0.9062 - val_loss: 1.0000e-04\n',
    ]);
  });

  it('shows the ETA in seconds, minutes or hours, and the elapsed time and step time in Keras units', () => {
    const { logger, out, batch } = setup({ steps: 100000, epochs: 1 });
    logger.onEpochBegin(0);
    batch(0, 200); // 0.2 s a step × 99999 steps left = 19999.8 s
    batch(1, 200); // 0.2 × 99998 = 19999.6 s
    batch(2, 30); // no draw (30 ms)
    batch(3, 70); // steps after the first: (1500 − 1200) / 3 = 100 ms × 99996 = 9999.6 s
    expect(out).toHaveLength(4);
    expect(out[1]).toContain('     1/100000 [');
    expect(out[1]).toContain('] - ETA: 5:33:19 - loss');
    expect(out[2]).toContain('] - ETA: 5:33:19 - loss');
    expect(out[3]).toContain('] - ETA: 2:46:39 - loss');
    const short = setup({ steps: 1000, epochs: 1 });
    short.logger.onEpochBegin(0);
    short.batch(0, 100); // 0.1 s × 999 = 99.9 s
    expect(short.out[1]).toContain('] - ETA: 1:39 - loss');
    short.later(1500);
    short.logger.onEpochEnd(0, {});
    // 1.6 s in all ('%.0f' % 1.6); one batch seen, so a step took 1.6 s; the rest blanked.
    expect(short.out[2]).toBe(`\r   1/1000 [${'.'.repeat(30)}] - 2s 2s/step`.padEnd(short.out[1].length, ' ') + '\n');
  });

  it('blanks what is left of a longer previous line', () => {
    const { logger, out, batch } = setup();
    logger.onEpochBegin(0);
    batch(0, 10, { loss: 12345.678, accuracy: 0.5 });
    batch(1, 60, { loss: 1.5 });
    const [first, second] = [out[1], out[2]];
    expect(second).toBe('\r2/4 [==============>...............] - ETA: 0s - loss: 1.5000' + ' '.repeat(first.length - 62));
    expect(second.length).toBe(first.length);
  });

  it('cuts redrawn lines to the terminal width so they never wrap, but not the final one', () => {
    const { logger, out, batch } = setup({ columns: 40 });
    logger.onEpochBegin(0);
    batch(0, 10);
    logger.onEpochEnd(0, { ...epochLogs });
    expect(out[1]).toBe('\r1/4 [======>.......................] - ');
    expect(out[2].startsWith('\r1/4 [======>.......................] - 0s 10ms/step - loss: 0.4123')).toBe(true);
  });

  it('counts batches without a bar when their number is unknown', () => {
    const { logger, out, batch, later } = setup({ steps: NaN });
    logger.onEpochBegin(0);
    batch(0, 10);
    batch(1, 100);
    batch(2, 100);
    later(1400);
    logger.onEpochEnd(0, { loss: 0.25 });
    expect(out).toEqual([
      'Epoch 1/3\n',
      '\r      1/Unknown - 0s 10ms/step - loss: 0.5000 - accuracy: 0.2500',
      '\r      2/Unknown - 0s 100ms/step - loss: 0.5000 - accuracy: 0.2500',
      '\r      3/Unknown - 0s 100ms/step - loss: 0.5000 - accuracy: 0.2500',
      // At the end the count is known: 1.61 s, (1610 − 10) / 2 = 800 ms a step.
      '\r3/3 [==============================] - 2s 800ms/step - loss: 0.2500\n',
    ]);
  });

  it('redraws about every 50 ms however fast the batches come', () => {
    const { logger, out, batch } = setup({ steps: 1000 });
    logger.onEpochBegin(0);
    for (let b = 0; b < 1000; b++) batch(b, 1);
    logger.onEpochEnd(0, {});
    const redraws = out.filter((text) => text.startsWith('\r') && !text.endsWith('\n'));
    expect(redraws).toHaveLength(20); // at 1, 51, …, 951 ms
    expect(out.at(-1)).toMatch(/^\r1000\/1000 \[=+\] - 1s 1ms\/step *\n$/);
  });
});

describe('progressLogger, one line per epoch', () => {
  it('writes only a line per epoch when the output is not a terminal', () => {
    const { logger, out, batch, later } = setup({ isTTY: false });
    for (const epoch of [0, 1]) {
      logger.onEpochBegin(epoch);
      for (let b = 0; b < 4; b++) batch(b, 600);
      later(100);
      logger.onEpochEnd(epoch, { ...epochLogs });
    }
    // 2.5 s an epoch: Python's '%.0f' % 2.5 is '2' (half to even); steps after the first: 1.9 s / 3.
    const line = (epoch: number) => `Epoch ${epoch}/3 - 2s - 633ms/step - loss: 0.4123 - accuracy: 0.9062 - val_loss: 1.0000e-04\n`;
    expect(out).toEqual([line(1), line(2)]);
  });

  it('does the same on a terminal at verbose 2', () => {
    const { logger, out, batch } = setup({ verbose: 2, steps: NaN });
    logger.onEpochBegin(0);
    batch(0, 2000);
    logger.onEpochEnd(0, { loss: 3e-7 });
    expect(out).toEqual(['Epoch 1/3 - 2s - 2s/step - loss: 3.0000e-07\n']);
  });
});

describe('progressLogger options', () => {
  const write = () => {};
  it('rejects bad options, naming them', () => {
    const error = (options: unknown) => {
      try {
        progressLogger(options as ProgressLoggerOptions);
      } catch (e) {
        expect(e).toBeInstanceOf(ModelConfigError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(error({ verbose: 3, write, isTTY: true })).toBe('progressLogger: verbose must be 1 or 2, got 3');
    expect(error({ verbose: 1, isTTY: true })).toBe('progressLogger: write is required');
    expect(error({ verbose: 1, write: 'stdout', isTTY: true })).toBe('progressLogger: write must be a function, got "stdout"');
    expect(error({ verbose: 1, write, isTTY: 'yes' })).toBe('progressLogger: isTTY must be true or false, got "yes"');
    expect(error({ verbose: 1, write, isTTY: true, columns: 0 })).toBe('progressLogger: columns must be a positive integer, got 0');
    expect(error({ verbose: 1, write, isTTY: true, now: 5 })).toBe('progressLogger: now must be a function, got 5');
    expect(error({ verbose: 1, write, isTTY: true, colums: 80 })).toBe("progressLogger: colums is not a known option (did you mean 'columns'?)");
  });

  it('needs the training params', () => {
    const logger = progressLogger({ verbose: 1, write, isTTY: true });
    expect(() => logger.onEpochBegin(0)).toThrow(ModelStateError);
  });

  it('defaults to the performance clock', () => {
    const out: string[] = [];
    const logger = progressLogger({ verbose: 2, write: (t) => out.push(t), isTTY: false });
    logger.setParams({ epochs: 1, initialEpoch: 0, steps: 1, samples: 1, batchSize: 1, metrics: ['loss'], verbose: 2 });
    logger.onEpochBegin(0);
    logger.onBatchEnd(0, { batch: 0, size: 1, loss: 1 });
    logger.onEpochEnd(0, { loss: 1 });
    expect(out[0]).toMatch(/^Epoch 1\/1 - 0s - \d+(us|ms)\/step - loss: 1\.0000\n$/);
  });
});

describe('Python number formats', () => {
  it('match Python 3 on chosen values', () => {
    // [x, '%.4f' % x, '%.4e' % x, '%.0f' % x] printed by Python 3.
    const python: [number, string, string, string][] = [
      [0.90625, '0.9062', '9.0625e-01', '1'],
      [0.03125, '0.0312', '3.1250e-02', '0'],
      [0.09375, '0.0938', '9.3750e-02', '0'],
      [0.4123, '0.4123', '4.1230e-01', '0'],
      [0.00012345678, '0.0001', '1.2346e-04', '0'],
      [1.5e-5, '0.0000', '1.5000e-05', '0'],
      [0, '0.0000', '0.0000e+00', '0'],
      [-0, '-0.0000', '-0.0000e+00', '-0'],
      [123456.78901, '123456.7890', '1.2346e+05', '123457'],
      [0.001, '0.0010', '1.0000e-03', '0'],
      [-0.25, '-0.2500', '-2.5000e-01', '-0'],
      [2.5, '2.5000', '2.5000e+00', '2'],
      [0.5, '0.5000', '5.0000e-01', '0'],
      [1e-300, '0.0000', '1.0000e-300', '0'],
      [5e-324, '0.0000', '4.9407e-324', '0'],
      [9.99995e-5, '0.0001', '9.9999e-05', '0'],
      [1.00005, '1.0001', '1.0001e+00', '1'],
    ];
    for (const [x, fixed, exponential, whole] of python) {
      expect(formatFixed(x, 4), String(x)).toBe(fixed);
      expect(formatExponential(x, 4), String(x)).toBe(exponential);
      expect(formatFixed(x, 0), String(x)).toBe(whole);
    }
    expect([NaN, Infinity, -Infinity].map((x) => [formatFixed(x, 4), formatExponential(x, 4), formatValue(x)])).toEqual([
      ['nan', 'nan', 'nan'],
      ['inf', 'inf', 'inf'],
      ['-inf', '-inf', '-inf'],
    ]);
  });

  it('round every k/32 half to even (independent integer arithmetic)', () => {
    for (let k = 0; k <= 96; k++) {
      // k/32 · 10^4 = k · 312.5: a tie exactly when k is odd.
      const twice = k * 625;
      let q = Math.floor(twice / 2);
      if (twice % 2 === 1 && q % 2 === 1) q++;
      const expected = `${Math.floor(q / 10000)}.${String(q % 10000).padStart(4, '0')}`;
      expect(formatFixed(k / 32, 4), `${k}/32`).toBe(expected);
    }
  });

  it('agree with JS toFixed / toExponential away from exact ties, on random values of every magnitude', () => {
    const seed = testSeed();
    const random = rng(seed);
    let compared = 0;
    for (let i = 0; i < 3000; i++) {
      const x = (random() < 0.5 ? -1 : 1) * random() * 10 ** Math.floor(random() * 40 - 20);
      const label = `seed ${seed}: ${x}`;
      // A tie at the 4th decimal is (2n + 1)/(2·10^4): a multiple of 2^−5 when it is a double.
      if (!Number.isInteger(x * 32)) {
        expect(formatFixed(x, 4), label).toBe(x.toFixed(4));
        compared++;
      }
      // A tie at the 4th digit after d.dddd·10^e: a multiple of 2^(e − 5).
      const e = Number(x.toExponential(4).split('e')[1]);
      if (!Number.isInteger(x * 2 ** (5 - e))) expect(formatExponential(x, 4), label).toBe(x.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2'));
      expect(formatValue(x), label).toBe(Math.abs(x) > 1e-3 ? formatFixed(x, 4) : formatExponential(x, 4));
    }
    expect(compared).toBeGreaterThan(2000);
  });
});
