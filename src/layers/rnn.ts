// RNN(cell): Keras's generic recurrent layer. `layers.rnn({ cell })` runs one cell, a
// StackedRNNCells or a list of cells over a sequence.
//
// How it runs. Stacked cells (each step's output of cell k is cell k+1's input at that step)
// compute exactly what the same cells give as separate layers, each over the whole sequence,
// fed the previous one's output sequence: on a padded step every cell keeps its state and
// the next cell ignores that step anyway. So an RNN is a chain of runs, one per cell:
//   - a built-in cell (simpleRNNCell, lstmCell, gruCell) runs as the matching whole-layer
//     kernel (recurrent.ts: one GEMM for all inputs, the time loop and BPTT inside Wasm), so
//     rnn({ cell: lstmCell(o) }) gives the bits of lstm(o);
//   - a user-written RNNCell runs in CellLoopPlan, a time loop on the host that calls the
//     cell's step plan once per step (forward) and once per step in reverse (BPTT).
// goBackwards: the first run reads the sequence backwards and returns its outputs in that
// order (Keras), so the later runs read those forwards, with the mask reversed to match.
//
// forward  x [B, T, F] (+ mask [B, T], initial states: every cell's, in order)
//          → y [B, T, O] (returnSequences) or [B, O]; final states, every cell's, in order
// backward dy (+ gradients at the final states) → dx, initial-state and weight gradients
import { copy, fill } from '../kernels/elementwise.js';
import type { RecurrentCell } from '../kernels/recurrent.js';
import type { F32Region } from '../runtime/arena.js';
import type { TensorLike } from '../tensor.js';
import type { Prng } from '../util/prng.js';
import { describe, LayerInputError, LayerStateError } from './errors.js';
import { automaticName, finiteTensor, Layer, LayerPlan, Regions, type BackwardOptions, type ForwardOptions, type LayerKind, type LayerOptions, type Mask, type PlanSetup, type Shape, type WeightSpec } from './layer.js';
import { choice, flag, OptionProblem, parseOptions, settingsToJSON, type OptionTable, type Settings } from './options.js';
import { GATE_ACTIVATION, GRU, LSTM, RECURRENT_OPTIONS, SimpleRNN, type RecurrentActivationName, type RecurrentLayer, type RecurrentOptions } from './recurrent.js';
import type { InitializerSpec } from './initializers.js';

// ---- built-in cells --------------------------------------------------------------------

/**
 * Options of {@link layers.simpleRNNCell}: a SimpleRNN layer's options without the sequence
 * ones (returnSequences, returnState, goBackwards, stateful belong to {@link layers.rnn}).
 *
 * @example
 * ```ts
 * layers.rnn({ cell: layers.simpleRNNCell({ units: 4, activation: 'relu' }), inputShape: [null, 3] });
 * ```
 */
export interface SimpleRnnCellOptions {
  /** The state size U (output features), an integer >= 1. Required. */
  units: number;
  /** Default 'tanh'. */
  activation?: RecurrentActivationName;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerSpec;
  /** Default 'orthogonal'. */
  recurrentInitializer?: InitializerSpec;
  /** Default 'zeros'. */
  biasInitializer?: InitializerSpec;
  /** Fraction of the inputs dropped in training, in [0, 1). Default 0. */
  dropout?: number;
  /** Fraction of the recurrent state dropped in training. Default 0. */
  recurrentDropout?: number;
  /** Default: the kind's prefix numbered as Keras does (lstm_cell, lstm_cell_1, …). */
  name?: string;
  /** Default true (the rnn's own trainable flag decides for its weights). */
  trainable?: boolean;
  /** Only 'float32'. */
  dtype?: 'float32';
}

/**
 * Options of {@link layers.lstmCell}.
 *
 * @example
 * ```ts
 * layers.lstmCell({ units: 8, recurrentActivation: 'hardSigmoid', unitForgetBias: false });
 * ```
 */
export interface LstmCellOptions extends SimpleRnnCellOptions {
  /** Gate activation; default 'sigmoid' (Keras 3; TF.js defaults to 'hardSigmoid'). */
  recurrentActivation?: RecurrentActivationName;
  /** Start the forget gate's bias at 1. Default true. */
  unitForgetBias?: boolean;
}

/**
 * Options of {@link layers.gruCell}.
 *
 * @example
 * ```ts
 * layers.gruCell({ units: 8, resetAfter: false });   // TF.js's GRU cell
 * ```
 */
export interface GruCellOptions extends SimpleRnnCellOptions {
  /** Gate activation; default 'sigmoid' (Keras 3; TF.js defaults to 'hardSigmoid'). */
  recurrentActivation?: RecurrentActivationName;
  /** Apply the reset gate after the recurrent matrix (Keras 3; bias (2, 3U)). Default true. */
  resetAfter?: boolean;
}

const { units, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, dropout, recurrentDropout } = RECURRENT_OPTIONS;
const CELL_OPTIONS = { units, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, dropout, recurrentDropout };
const CELL_COMMON = { name: { parse: cellName }, trainable: flag(true), dtype: choice(['float32'], 'float32') } satisfies OptionTable;
type CellTable = typeof CELL_OPTIONS & Partial<typeof GATE_ACTIVATION & { unitForgetBias: ReturnType<typeof flag>; resetAfter: ReturnType<typeof flag> }>;

