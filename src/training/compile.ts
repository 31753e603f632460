// compile()'s options checked and resolved into the Compiled parts the loop runs (one loss
// and metric list per output, the optimizer), and the training config save() writes of them.
import type { CompileOptions, LossSpec, MetricSpec } from '../model/model.js';
import { describe, ModelConfigError } from '../model/errors.js';
import { lossFrom } from './losses.js';
import { metricFrom } from './metrics.js';
import { optimizerFrom } from './optimizers.js';
import type { Compiled } from './training.js';

/** compile()'s options checked and resolved (one loss and metric list per output); the previous optimizer (if any) is freed. */
export function compileOptions(owner: string, outputs: readonly string[], options: CompileOptions, previous: Compiled | undefined): Compiled {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ModelConfigError(owner, 'options', `compile() takes { optimizer, loss, metrics, lossWeights }, got ${describe(options)}`);
  const { optimizer, loss, metrics = [], lossWeights, ...rest } = options;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new ModelConfigError(owner, unknown, `${unknown} is not an option of compile() (optimizer, loss, metrics, lossWeights)`);
  if (optimizer === undefined) throw new ModelConfigError(owner, 'optimizer', "compile() needs an optimizer, e.g. 'adam'");
  if (loss === undefined) throw new ModelConfigError(owner, 'loss', "compile() needs a loss, e.g. 'categoricalCrossentropy'");
  const losses = perOutput(owner, outputs, loss, 'loss', (value) => !Array.isArray(value) && !isNameMap(value, outputs)).map(([spec, at]) => lossFrom(spec as LossSpec, at));
  if (typeof metrics !== 'object' || metrics === null) throw new ModelConfigError(owner, 'metrics', `metrics must be an array of metric names, got ${describe(metrics)}`);
  // A flat list (no inner lists) applies to every output, as Keras 2 applies it.
  const flat = Array.isArray(metrics) && !metrics.some((m) => Array.isArray(m));
  const metricLists = perOutput(owner, outputs, metrics, 'metrics', () => flat).map(([list, at], k) => {
    const specs = (Array.isArray(list) ? list : [list]) as MetricSpec[];
    return specs.map((m, i) => metricFrom(m, losses[k], `${at}[${i}]`));
  });
  const weights = lossWeights === undefined ? outputs.map(() => 1) : perOutput(owner, outputs, lossWeights, 'lossWeights', () => false).map(([w, at]) => {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new ModelConfigError(owner, at, `${at} must be a finite number >= 0, got ${describe(w)}`);
    return w;
  });
  const resolvedOptimizer = optimizerFrom(optimizer, 'optimizer');
  if (previous && previous.optimizer !== resolvedOptimizer) previous.optimizer.dispose();
  return { losses, lossWeights: weights, metrics: metricLists, optimizer: resolvedOptimizer };
}

/** An object whose keys are output names (a per-output map rather than a { class_name, config }). */
function isNameMap(value: unknown, outputs: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype || 'class_name' in value) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => outputs.includes(key));
}

/**
 * One entry per output, with the argument name to report: `value` itself for every output
 * when `shared(value)`; else an array in output order or an object keyed by output name.
 */
function perOutput(owner: string, outputs: readonly string[], value: unknown, argument: string, shared: (value: unknown) => boolean): [unknown, string][] {
  if (shared(value)) return outputs.map(() => [value, argument]);
  if (Array.isArray(value)) {
    if (value.length !== outputs.length) throw new ModelConfigError(owner, argument, `${argument} has ${value.length} entries but the model has ${outputs.length} outputs (${outputs.join(', ')})`);
    return value.map((v, k) => [v, `${argument}[${k}]`]);
  }
  if (isNameMap(value, outputs)) {
    const given = value as Record<string, unknown>;
    return outputs.map((name) => {
      if (!Object.hasOwn(given, name)) throw new ModelConfigError(owner, argument, `${argument} has no entry for output '${name}'`);
      return [given[name], `${argument}.${name}`];
    });
  }
  throw new ModelConfigError(owner, argument, `${argument} must give each of the ${outputs.length} outputs (${outputs.join(', ')}) its own, as an array or an object keyed by output name, got ${describe(value)}`);
}

/** What model.json's trainingConfig holds (Keras snake_case): one loss and metric list, or one per output. */
export function trainingConfig(compiled: Compiled, outputs: readonly string[]): Record<string, unknown> {
  const optimizer_config = { class_name: compiled.optimizer.className, config: compiled.optimizer.getConfig() };
  if (compiled.losses.length === 1) return { loss: compiled.losses[0].toJSON(), metrics: compiled.metrics[0].map((m) => m.name), optimizer_config };
  const byOutput = <T>(values: readonly T[]) => Object.fromEntries(outputs.map((name, k) => [name, values[k]]));
  return {
    loss: byOutput(compiled.losses.map((loss) => loss.toJSON())),
    metrics: byOutput(compiled.metrics.map((list) => list.map((m) => m.name))),
    loss_weights: byOutput(compiled.lossWeights),
    optimizer_config,
  };
}
