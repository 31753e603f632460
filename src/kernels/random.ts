// Typed wrappers around the random fills of assembly/random.ts (the initializers' draws).
// They take a Prng and a plain typed array: the generator's state and the values travel
// through the arena's workspace (Arena.withScratch: kept between small calls, lent for a
// large one), and the Prng goes on from where the kernel stopped, exactly as if JS had
// drawn the same numbers.
import { ARENA_ALIGN } from '../runtime/arena.js';
import { arena } from '../runtime/module.js';
import { Prng } from '../util/prng.js';
import { exportsOf } from './buffers.js';

interface RandomExports {
  randomUniform(state: number, out: number, n: number, min: number, max: number): void;
  randomNormal(state: number, out: number, n: number, mean: number, stddev: number, truncated: number): void;
  standardNormal64(state: number, out: number, n: number): void;
}

/** The workspace's first line holds the four state words; the values follow it. */
const STATE_BYTES = ARENA_ALIGN;

/**
 * Fills `out` with values uniform in [min, max), each f32(min + (max − min)·u) for
 * u = rng.float(), a value rounding up to f32(max) drawn again: the same numbers and the same
 * generator state afterwards as that loop in JavaScript.
 *
 * @example
 * ```ts
 * const w = new Float32Array(12);
 * kernels.randomUniform(prng(1), w, -0.5, 0.5);
 * ```
 */
export function randomUniform(rng: Prng, out: Float32Array, min: number, max: number): void {
  const what = 'randomUniform';
  checkArguments(what, rng, out, Float32Array);
  finite(what, 'min', min);
  finite(what, 'max', max);
  if (!(min <= max)) throw new RangeError(`${what}(min, max): expected min <= max, got min=${min}, max=${max}`);
  fill(what, rng, out, (kernels, state, at) => kernels.randomUniform(state, at, out.length, min, max));
}

/**
 * Fills `out` with normal values mean + stddev·z, z standard normal by Marsaglia's polar
 * method (util/detmath.ts's log, so the same bits in every runtime), each rounded once to
 * float32; `truncated`: a z beyond ±2 is drawn again (Keras's TruncatedNormal). The pair's
 * second draw left over at the end is dropped.
 *
 * @example
 * ```ts
 * const w = new Float32Array(12);
 * kernels.randomNormal(prng(1), w, 0, 0.05, true);
 * ```
 */
export function randomNormal(rng: Prng, out: Float32Array, mean: number, stddev: number, truncated: boolean): void {
  const what = 'randomNormal';
  checkArguments(what, rng, out, Float32Array);
  finite(what, 'mean', mean);
  finite(what, 'stddev', stddev);
  if (!(stddev >= 0)) throw new RangeError(`${what}(stddev): expected a number >= 0, got ${stddev}`);
  if (typeof truncated !== 'boolean') throw new TypeError(`${what}(truncated): expected a boolean, got ${typeof truncated} ${String(truncated)}`);
  fill(what, rng, out, (kernels, state, at) => kernels.randomNormal(state, at, out.length, mean, stddev, truncated ? 1 : 0));
}

/**
 * Fills the Float64Array `out` with standard normal values, untruncated, by the same polar
 * method as {@link randomNormal} (the Orthogonal initializer's matrix, kept in float64).
 *
 * @example
 * ```ts
 * const a = new Float64Array(32 * 8);
 * kernels.standardNormal64(prng(1), a);
 * kernels.orthonormalColumns(a, 32, 8);
 * ```
 */
export function standardNormal64(rng: Prng, out: Float64Array): void {
  const what = 'standardNormal64';
  checkArguments(what, rng, out, Float64Array);
  fill(what, rng, out, (kernels, state, at) => kernels.standardNormal64(state, at, out.length));
}

function checkArguments(what: string, rng: Prng, out: Float32Array | Float64Array, type: typeof Float32Array | typeof Float64Array): void {
  if (!(rng instanceof Prng)) throw new TypeError(`${what}(rng): expected a Prng, got ${describe(rng)}`);
  if (!(out instanceof type)) throw new TypeError(`${what}(out): expected a ${type.name}, got ${describe(out)}`);
}

function finite(what: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${what}(${name}): expected a finite number, got ${typeof value === 'number' ? value : `${typeof value} ${String(value)}`}`);
}

/** 'number 3', 'Float64Array', 'null': what a wrong argument was. */
function describe(value: unknown): string {
  return value === null || typeof value !== 'object' ? `${typeof value} ${String(value)}` : Object.prototype.toString.call(value).slice(8, -1);
}

/** Lends rng's state and room for out's values to `draw` in Wasm memory, then takes back both. */
function fill(what: string, rng: Prng, out: Float32Array | Float64Array, draw: (kernels: RandomExports, state: number, at: number) => void): void {
  const kernels = exportsOf<RandomExports>(what);
  const memory = arena(what);
  const valueBytes = out.length * out.BYTES_PER_ELEMENT;
  memory.withScratch(what, (STATE_BYTES + valueBytes) / 4, (state) => {
    rng.lendStateTo(new Int32Array(memory.memory.buffer, state, 4));
    draw(kernels, state, state + STATE_BYTES);
    const buffer = memory.memory.buffer;
    rng.takeStateFrom(new Int32Array(buffer, state, 4));
    new Uint8Array(out.buffer, out.byteOffset, valueBytes).set(new Uint8Array(buffer, state + STATE_BYTES, valueBytes));
  });
}