const SIMPLE_RNN_CELL = { className: 'SimpleRNNCell', prefix: 'simple_rnn_cell', options: CELL_OPTIONS } satisfies LayerKind<OptionTable>;
const LSTM_CELL = { className: 'LSTMCell', prefix: 'lstm_cell', options: { ...CELL_OPTIONS, ...GATE_ACTIVATION, unitForgetBias: flag(true) } } satisfies LayerKind<OptionTable>;
const GRU_CELL = { className: 'GRUCell', prefix: 'gru_cell', options: { ...CELL_OPTIONS, ...GATE_ACTIVATION, resetAfter: flag(true) } } satisfies LayerKind<OptionTable>;

/** A user-given cell name (undefined: an automatic one). */
function cellName(name: unknown): string | undefined {
  if (name !== undefined && (typeof name !== 'string' || name === '' || name.includes('/'))) throw new OptionProblem(`must be a non-empty string without '/', got ${describe(name)}`);
  return name;
}

/**
 * The base of the built-in cells (Keras `SimpleRNNCell`, `LSTMCell`, `GRUCell`): the options
 * of one step of SimpleRNN, LSTM or GRU. A built-in cell holds no weights itself: the
 * {@link RNN} that runs it creates them and runs the whole sequence in Wasm with the
 * matching layer's kernels, so `rnn({ cell: lstmCell(o) })` computes what `lstm(o)` does, to
 * the bit. Create them with {@link layers.simpleRNNCell}, {@link layers.lstmCell} and
 * {@link layers.gruCell}.
 *
 * @example
 * ```ts
 * const cell = layers.lstmCell({ units: 8 });
 * cell.stateSize;        // [8, 8]: h and c
 * layers.rnn({ cell, returnSequences: true });
 * ```
 */
export abstract class BuiltInCell {
  /** Keras class name: 'SimpleRNNCell', 'LSTMCell' or 'GRUCell'. */
  readonly className: string;
  /** The `name` option, or the kind's prefix numbered as Keras does (lstm_cell, lstm_cell_1, …). */
  readonly name: string;
  /** The cell's options, validated, defaults filled in. */
  readonly settings: Settings<CellTable>;
  /** The `trainable` option (saved in the config; the rnn's own flag decides for its weights). */
  readonly trainable: boolean;
  /** Which step the cell computes: 'simpleRNN', 'lstm' or 'gru'. */
  abstract readonly cell: RecurrentCell;
  private readonly kind: LayerKind<CellTable>;

  protected constructor(kind: LayerKind<CellTable>, options: unknown) {
    const given = (typeof options === 'object' && options !== null ? options : {}) as { name?: unknown };
    const owner = typeof given.name === 'string' && given.name !== '' ? given.name : automaticName(kind.prefix, false);
    const all = parseOptions(owner, options, { ...CELL_COMMON, ...kind.options }) as Settings<typeof CELL_COMMON> & Settings<CellTable>;
    this.name = all.name ?? automaticName(kind.prefix, true);
    this.kind = kind;
    this.className = kind.className;
    this.trainable = all.trainable;
    const own: Record<string, unknown> = {};
    for (const key of Object.keys(kind.options)) own[key] = (all as Record<string, unknown>)[key];
    this.settings = Object.freeze(own) as Settings<CellTable>;
  }

  /** The state size U (the `units` option). */
  get units(): number {
    return this.settings.units;
  }

  /** The size of each state: [U] (h), or [U, U] (h and c) for an LSTM cell. */
  get stateSize(): readonly number[] {
    return this.cell === 'lstm' ? [this.units, this.units] : [this.units];
  }

  /** The size of each step's output: U. */
  get outputSize(): number {
    return this.units;
  }

  /** The cell's Keras `config` (snake_case), as saved in model.json inside the rnn's. */
  getConfig(): Record<string, unknown> {
    return { name: this.name, trainable: this.trainable, dtype: 'float32', ...settingsToJSON(this.kind.options, this.settings) };
  }

  /** `{ class_name, config }`, the form an rnn's config nests. */
  toJSON(): {
    /** Keras class name, e.g. 'LSTMCell'. */
    class_name: string;
    /** The cell's config, as getConfig() returns it. */
    config: Record<string, unknown>;
  } {
    return { class_name: this.className, config: this.getConfig() };
  }

  /** @internal the recurrent layer that runs this cell over whole sequences, with the rnn's sequence options. */
  sequenceLayer(options: Partial<RecurrentOptions>): RecurrentLayer {
    const layerOptions = { ...(this.settings as unknown as RecurrentOptions), name: this.name, ...options };
    return this.cell === 'lstm' ? new LSTM(layerOptions) : this.cell === 'gru' ? new GRU(layerOptions) : new SimpleRNN(layerOptions);
  }
}

/**
 * One step of an Elman RNN (Keras `SimpleRNNCell`); run it with {@link layers.rnn}. Create it
 * with {@link layers.simpleRNNCell}.
 *
 * @example
 * ```ts
 * const cell = new layers.SimpleRNNCell({ units: 4 });   // same as layers.simpleRNNCell(…)
 * ```
 */
export class SimpleRNNCell extends BuiltInCell {
  /** Always 'simpleRNN'. */
  readonly cell = 'simpleRNN';

  constructor(options: SimpleRnnCellOptions) {
    super(SIMPLE_RNN_CELL, options);
  }
}

