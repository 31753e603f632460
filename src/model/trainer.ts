// Where a model's training methods (compile, fit, evaluate, trainOnBatch, …) find the training
// code. The package entries that can train ('seqwasm') install it; 'seqwasm/inference' does
// not, so a page or worker that only predicts never downloads or parses the loop, the losses,
// the metrics, the optimizers and the callbacks, and its models refuse those methods by name.
import type { Layer } from '../layers/layer.js';
import type { Logs } from '../training/callbacks.js';
import type { BatchOptions, Compiled, EvaluateOptions, FitOptions, History, Trainable } from '../training/training.js';
import { ModelStateError } from './errors.js';
import type { CompileOptions } from './model.js';
import type { Network } from './network.js';

/** The training code a Model delegates to (src/training/trainer.ts). */
export interface Trainer {
  compile(owner: string, outputs: readonly string[], options: CompileOptions, previous: Compiled | undefined): Compiled;
  /** What model.json's trainingConfig holds for a compiled model. */
  trainingConfig(compiled: Compiled, outputs: readonly string[]): Record<string, unknown>;
  fit(model: Trainable, compiled: Compiled, x: unknown, y: unknown, options?: FitOptions): Promise<History>;
  evaluate(network: Network, compiled: Compiled, x: unknown, y: unknown, options?: EvaluateOptions): Logs;
  evaluateDataset(network: Network, compiled: Compiled, dataset: unknown): Promise<Logs>;
  trainOnBatch(model: Trainable, compiled: Compiled, x: unknown, y: unknown, options?: BatchOptions): number | number[];
  testOnBatch(network: Network, compiled: Compiled, x: unknown, y: unknown, options?: BatchOptions): number | number[];
}

let installed: Trainer | undefined;

/** @internal called once by each package entry that trains. */
export function installTrainer(trainer: Trainer): void {
  installed = trainer;
}

/** Whether this entry can train (loadModel compiles a saved training config only then). */
export function canTrain(): boolean {
  return installed !== undefined;
}

/** The training code, or a ModelStateError naming `method` and the entry that has it. */
export function trainer(owner: string, method: string): Trainer {
  if (installed) return installed;
  throw new ModelStateError(owner, method, `${method}() trains, and 'seqwasm/inference' only predicts: import from 'seqwasm' to compile, fit and evaluate (its models load and predict the same)`);
}

/** The layers of every model inside fit(): a second fit and the calls that change the model are refused while it trains. */
const fitting = new WeakSet<Layer>();

/** A ModelStateError when any of `layers` belongs to a model that fit() is training (from its callbacks too). */
export function assertNotFitting(owner: string, layers: readonly Layer[], what: string): void {
  if (layers.some((layer) => fitting.has(layer))) {
    throw new ModelStateError(owner, what, `${what}() cannot run while fit() is training this model; await fit() first (a callback ends it early by setting model.stopTraining = true)`);
  }
}

/** Runs `train` with `layers` marked as being fitted (assertNotFitting refuses them meanwhile). */
export async function whileFitting<T>(layers: readonly Layer[], train: () => Promise<T>): Promise<T> {
  const marked = [...layers];
  for (const layer of marked) fitting.add(layer);
  try {
    return await train();
  } finally {
    for (const layer of marked) fitting.delete(layer);
  }
}
