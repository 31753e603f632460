// The progress display of fit() (verbose 1 and 2), laid out like Keras's Progbar:
//
//   on a terminal, verbose 1: a header per epoch, then one line redrawn in place with '\r'
//     Epoch 3/50
//     12/32 [==========>...................] - ETA: 1s - loss: 0.4123 - accuracy: 0.8750
//   and, at the end of the epoch, the same line finished with the epoch's logs:
//     32/32 [==============================] - 0s 3ms/step - loss: 0.4098 - accuracy: 0.8760 - val_loss: 0.4301
//   with an unknown number of batches (an iterable), a count instead of the bar:
//          12/Unknown - 1s 3ms/step - loss: 0.4123
//   not a terminal (a log file, CI), or verbose 2: one line per epoch
//     Epoch 3/50 - 0s - 3ms/step - loss: 0.4098 - accuracy: 0.8760 - val_loss: 0.4301
//
// Numbers print as Keras prints them: '%.4f', or '%.4e' for magnitudes up to 1e-3, rounded
// from the exact binary value half to even like Python (JS's toFixed rounds ties up: an
// accuracy of 29/32 would show 0.9063 where Keras shows 0.9062). The time per step leaves out
// the first batch once there are more (it includes planning and warm-up), as Keras does. The
// line is redrawn at most every 50 ms of the clock, so fast batches do not flood the terminal.
import { optionalPositiveInteger, flag } from '../layers/options.js';
import { Callback, type Logs, type TrainingParams } from './callbacks.js';
import { callable, level, readOptions } from '../model/options.js';
import { ModelStateError } from '../model/errors.js';

const BAR_WIDTH = 30;
const REDRAW_MS = 50;
/** Batch-log keys that are bookkeeping, not values to show. */
const HIDDEN = new Set(['batch', 'size']);

const PROGRESS = {
  verbose: level([1, 2] as const),
  write: callable<(text: string) => void>(),
  isTTY: flag(false),
  now: callable<() => number>(true),
  columns: optionalPositiveInteger(),
};

export interface ProgressLoggerOptions {
  /** 1: a progress bar on a terminal (one line per epoch elsewhere); 2: one line per epoch. */
  verbose: 1 | 2;
  /** Where the text goes, e.g. process.stdout.write bound to stdout. */
  write: (text: string) => void;
  /** Whether `write` reaches a terminal that understands '\r' (process.stdout.isTTY). */
  isTTY: boolean;
  /** A clock in milliseconds; performance.now by default (tests inject a fake one). */
  now?: () => number;
  /** The terminal's width (process.stdout.columns): redrawn lines are cut to fit, so they never wrap. */
  columns?: number;
}

export class ProgressLogger extends Callback {
  private readonly write: (text: string) => void;
  private readonly now: () => number;
  private readonly columns: number | undefined;
  /** A terminal at verbose 1: a line redrawn as batches end; otherwise one line per epoch. */
  private readonly redraws: boolean;
  // The epoch in progress (all times in ms of `now`).
  private start = 0;
  private afterFirstStep: number | undefined = undefined;
  private seen = 0;
  private lastDraw = -Infinity;
  private drawnWidth = 0;

  constructor(options: ProgressLoggerOptions) {
    super();
    const settings = readOptions('progressLogger', options, PROGRESS);
    this.write = settings.write;
    this.now = settings.now ?? (() => performance.now());
    this.columns = settings.columns;
    this.redraws = settings.isTTY && settings.verbose === 1;
  }

  override onEpochBegin(epoch: number): void {
    const { epochs } = this.trainingParams();
    this.start = this.now();
    this.afterFirstStep = undefined;
    this.seen = 0;
    this.lastDraw = -Infinity;
    this.drawnWidth = 0;
    if (this.redraws) this.write(`Epoch ${epoch + 1}/${epochs}\n`);
  }