/**
 * One step of an LSTM (Keras `LSTMCell`; states h and c); run it with {@link layers.rnn}.
 * Create it with {@link layers.lstmCell}.
 *
 * @example
 * ```ts
 * const cell = new layers.LSTMCell({ units: 8 });   // same as layers.lstmCell(…)
 * ```
 */
export class LSTMCell extends BuiltInCell {
  /** Always 'lstm'. */
  readonly cell = 'lstm';

  constructor(options: LstmCellOptions) {
    super(LSTM_CELL, options);
  }
}

/**
 * One step of a GRU (Keras `GRUCell`); run it with {@link layers.rnn}. Create it with
 * {@link layers.gruCell}.
 *
 * @example
 * ```ts
 * const cell = new layers.GRUCell({ units: 8, resetAfter: false });   // same as layers.gruCell(…)
 * ```
 */
export class GRUCell extends BuiltInCell {
  /** Always 'gru'. */
  readonly cell = 'gru';

  constructor(options: GruCellOptions) {
    super(GRU_CELL, options);
  }
}

// ---- user-written cells ------------------------------------------------------------------

/**
 * The base of a cell you write yourself, run by {@link layers.rnn}. A cell is a layer whose
 * input is one step, [batch, features], and whose plan computes one step:
 *
 * - `stateSize` (the size of each state, e.g. [units]) and `outputSize`;
 * - `weightSpecs([null, features])`: its weights, as for any {@link Layer};
 * - `createPlan(setup)`: an {@link RNNCellPlan} whose `runForward(x, { initialState })` reads
 *   x [B, features] and the states before the step, and writes `output` [B, outputSize] and
 *   `states` (the states after it); `runBackward(x, dOutput, { dStates })` writes `dInput`
 *   and `dInitialState` (gradients of the states before the step) and adds its weight
 *   gradients into `this.layer.weights[i].grad`, as every layer's backward does.
 *
 * The rnn's time loop runs on the host: one forward call per step, and in training one plan
 * per step (so each keeps what its backward needs, like any layer) and one backward call per
 * step. Each call crosses into Wasm for the kernels it runs, so a user cell costs more per
 * step than a built-in cell, whose whole sequence runs in one Wasm call: SimpleRNN(64)'s step
 * written as a cell took 1.8× the built-in layer's time forward and 2.2× in training at batch
 * 32, and 15× forward at batch 1, where the per-step calls dominate (bench/rnn-cells.ts,
 * 28 steps; a loaded 2-core VM). Padded steps (a mask)
 * are handled by the loop as Keras does: the states are carried, the cell's results for that
 * row are ignored and it gets no gradient there.
 *
 * @example
 * ```ts
 * class MinimalCell extends layers.RNNCell {   // h' = tanh(x·W + h)
 *   constructor(readonly units: number) { super({ className: 'MinimalCell', prefix: 'minimal_cell', options: {} }, {}); }
 *   get stateSize() { return [this.units]; }
 *   get outputSize() { return this.units; }
 *   protected weightSpecs(shape: layers.Shape) { return [layers.initializedWeight('kernel', [shape[1]!, this.units], 'kernel', layers.initializers.glorotUniform())]; }
 *   protected createPlan(setup: layers.PlanSetup) { return new MinimalCellPlan(setup); }
 * }
 * ```
 */
export abstract class RNNCell<S extends OptionTable = OptionTable> extends Layer<S> {
  /** The size of each state, in order (e.g. [units], or [units, units] for h and c). */
  abstract get stateSize(): readonly number[];
  /** The size of each step's output. */
  abstract get outputSize(): number;

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 2, 2, 'one step [batch, features]');
    this.expectKnown(inputShape, 1, 'feature (last)');
    return [inputShape[0], this.outputSize];
  }

  initialStateShapes(inputShape: Shape): Shape[] {
    return this.stateSize.map((size) => [inputShape[0], size]);
  }

  protected abstract createPlan(setup: PlanSetup): RNNCellPlan;
}

/**
 * The plan of an {@link RNNCell}: one step. It allocates `states` (the states after the step)
 * and, in training, `dInitialState` (gradients of the states before it), one region of
 * [B, size] per state size; forward() checks that `initialState` holds the states before the
 * step. Implement `runForward` and `runBackward` (see RNNCell). The rnn leaves the input and
 * the initial-state regions of a step unchanged until that step's backward has run.
 *
 * @example
 * ```ts
 * class MinimalCellPlan extends layers.RNNCellPlan {
 *   protected runForward(x: F32Region, { initialState }: layers.ForwardOptions) { ... }   // writes this.output, this.states
 *   protected runBackward(x: F32Region, dy: F32Region, { dStates }: layers.BackwardOptions) { ... }   // writes this.dInput, this.dInitialState
 * }
 * ```
 */
export abstract class RNNCellPlan extends LayerPlan {
  protected constructor(setup: PlanSetup) {
    super(setup);
    const cell = setup.layer as RNNCell;
    const B = setup.inputShape[0];
    this.states = cell.stateSize.map((size) => setup.regions.alloc(B * size));
    this.dInitialState = setup.training ? cell.stateSize.map((size) => setup.regions.alloc(B * size)) : [];
  }

  /** Runs one step from the states in options.initialState (required: one region of [B, size] per state size). */
  forward(input: F32Region, options: ForwardOptions = {}): Mask | undefined {
    const cell = this.layer as RNNCell;
    const given = options.initialState;
    if (!Array.isArray(given) || given.length !== cell.stateSize.length) {
      throw new LayerInputError(cell.name, 'initialState', `a cell's step needs initialState: ${cell.stateSize.length} regions (the states before the step), got ${describe(given)}`);
    }
    given.forEach((state, i) => this.checkRegion(`initialState[${i}]`, state, this.batchSize * cell.stateSize[i]));
    return super.forward(input, options);
  }
}

