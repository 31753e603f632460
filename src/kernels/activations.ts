// Typed wrappers around the activation kernels of assembly/activations.ts (the math and its
// accuracy are documented in assembly/vmath.ts). Every argument is checked before any Wasm
// runs, so a bad count or region is a RangeError/TypeError naming the argument, and no
// output is touched. Outputs may be an input exactly (in place) or lie apart from them.
import type { F32Region } from '../runtime/arena.js';
import { exportsOf, inPlaceOrApart, offsets } from './buffers.js';
import { dimOf } from './validate.js';

/**
 * The element-wise activations with a buffer kernel.
 *
 * @example
 * ```ts
 * const kind: kernels.UnaryActivation = 'relu';
 * kernels.activate(kind, x);
 * ```
 */
export type UnaryActivation = 'exp' | 'sigmoid' | 'tanh' | 'hardSigmoid' | 'hardSigmoidKeras3' | 'relu';
/**
 * The activations whose derivative a backward pass takes from the stored output.
 *
 * @example
 * ```ts
 * const kind: kernels.GradActivation = 'sigmoid';
 * kernels.activateGrad(kind, y, dy);
 * ```
 */
export type GradActivation = 'sigmoid' | 'tanh' | 'hardSigmoid' | 'hardSigmoidKeras3' | 'relu';

type ActivationExports = Record<UnaryActivation, (src: number, dst: number, n: number) => void> &
  Record<`${GradActivation}Grad`, (y: number, dy: number, dx: number, n: number) => void> & {
    softmax(src: number, dst: number, rows: number, cols: number): void;
    softmaxGrad(y: number, dy: number, dx: number, rows: number, cols: number): void;
  };

const UNARY = new Set<string>(['exp', 'sigmoid', 'tanh', 'hardSigmoid', 'hardSigmoidKeras3', 'relu']);
const GRAD = new Set<string>(['sigmoid', 'tanh', 'hardSigmoid', 'hardSigmoidKeras3', 'relu']);

/**
 * dst = kind(src) over the first n floats (in place by default).
 *
 * @example
 * ```ts
 * kernels.activate('sigmoid', x);            // in place
 * kernels.activate('tanh', x, y);            // y = tanh(x)
 * ```
 */
export function activate(kind: UnaryActivation, src: F32Region, dst = src, n = src.length): void {
  if (!UNARY.has(kind)) throw new RangeError(`activate(kind): expected one of ${[...UNARY].join(', ')}, got ${String(kind)}`);
  const [srcOffset, dstOffset] = offsets(kind, n, { src, dst });
  inPlaceOrApart(kind, n, ['dst', dstOffset], { src: srcOffset });
  exportsOf<ActivationExports>(kind)[kind](srcOffset, dstOffset, n);
}

/**
 * dst = e^src (≤ 1 ULP; +Inf from 88.72283935546875 up, 0 from −103.97208404541016 down).
 *
 * @example
 * ```ts
 * kernels.exp(x);                             // x = e^x, in place
 * ```
 */
export function exp(src: F32Region, dst = src, n = src.length): void {
  activate('exp', src, dst, n);
}

/**
 * dst = 1/(1 + e^−src) (≤ 2 ULP).
 *
 * @example
 * ```ts
 * kernels.sigmoid(logits, probs);
 * ```
 */
export function sigmoid(src: F32Region, dst = src, n = src.length): void {
  activate('sigmoid', src, dst, n);
}

/**
 * dst = tanh(src) (≤ 4 ULP, exactly odd).
 *
 * @example
 * ```ts
 * kernels.tanh(x);
 * ```
 */
export function tanh(src: F32Region, dst = src, n = src.length): void {
  activate('tanh', src, dst, n);
}

/**
 * dst = clip(0.2·src + 0.5, 0, 1), TF.js's hardSigmoid.
 *
 * @example
 * ```ts
 * kernels.hardSigmoid(x);
 * ```
 */
