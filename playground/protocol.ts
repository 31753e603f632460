// The messages between the page (main.ts) and the training worker (worker.ts). The worker
// owns the model; the page only draws what the worker posts and stores what it saves.
import type { SavedModel } from 'seqwasm';

export type TaskName = 'alphabet' | 'names' | 'sine' | 'co2' | 'waves';
export type CellName = 'simpleRNN' | 'lstm' | 'gru';

/** The tasks as the page lists them, with the settings each starts from. */
export const TASK_INFO: Record<TaskName, { title: string; units: number; learningRate: number }> = {
  alphabet: { title: 'Alphabet: the next letter after five', units: 8, learningRate: 0.02 },
  names: { title: 'Names: invent first names letter by letter', units: 32, learningRate: 0.01 },
  sine: { title: 'Sine: forecast the next value of a noisy wave', units: 16, learningRate: 0.01 },
  co2: { title: 'CO2: forecast monthly Mauna Loa readings', units: 16, learningRate: 0.005 },
  waves: { title: 'Waves: square, triangle or sawtooth?', units: 16, learningRate: 0.01 },
};

/** What the page's controls choose; saved with a model so that loading restores them. */
export interface Settings {
  task: TaskName;
  cell: CellName;
  units: number;
  learningRate: number;
}

/** One heatmap: rows are units, columns are time steps; values lie in [min, max]. */
export interface Heatmap {
  title: string;
  units: number;
  steps: number;
  /** Row-major [steps, units], as the layer computes them. */
  values: number[];
  min: number;
  max: number;
}

/** What a task shows of the model's predictions after an epoch. */
export type Predictions =
  | { kind: 'series'; truth: number[]; predicted: (number | null)[]; trainEnd: number; summary: string }
  | { kind: 'table'; header: string[]; rows: string[][]; summary: string };

export interface Snapshot {
  epoch: number;
  /** The whole history so far, one value per epoch. */
  loss: number[];
  metric?: { name: string; values: number[] };
  predictions: Predictions;
  /** The sequence the heatmaps follow, and its steps: one label per column. */
  probeTitle: string;
  stepLabels: string[];
  heatmaps: Heatmap[];
}

/** A saved model with the playground's own state (in model.json's userDefinedMetadata.playground). */
export interface PlaygroundMetadata {
  settings: Settings;
  loss: number[];
  metric?: { name: string; values: number[] };
}

export type ToWorker =
  | { type: 'start'; settings: Settings }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'save' }
  | { type: 'load'; model: SavedModel };

export type FromWorker =
  | { type: 'ready'; settings: Settings; parameters: number; samples: number; loaded: boolean }
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number }
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'saved'; model: SavedModel }
  | { type: 'error'; message: string };