// ---- stacked cells -----------------------------------------------------------------------

/** A cell {@link layers.rnn} runs: built-in, user-written, or a stack of them. */
export type Cell = BuiltInCell | RNNCell | StackedRNNCells;

/**
 * Options of {@link layers.stackedRNNCells}.
 *
 * @example
 * ```ts
 * layers.stackedRNNCells({ cells: [layers.lstmCell({ units: 8 }), layers.lstmCell({ units: 4 })] });
 * ```
 */
export interface StackedRnnCellsOptions {
  /** The cells, first to last: at each step, each cell's output is the next one's input. */
  cells: readonly (BuiltInCell | RNNCell)[];
  /** Default: stacked_rnn_cells, numbered as Keras does. */
  name?: string;
}

/**
 * Cells run as one (Keras `StackedRNNCells`): at every step, each cell's output is the next
 * cell's input; the states are every cell's states, in order; the output is the last cell's.
 * Create it with {@link layers.stackedRNNCells}, or pass a list of cells to {@link layers.rnn}.
 *
 * @example
 * ```ts
 * const stack = layers.stackedRNNCells({ cells: [layers.gruCell({ units: 8 }), layers.gruCell({ units: 8 })] });
 * stack.stateSize;      // [8, 8]
 * ```
 */
export class StackedRNNCells {
  /** Always 'StackedRNNCells'. */
  readonly className = 'StackedRNNCells';
  /** The `name` option, or stacked_rnn_cells numbered as Keras does. */
  readonly name: string;
  /** The cells, first to last. */
  readonly cells: readonly (BuiltInCell | RNNCell)[];

  constructor(options: StackedRnnCellsOptions) {
    const given = (typeof options === 'object' && options !== null ? options : {}) as Partial<StackedRnnCellsOptions>;
    const owner = typeof given.name === 'string' && given.name !== '' ? given.name : automaticName('stacked_rnn_cells', false);
    const settings = parseOptions(owner, options, { name: { parse: cellName }, cells: { parse: (cells) => cellsOf(Array.isArray(cells) ? cells : [cells]) } });
    this.cells = Object.freeze(settings.cells);
    this.name = settings.name ?? automaticName('stacked_rnn_cells', true);
  }

  /** Every cell's state sizes, in order. */
  get stateSize(): readonly number[] {
    return this.cells.flatMap((cell) => cell.stateSize);
  }

  /** The last cell's output size. */
  get outputSize(): number {
    return this.cells[this.cells.length - 1].outputSize;
  }

  /** The Keras config: `{ name, cells: [{ class_name, config }, …] }`. */
  getConfig(): Record<string, unknown> {
    return { name: this.name, trainable: true, cells: this.cells.map((cell) => cell.toJSON()) };
  }

  /** `{ class_name: 'StackedRNNCells', config }`. */
  toJSON(): {
    /** Always 'StackedRNNCells'. */
    class_name: string;
    /** The stack's config, as getConfig() returns it. */
    config: Record<string, unknown>;
  } {
    return { class_name: this.className, config: this.getConfig() };
  }
}

/** `value` (a cell, a stack or a list of cells) as the list of single cells it runs; throws OptionProblem. */
function cellsOf(value: unknown): (BuiltInCell | RNNCell)[] {
  if (value instanceof StackedRNNCells) return [...value.cells];
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new OptionProblem('must be a cell or a non-empty array of cells, got []');
  list.forEach((cell, i) => {
    const at = Array.isArray(value) ? `[${i}]` : '';
    if (!(cell instanceof BuiltInCell || cell instanceof RNNCell)) throw new OptionProblem(`must be a cell (layers.simpleRNNCell, lstmCell, gruCell, stackedRNNCells or your RNNCell), got ${describe(cell)}`, at);
    if (cell instanceof RNNCell && cell.built) throw new OptionProblem(`${cell.name} is already built; the rnn builds its cells`, at);
  });
  if (new Set(list).size !== list.length) throw new OptionProblem('holds the same cell twice; each cell has its own weights, so create one per place');
  return list as (BuiltInCell | RNNCell)[];
}

// ---- the RNN layer -----------------------------------------------------------------------

/**
 * Options of {@link layers.rnn}.
 *
 * @example
 * ```ts
 * layers.rnn({ cell: [layers.lstmCell({ units: 16 }), layers.lstmCell({ units: 8 })], returnSequences: true, inputShape: [null, 4] });
 * ```
 */
export interface RnnOptions extends LayerOptions {
  /** The cell: a built-in cell, your {@link RNNCell}, a {@link StackedRNNCells}, or a list of cells (stacked). Required. */
  cell: Cell | readonly (BuiltInCell | RNNCell)[];
  /** Return the output of every step ([B, T, O]) instead of the last ([B, O]). Default false. */
  returnSequences?: boolean;
  /** Also return the final states, every cell's in order (plan.states). Default false. */
  returnState?: boolean;
  /** Process the sequence backwards (and return the sequence reversed, like Keras). Default false. */
  goBackwards?: boolean;
  /** Keep the final states as the next call's initial states until resetStates(). Default false. */
  stateful?: boolean;
  /** With a mask and returnSequences: the outputs of padded steps are 0 (true) or carry the last output (false). Default false. */
  zeroOutputForMask?: boolean;
}