  override onBatchEnd(batch: number, logs?: Logs): void {
    this.seen = batch + 1;
    if (!this.redraws && this.seen !== 1) return;
    const now = this.now();
    if (this.seen === 1) this.afterFirstStep = now;
    if (!this.redraws || now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const target = this.trainingParams().steps;
    const perStep = this.stepSeconds(now);
    const line = Number.isNaN(target)
      ? `${String(this.seen).padStart(7)}/Unknown - ${formatFixed(this.elapsedSeconds(now), 0)}s${stepTime(perStep)}${values(logs)}`
      : `${progressBar(this.seen, target)} - ETA: ${eta(perStep * (target - this.seen))}${values(logs)}`;
    this.draw(this.columns === undefined ? line : line.slice(0, this.columns - 1), false);
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const { epochs, steps } = this.trainingParams();
    const now = this.now();
    const elapsed = `${formatFixed(this.elapsedSeconds(now), 0)}s`;
    const perStep = this.stepSeconds(now);
    if (this.redraws) {
      this.draw(`${progressBar(this.seen, Number.isNaN(steps) ? this.seen : steps)} - ${elapsed}${stepTime(perStep)}${values(logs)}`, true);
    } else {
      this.write(`Epoch ${epoch + 1}/${epochs} - ${elapsed} -${stepTime(perStep)}${values(logs)}\n`);
    }
  }

  /** Overwrites the current line, blanking what is left of a longer previous one. */
  private draw(line: string, final: boolean): void {
    const blank = ' '.repeat(Math.max(0, this.drawnWidth - line.length));
    this.write(`\r${line}${blank}${final ? '\n' : ''}`);
    this.drawnWidth = final ? 0 : line.length;
  }

  private elapsedSeconds(now: number): number {
    return (now - this.start) / 1000;
  }

  /** Keras's estimate: from the end of the first batch once there are two or more. */
  private stepSeconds(now: number): number {
    if (this.seen === 0) return 0;
    const ms = this.afterFirstStep !== undefined && this.seen > 1 ? (now - this.afterFirstStep) / (this.seen - 1) : (now - this.start) / this.seen;
    return ms / 1000;
  }

  private trainingParams(): TrainingParams {
    if (!this.params) throw new ModelStateError('progressLogger', 'params', 'progressLogger has no training params: fit() calls setParams() before training');
    return this.params;
  }
}

/** The progress display for verbose 1 / 2 (fit adds it in Node when verbose > 0). */
export function progressLogger(options: ProgressLoggerOptions): ProgressLogger {
  return new ProgressLogger(options);
}

/** `12/32 [==========>...................]`: the count right-aligned to the target's width. */
function progressBar(current: number, target: number): string {
  const count = `${String(current).padStart(String(target).length)}/${target}`;
  if (!(target > 0)) return count;
  const filled = Math.min(BAR_WIDTH, Math.floor(BAR_WIDTH * (current / target)));
  const head = filled > 0 ? '='.repeat(filled - 1) + (current < target ? '>' : '=') : '';
  return `${count} [${head}${'.'.repeat(BAR_WIDTH - filled)}]`;
}

/** Keras's ETA: `1:02:03`, `2:03` or `45s` (whole seconds, truncated). */
function eta(seconds: number): string {
  const two = (n: number) => String(Math.trunc(n)).padStart(2, '0');
  if (seconds > 3600) return `${Math.trunc(seconds / 3600)}:${two((seconds % 3600) / 60)}:${two(seconds % 60)}`;
  if (seconds > 60) return `${Math.trunc(seconds / 60)}:${two(seconds % 60)}`;
  return `${Math.trunc(seconds)}s`;
}

/** Keras's ' 3ms/step' (s, ms or us, whole units). */
function stepTime(seconds: number): string {
  if (seconds >= 1 || seconds === 0) return ` ${formatFixed(seconds, 0)}s/step`;
  if (seconds >= 1e-3) return ` ${formatFixed(seconds * 1000, 0)}ms/step`;
  return ` ${formatFixed(seconds * 1e6, 0)}us/step`;
}

/** ` - loss: 0.4123 - accuracy: 0.8750` for the logs' values, in their order. */
function values(logs: Logs | undefined): string {
  let text = '';
  for (const [key, value] of Object.entries(logs ?? {})) {
    if (!HIDDEN.has(key) && typeof value === 'number') text += ` - ${key}: ${formatValue(value)}`;
  }
  return text;
}

// ---- Python's number formats ----------------------------------------------------------

/** A logged value as Keras prints it: '%.4f' when |x| > 1e-3, else '%.4e' (0.4123, 1.2346e-05, nan). */
export function formatValue(x: number): string {
  return Math.abs(x) > 1e-3 ? formatFixed(x, 4) : formatExponential(x, 4);
}

/** Python's '%.{digits}f' % x: the exact value rounded half to even; 'nan', 'inf', '-inf'. */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const q = scaledRound(x, digits).toString().padStart(digits + 1, '0');
  return signOf(x) + (digits === 0 ? q : `${q.slice(0, -digits)}.${q.slice(-digits)}`);
}

/** Python's '%.{digits}e' % x: d.dddde±XX with at least two exponent digits, rounded half to even. */
export function formatExponential(x: number, digits: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  let exponent = 0;
  let q = 0n;
  if (x !== 0) {
    const low = 10n ** BigInt(digits);
    exponent = Math.floor(Math.log10(Math.abs(x))); // an estimate: corrected exactly below
    for (;;) {
      q = scaledRound(x, digits - exponent);
      if (q >= 10n * low) exponent++;
      else if (q < low) exponent--;
      else break;
    }
  }
  const m = q.toString().padStart(digits + 1, '0');
  const mantissa = digits === 0 ? m : `${m[0]}.${m.slice(1)}`;
  return `${signOf(x)}${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

const bits = new DataView(new ArrayBuffer(8));

/** round(|x|·10^shift) to the nearest integer, ties to even, computed exactly from x's bits. */
function scaledRound(x: number, shift: number): bigint {
  bits.setFloat64(0, x);
  const high = bits.getUint32(0);
  const biased = (high >>> 20) & 0x7ff;
  const fraction = (BigInt(high & 0xfffff) << 32n) | BigInt(bits.getUint32(4));
  // |x| = mantissa · 2^power (subnormals have no implicit leading bit).
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const power = biased === 0 ? -1074 : biased - 1075;
  let numerator = power >= 0 ? mantissa << BigInt(power) : mantissa;
  let denominator = power >= 0 ? 1n : 1n << BigInt(-power);
  if (shift >= 0) numerator *= 10n ** BigInt(shift);
  else denominator *= 10n ** BigInt(-shift);
  const q = numerator / denominator;
  const twice = 2n * (numerator - q * denominator);
  return twice > denominator || (twice === denominator && (q & 1n) === 1n) ? q + 1n : q;
}

const signOf = (x: number) => (x < 0 || Object.is(x, -0) ? '-' : '');
const nonFinite = (x: number) => (Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf');