export function hardSigmoid(src: F32Region, dst = src, n = src.length): void {
  activate('hardSigmoid', src, dst, n);
}

/**
 * dst = relu6(src + 3) / 6 = clip(src/6 + 0.5, 0, 1), Keras 3's hard_sigmoid.
 *
 * @example
 * ```ts
 * kernels.hardSigmoidKeras3(x);
 * ```
 */
export function hardSigmoidKeras3(src: F32Region, dst = src, n = src.length): void {
  activate('hardSigmoidKeras3', src, dst, n);
}

/**
 * dst = max(src, 0); NaN stays NaN.
 *
 * @example
 * ```ts
 * kernels.relu(x);
 * ```
 */
export function relu(src: F32Region, dst = src, n = src.length): void {
  activate('relu', src, dst, n);
}

/**
 * The backward pass of an activation from its output y: dx = dy·kind'(x), with
 * σ' = y(1 − y), tanh' = 1 − y², relu' = [y > 0], hardSigmoid' = 0.2·[0 < y < 1],
 * hardSigmoidKeras3' = [0 < y < 1]/6.
 * dx defaults to dy (in place).
 *
 * @example
 * ```ts
 * kernels.activate('tanh', x, y);
 * kernels.activateGrad('tanh', y, dy);       // dy = dy·(1 − y²), in place
 * ```
 */
export function activateGrad(kind: GradActivation, y: F32Region, dy: F32Region, dx = dy, n = y.length): void {
  if (!GRAD.has(kind)) throw new RangeError(`activateGrad(kind): expected one of ${[...GRAD].join(', ')}, got ${String(kind)}`);
  const what = `${kind}Grad` as const;
  const [yOffset, dyOffset, dxOffset] = offsets(what, n, { y, dy, dx });
  inPlaceOrApart(what, n, ['dx', dxOffset], { y: yOffset, dy: dyOffset });
  exportsOf<ActivationExports>(what)[what](yOffset, dyOffset, dxOffset, n);
}

/** Checks a rows×cols matrix map's dims and that every region holds rows·cols floats; returns their offsets. */
function rowMap(what: string, rows: number, cols: number, named: Record<string, F32Region>): number[] {
  dimOf(what, 'rows', rows, 0);
  dimOf(what, 'cols', cols, 1);
  return offsets(what, rows * cols, named);
}

/**
 * Row-wise softmax of a row-major rows×cols matrix, max-subtracted, each row's sum taken in
 * a fixed order. A row holding NaN or +Inf (or only −Inf) becomes NaN. dst defaults to src.
 *
 * @example
 * ```ts
 * kernels.softmax(logits, rows, cols);        // each row now sums to 1
 * ```
 */
export function softmax(src: F32Region, rows: number, cols: number, dst = src): void {
  const [srcOffset, dstOffset] = rowMap('softmax', rows, cols, { src, dst });
  inPlaceOrApart('softmax', rows * cols, ['dst', dstOffset], { src: srcOffset });
  exportsOf<ActivationExports>('softmax').softmax(srcOffset, dstOffset, rows, cols);
}

/**
 * The backward pass of row-wise softmax from its output y: dx = y·(dy − Σ_j dy·y) per row.
 *
 * @example
 * ```ts
 * kernels.softmaxGrad(probs, dProbs, rows, cols, dLogits);
 * ```
 */
export function softmaxGrad(y: F32Region, dy: F32Region, rows: number, cols: number, dx = dy): void {
  const [yOffset, dyOffset, dxOffset] = rowMap('softmaxGrad', rows, cols, { y, dy, dx });
  inPlaceOrApart('softmaxGrad', rows * cols, ['dx', dxOffset], { y: yOffset, dy: dyOffset });
  exportsOf<ActivationExports>('softmaxGrad').softmaxGrad(yOffset, dyOffset, dxOffset, rows, cols);
}