const RNN_OPTIONS = {
  returnSequences: RECURRENT_OPTIONS.returnSequences,
  returnState: RECURRENT_OPTIONS.returnState,
  goBackwards: RECURRENT_OPTIONS.goBackwards,
  stateful: RECURRENT_OPTIONS.stateful,
  zeroOutputForMask: RECURRENT_OPTIONS.zeroOutputForMask,
};
const RNN_KIND = { className: 'RNN', prefix: 'rnn', options: RNN_OPTIONS } satisfies LayerKind<OptionTable>;

/**
 * Keras's generic recurrent layer: runs a cell (or stacked cells) over a sequence. Built-in
 * cells run as their layers' whole-sequence Wasm kernels (the same bits as
 * {@link layers.lstm} with the same weights); a user-written {@link RNNCell} runs in a time
 * loop on the host that calls its step plan once per step. Weights are named as TF.js names
 * them: `rnn/kernel` for one cell, `rnn/RNNCell_0/kernel`, `rnn/RNNCell_1/kernel`, … for
 * stacked cells. The states of stacked cells are in Keras 3's order, every cell's in turn
 * ([h1, c1, h2, c2] for two LSTM cells; TF.js returns them the other way round, [h2, c2, h1,
 * c1]). On padded steps of a user cell the returned sequence carries the last output, zeros
 * before a row's first real step (Keras); built-in cells carry their h, the initial state
 * before the first real step (TF.js). Create it with {@link layers.rnn}.
 *
 * @example
 * ```ts
 * const layer = new layers.RNN({ cell: layers.gruCell({ units: 8 }), returnSequences: true });   // same as layers.rnn(…)
 * ```
 */
export class RNN extends Layer<typeof RNN_OPTIONS> {
  /** The cell as given: a built-in cell, an RNNCell or a StackedRNNCells (a list is stacked). */
  readonly cell: Cell;
  /** One layer per cell: a built-in cell's sequence layer, or the RNNCell itself. */
  private readonly runs: readonly Layer[];
  /** Stateful user cells: their carried states, by run index. */
  private readonly carried = new Map<number, F32Region[]>();

  constructor(options: RnnOptions) {
    const { cell, ...rest } = (typeof options === 'object' && options !== null ? options : {}) as Partial<RnnOptions>;
    let cells: (BuiltInCell | RNNCell)[] = [];
    super(RNN_KIND, rest, (_, declared) => {
      try {
        cells = cellsOf(cell);
      } catch (error) {
        throw error instanceof OptionProblem ? error.within('cell') : error;
      }
      return declared;
    });
    this.cell = Array.isArray(cell) ? new StackedRNNCells({ cells: cells }) : (cell as Cell);
    const { returnSequences, returnState, goBackwards, stateful, zeroOutputForMask } = this.settings;
    const last = cells.length - 1;
    this.runs = cells.map((c, k) => {
      if (!(c instanceof BuiltInCell)) return c;
      const sequence = { returnSequences: k < last || returnSequences, returnState, goBackwards: k === 0 && goBackwards, stateful, zeroOutputForMask: k === last && zeroOutputForMask, trainable: this.trainable };
      return c.sequenceLayer(sequence);
    });
    this.runs.forEach((run, k) => run.setWeightScope(cells.length === 1 ? this.name : `${this.name}/RNNCell_${k}`));
  }

  /** The cells, first to last (one for a single cell). */
  get cells(): readonly (BuiltInCell | RNNCell)[] {
    return this.cell instanceof StackedRNNCells ? this.cell.cells : [this.cell];
  }

  /** Every cell's state sizes, in order. */
  get stateSize(): readonly number[] {
    return this.cell.stateSize;
  }

  /** An rnn carries state from step to step: step() cannot stream it as one step. */
  get mixesSteps(): boolean {
    return true;
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 3, 3, 'sequences [batch, time, features]');
    this.expectKnown(inputShape, 2, 'feature (last)');
    const [batch, steps] = inputShape;
    this.runInputShapes(inputShape);
    const size = this.cell.outputSize;
    return this.settings.returnSequences ? [batch, steps, size] : [batch, size];
  }

  computeStateShapes(inputShape: Shape): Shape[] {
    return this.settings.returnState ? this.initialStateShapes(inputShape) : [];
  }

  initialStateShapes(inputShape: Shape): Shape[] {
    return this.stateSize.map((size) => [inputShape[0], size]);
  }

  /** Each run's input shape: [B, T, F] for a sequence layer, [B, F] (one step) for a user cell; checks each cell takes its input. */
  private runInputShapes(inputShape: Shape): Shape[] {
    const [batch, steps] = inputShape;
    let features = inputShape[2];
    return this.runs.map((run, k) => {
      const shape: Shape = run instanceof RNNCell ? [batch, features] : [batch, steps, features];
      run.computeOutputShape(shape);
      features = this.cells[k].outputSize;
      return shape;
    });
  }

  protected weightSpecs(): WeightSpec[] {
    return [];
  }

  protected children(): readonly Layer[] {
    return this.runs;
  }

  /** @internal the layers it runs, one per cell: a built-in cell's sequence layer, or the user cell (the ONNX exporter reads them). */
  get cellRuns(): readonly Layer[] {
    return this.runs;
  }

  protected childWeightShapes(inputShape: Shape): (readonly number[])[] {
    const shapes = this.runInputShapes(inputShape);
    return this.runs.flatMap((run, k) => run.weightShapes(openBatch(shapes[k])));
  }

  /** One cell: its weights start as the matching layer's would from the same stream; stacked: each from its own. */
  protected buildChildren(inputShape: Shape, rng: Prng | null): void {
    const shapes = this.runInputShapes(inputShape);
    this.runs.forEach((run, k) => run.build(openBatch(shapes[k]), rng === null || this.runs.length === 1 ? rng : rng.derive(`RNNCell_${k}`)));
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), unroll: false, cell: this.cell.toJSON() };
  }

  // ---- stateful ------------------------------------------------------------------------

  /** @internal a stateful user cell's carried states for batch size B (zero on first use). */
  carriedStates(run: number, batch: number): F32Region[] {
    const sizes = this.cells[run].stateSize;
    if (sizes.length === 0) return [];
    let carried = this.carried.get(run);
    if (!carried) {
      carried = sizes.map((size) => this.ownRegions.alloc(batch * size));
      for (const state of carried) fill(state, 0);
      this.carried.set(run, carried);
    }
    const have = carried[0].length / sizes[0];
    if (have !== batch) throw new LayerInputError(this.name, 'inputShape', `keeps states for batch size ${have} (stateful); batch size ${batch} would mix the states of different samples`);
    return carried;
  }

  /**
   * Stateful rnn: sets the carried states to zero, or to `states` (every cell's, in order,
   * each [B, size]); checked whole before anything changes.
   */
  resetStates(states?: readonly TensorLike[]): void {
    this.assertBuilt('resetStates');
    if (!this.settings.stateful) throw new LayerStateError(this.name, 'resetStates', 'resetStates() needs a layer created with { stateful: true }');
    const sizes = this.stateSize;
    if (states !== undefined && (!Array.isArray(states) || states.length !== sizes.length)) {
      throw new LayerInputError(this.name, 'states', `expected ${sizes.length} states (every cell's, in order), got ${describe(states)}`);
    }
    const first = states && finiteTensor(this.name, states[0], 'states[0]', [null, sizes[0]]);
    const values = states?.map((s, i) => (i === 0 ? first! : finiteTensor(this.name, s, `states[${i}]`, [first!.shape[0], sizes[i]])));
    let at = 0;
    this.runs.forEach((run, k) => {
      const count = this.cells[k].stateSize.length;
      const part = values?.slice(at, at + count);
      at += count;
      if (run instanceof RNNCell) {
        if (part === undefined) for (const state of this.carried.get(k) ?? []) fill(state, 0);
        else this.carriedStates(k, part[0].shape[0]).forEach((state, i) => state.set(part[i].data));
      } else (run as RecurrentLayer).resetStates(part);
    });
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    const [B, T] = setup.inputShape;
    const shapes = this.runInputShapes(setup.inputShape);
    const plans: LayerPlan[] = [];
    try {
      this.runs.forEach((run, k) => {
        const inputGradient = k > 0 || setup.inputGradient;
        if (run instanceof RNNCell) {
          const [, F] = shapes[k] as number[];
          const outputShape = k === this.runs.length - 1 ? setup.outputShape : [B, T, run.outputSize];
          plans.push(new CellLoopPlan(this, k, run, { layer: this, inputShape: [B, T, F], outputShape, regions: new Regions(), training: setup.training, inputGradient }));
        } else plans.push(run.plan(shapes[k] as number[], { training: setup.training, inputGradient }));
      });
    } catch (error) {
      for (const plan of plans) plan.dispose();
      throw error;
    }
    return new RNNPlan(setup, plans, this.settings.goBackwards);
  }
}

/** A shape with an open batch dimension, as layers are built. */
function openBatch(shape: Shape): Shape {
  return [null, ...shape.slice(1)];
}

/** An rnn's plan: one plan per cell, chained; the states are every cell's, in order. */
class RNNPlan extends LayerPlan {
  /** goBackwards: the later runs read the first run's reversed output, so they take the mask reversed. */
  private readonly reversedMask: Uint8Array | undefined;

  constructor(
    setup: PlanSetup,
    private readonly runs: readonly LayerPlan[],
    goBackwards: boolean,
  ) {
    super(setup, true, { output: runs[runs.length - 1].output, dInput: runs[0].dInput });
    this.states = runs.flatMap((run) => run.states);
    this.dInitialState = runs.flatMap((run) => run.dInitialState);
    this.reversedMask = goBackwards && runs.length > 1 ? new Uint8Array(setup.inputShape[0] * setup.inputShape[1]) : undefined;
  }

  protected runForward(input: F32Region, options: ForwardOptions): Mask | undefined {
    const initial = options.initialState;
    const counts = this.runs.map((run) => run.states.length);
    if (initial !== undefined && (!Array.isArray(initial) || initial.length !== counts.reduce((a, b) => a + b, 0))) {
      throw new LayerInputError(this.layer.name, 'initialState', `initialState must hold ${counts.reduce((a, b) => a + b, 0)} regions (every cell's states, in order), got ${describe(initial)}`);
    }
    const laterMask = this.reversedMask && options.mask ? reverseTime(options.mask, this.inputShape[0], this.inputShape[1], this.reversedMask) : options.mask;
    let x = input;
    let at = 0;
    this.runs.forEach((run, k) => {
      const initialState = initial?.slice(at, at + counts[k]);
      at += counts[k];
      run.forward(x, { mask: k === 0 ? options.mask : laterMask, initialState, rng: options.rng });
      x = run.output;
    });
    return (this.layer as RNN).settings.returnSequences ? options.mask : undefined;
  }

  protected runBackward(_input: F32Region, dOutput: F32Region, options: BackwardOptions): void {
    const dStates = options.dStates ?? [];
    const counts = this.runs.map((run) => run.states.length);
    if (!Array.isArray(dStates) || dStates.length > counts.reduce((a, b) => a + b, 0)) {
      throw new LayerInputError(this.layer.name, 'dStates', `dStates must hold at most ${counts.reduce((a, b) => a + b, 0)} regions (every cell's states, in order), got ${describe(dStates)}`);
    }
    let at = counts.reduce((a, b) => a + b, 0);
    let dy = dOutput;
    for (let k = this.runs.length - 1; k >= 0; k--) {
      at -= counts[k];
      const run = this.runs[k];
      const part = dStates.slice(at, at + counts[k]);
      run.backward(dy, { dStates: part.length > 0 ? part : undefined, maxSteps: options.maxSteps });
      if (k > 0) dy = run.dInput!;
    }
  }

  dispose(): void {
    for (const run of this.runs) run.dispose();
    super.dispose();
  }
}

/** `mask` [B, T] with each row's steps in reverse order, written into `into`. */
function reverseTime(mask: Mask, B: number, T: number, into: Uint8Array): Uint8Array {
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) into[b * T + t] = mask[b * T + T - 1 - t];
  return into;
}

// ---- the generic time loop ---------------------------------------------------------------

/**
 * A user cell over a sequence: x [B, T, F] → output [B, T, O] or [B, O], final states.
 * Forward calls the cell's step plan once per step; training keeps one step plan per step
 * (each holds what its backward needs) and the states before every step. On a padded step a
 * row keeps its states and its last output (Keras): the cell runs on the whole batch and its
 * results for that row are not taken; in backward that row's gradients pass the step by.
 */
class CellLoopPlan extends LayerPlan {
  private readonly steps: LayerPlan[];
  /** Per step (one in inference): its x rows, [B, F]. */
  private readonly stepInputs: F32Region[];
  /** The states before each step and after the last (two, used in turn, in inference): each [B, size]. */
  private readonly stateSets: F32Region[][];
  /** Each row's last output [B, O]: a padded step's output and, without returnSequences, the layer's. */
  private readonly lastOutput: F32Region;
  /** Backward: the gradient reaching each row's last output, and one step's output gradient, [B, O]. */
  private readonly dLastOutput: F32Region | undefined;
  private readonly dStepOutput: F32Region | undefined;
  /** Backward: the gradients of the states, carried from step to step, and what one step is given of them. */
  private readonly dStates: F32Region[];
  private readonly dStepStates: F32Region[];
  private mask: Mask | undefined;

  constructor(
    private readonly rnn: RNN,
    private readonly run: number,
    private readonly cell: RNNCell,
    setup: PlanSetup,
  ) {
    super(setup);
    const [B, T, F] = setup.inputShape;
    const O = cell.outputSize;
    const sizes = cell.stateSize;
    const { regions, training } = setup;
    const count = training ? T : 1;
    this.steps = [];
    try {
      for (let i = 0; i < count; i++) this.steps.push(cell.plan([B, F], { training, inputGradient: setup.inputGradient }));
    } catch (error) {
      for (const step of this.steps) step.dispose();
      throw error;
    }
    this.stepInputs = Array.from({ length: count }, () => regions.alloc(B * F));
    this.stateSets = Array.from({ length: training ? T + 1 : 2 }, () => sizes.map((size) => regions.alloc(B * size)));
    this.states = sizes.map((size) => regions.alloc(B * size));
    this.lastOutput = regions.alloc(B * O);
    this.dLastOutput = training ? regions.alloc(B * O) : undefined;
    this.dStepOutput = training ? regions.alloc(B * O) : undefined;
    this.dStates = training ? sizes.map((size) => regions.alloc(B * size)) : [];
    this.dStepStates = training ? sizes.map((size) => regions.alloc(B * size)) : [];
    this.dInitialState = training ? sizes.map((size) => regions.alloc(B * size)) : [];
  }

  protected runForward(input: F32Region, options: ForwardOptions): Mask | undefined {
    const [B, T, F] = this.inputShape;
    const O = this.cell.outputSize;
    const { goBackwards, returnSequences, zeroOutputForMask, stateful } = this.rnn.settings;
    const sizes = this.cell.stateSize;
    const carried = stateful ? this.rnn.carriedStates(this.run, B) : undefined;
    const start = options.initialState ?? carried;
    start?.forEach((state, j) => this.checkRegion(`initialState[${j}]`, state, B * sizes[j]));
    this.stateSets[0].forEach((state, j) => (start ? copy(start[j], state) : fill(state, 0)));
    fill(this.lastOutput, 0);
    this.mask = options.mask;
    for (let i = 0; i < T; i++) {
      const t = goBackwards ? T - 1 - i : i;
      const step = this.steps[this.steps.length === 1 ? 0 : i];
      const x = this.stepInputs[this.stepInputs.length === 1 ? 0 : i];
      copyStep(input, t, x, B, T, F, 'gather');
      const before = this.stateSets[this.steps.length === 1 ? i % 2 : i];
      const after = this.stateSets[this.steps.length === 1 ? (i + 1) % 2 : i + 1];
      step.forward(x, { initialState: before, rng: options.rng });
      const real = (b: number) => !this.mask || this.mask[b * T + t] === 1;
      sizes.forEach((size, j) => selectRows(real, step.states[j], before[j], after[j], B, size));
      selectRows(real, step.output, this.lastOutput, this.lastOutput, B, O);
      if (returnSequences) {
        const out = this.output.view();
        const last = this.lastOutput.view();
        for (let b = 0; b < B; b++) {
          const row = out.subarray((b * T + i) * O, (b * T + i + 1) * O);
          if (zeroOutputForMask && !real(b)) row.fill(0);
          else row.set(last.subarray(b * O, (b + 1) * O));
        }
      }
    }
    const final = this.stateSets[this.steps.length === 1 ? T % 2 : T];
    final.forEach((state, j) => copy(state, this.states[j]));
    if (carried) final.forEach((state, j) => copy(state, carried[j]));
    if (!returnSequences) copy(this.lastOutput, this.output);
    return returnSequences ? options.mask : undefined;
  }

  protected runBackward(_input: F32Region, dOutput: F32Region, options: BackwardOptions): void {
    const [B, T, F] = this.inputShape;
    const O = this.cell.outputSize;
    const { goBackwards, returnSequences, zeroOutputForMask } = this.rnn.settings;
    const sizes = this.cell.stateSize;
    const given = options.dStates ?? [];
    given.forEach((d, j) => d && this.checkRegion(`dStates[${j}]`, d, B * sizes[j]));
    this.dStates.forEach((d, j) => (given[j] ? copy(given[j]!, d) : fill(d, 0)));
    if (returnSequences) fill(this.dLastOutput!, 0);
    else copy(dOutput, this.dLastOutput!);
    if (this.dInput) fill(this.dInput, 0);
    const maxSteps = options.maxSteps ?? Infinity;
    const realSeen = new Int32Array(B);
    for (let i = T - 1; i >= 0; i--) {
      const t = goBackwards ? T - 1 - i : i;
      const real = (b: number) => (!this.mask || this.mask[b * T + t] === 1) && realSeen[b] < maxSteps;
      const truncated = (b: number) => realSeen[b] >= maxSteps;
      // The step's output gradient: its own (returnSequences) plus what reached the row's last output.
      const dStep = this.dStepOutput!.view();
      const dLast = this.dLastOutput!.view();
      const dSeq = returnSequences ? dOutput.view() : undefined;
      for (let b = 0; b < B; b++) {
        for (let o = 0; o < O; o++) {
          const own = dSeq ? dSeq[(b * T + i) * O + o] : 0;
          if (real(b)) {
            dStep[b * O + o] = own + dLast[b * O + o];
            dLast[b * O + o] = 0;
          } else {
            dStep[b * O + o] = 0;
            if (!zeroOutputForMask && !truncated(b)) dLast[b * O + o] += own;
          }
        }
      }
      const step = this.steps[i];
      step.backward(this.dStepOutput!, { dStates: this.dStates.map((d, j) => maskedRows(real, d, this.dStepStates[j], B, sizes[j])) });
      sizes.forEach((size, j) => selectRows(real, step.dInitialState[j], this.dStates[j], this.dStates[j], B, size));
      if (this.dInput && step.dInput) copyStep(this.dInput, t, step.dInput, B, T, F, 'scatter');
      for (let b = 0; b < B; b++) {
        if (!real(b) || ++realSeen[b] < maxSteps) continue;
        // Truncated BPTT: nothing reaches this row's earlier steps.
        for (const d of [this.dLastOutput!, ...this.dStates]) d.view().fill(0, (b * d.length) / B, ((b + 1) * d.length) / B);
      }
    }
    this.dStates.forEach((d, j) => copy(d, this.dInitialState[j]));
  }

  dispose(): void {
    for (const step of this.steps) step.dispose();
    super.dispose();
  }
}

/** Rows of `from` where real(b), else of `otherwise`, into `into` (all [B, width]; `into` may be `otherwise`). */
function selectRows(real: (b: number) => boolean, from: F32Region, otherwise: F32Region, into: F32Region, B: number, width: number): void {
  const source = from.view();
  const fallback = otherwise.view();
  const target = into.view();
  for (let b = 0; b < B; b++) target.set((real(b) ? source : fallback).subarray(b * width, (b + 1) * width), b * width);
}

/** `from` with the rows where !real(b) zeroed, into `into`. */
function maskedRows(real: (b: number) => boolean, from: F32Region, into: F32Region, B: number, width: number): F32Region {
  const source = from.view();
  const target = into.view();
  for (let b = 0; b < B; b++) {
    if (real(b)) target.set(source.subarray(b * width, (b + 1) * width), b * width);
    else target.fill(0, b * width, (b + 1) * width);
  }
  return into;
}

/** Copies step t of a [B, T, W] sequence to a [B, W] step ('gather') or back ('scatter'). */
function copyStep(sequence: F32Region, t: number, step: F32Region, B: number, T: number, W: number, direction: 'gather' | 'scatter'): void {
  const s = sequence.view();
  const x = step.view();
  for (let b = 0; b < B; b++) {
    const at = (b * T + t) * W;
    if (direction === 'gather') x.set(s.subarray(at, at + W), b * W);
    else s.set(x.subarray(b * W, (b + 1) * W), at);
  }
}

