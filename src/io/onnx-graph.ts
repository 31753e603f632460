// exportONNX's walk over a model: a sequential model is a chain of layer calls, a functional
// one (src/model/functional.ts) the traced graph of its calls, and both are written the same
// way: every input becomes a graph input, each call in topological order goes through its
// layer's emitter (onnx.ts: EMITTERS), every output is made batch-major and named by an
// Identity. A layer called twice (shared) is emitted twice over one set of initializers
// (GraphBuilder.weight returns the first copy of the same weights); a recurrent layer's
// initial states arrive after its input and its returned states follow its output.
//
// Names: a sequential model's graph reads 'x' and writes 'y'; a functional model's keeps the
// model's own names (its inputs' names, and its outputs' as fit's y keys them: the layer's
// name, 'lstm/1' for a state). Options rename them: one string per input / output, or an
// array in the model's order. Embedding ids are int64 inputs (a Cast where a float value
// meets an embedding or ids meet another layer).
import { Embedding } from '../layers/embedding.js';
import type { Layer, Shape } from '../layers/layer.js';
import { describe } from '../model/errors.js';
import { Functional } from '../model/functional.js';
import { traceGraph } from '../model/graph.js';
import type { Model } from '../model/model.js';
import { DATA_TYPE, FIELD, intAttribute, valueInfo } from './onnx-format.js';
import { concat, intField, messageField, stringField, type Message } from './protobuf.js';
import { ONNX_OPSET, OnnxExportError, type ExportONNXOptions } from './interop.js';
import { emitLayer, GraphBuilder, type OnnxValue } from './onnx.js';
import { pinsTimeAxis } from './onnx-layers.js';

/** IR version 7 is the first that carries opset 14. */
const IR_VERSION = 7;
const OWNER = 'exportONNX';

/** A model as layer calls between its inputs and outputs; a tensor is known by its key (a SymbolicTensor, or a link of a chain). */
interface Calls {
  readonly inputs: readonly { readonly key: object; readonly shape: Shape }[];
  readonly calls: readonly { readonly layer: Layer; readonly inputs: readonly object[]; readonly initialState: readonly object[]; readonly outputs: readonly object[]; readonly callArgs?: Readonly<Record<string, unknown>> }[];
  readonly outputs: readonly object[];
  /** The graph's input and output names when the options give none. */
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

/** {@link exportONNX}'s work (the public one loads this module on first use). */
export function writeONNX(model: Model, options: ExportONNXOptions = {}): Uint8Array {
  if (typeof options !== 'object' || options === null) throw new OnnxExportError(OWNER, 'options', `options must be an object, got ${describe(options)}`);
  const { inputName, outputName, graphName = model.name, ...rest } = options;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new OnnxExportError(OWNER, unknown, `${unknown} is not an option of exportONNX (inputName, outputName, graphName)`);
  if (typeof graphName !== 'string' || graphName.length === 0) throw new OnnxExportError(OWNER, 'graphName', `graphName must be a non-empty string, got ${describe(graphName)}`);
  if (!model.built) throw new OnnxExportError(OWNER, 'model', `'${model.name}' is not built: build() it, fit it or give its first layer an inputShape first`);
  const parts = callsOf(model);
  const inputNames = graphNames('inputName', inputName, parts.inputNames, 'input');
  const outputNames = graphNames('outputName', outputName, parts.outputNames, 'output');
  checkUnique(inputNames, outputNames, outputName === undefined);

  const graph = new GraphBuilder(...inputNames, ...outputNames);
  const values = new Map<object, OnnxValue>();
  const ids = new Set<string>(); // names of int64 values
  const pinsTime = parts.calls.some((call) => pinsTimeAxis(call.layer));
  const inputs = parts.inputs.map(({ key, shape }, i) => {
    const isIds = parts.calls.some((call) => call.layer instanceof Embedding && call.inputs.includes(key));
    const time = parts.inputs.length === 1 ? 'time' : `${inputNames[i]}_time`;
    const value: OnnxValue = { name: inputNames[i], dims: inputDims(shape, isIds, time, inputNames[i], pinsTime), timeMajor: false };
    values.set(key, value);
    if (isIds) ids.add(value.name);
    return valueInfo(value.name, isIds ? DATA_TYPE.int64 : DATA_TYPE.float, value.dims);
  });
  /** `value` as int64 ids or as floats, a Cast when it is the other. */
  const typed = (value: OnnxValue, wantIds: boolean): OnnxValue => {
    if (ids.has(value.name) === wantIds) return value;
    const [name] = graph.add('Cast', [value.name], 1, [intAttribute('to', wantIds ? DATA_TYPE.int64 : DATA_TYPE.float)]);
    if (wantIds) ids.add(name);
    return { ...value, name };
  };
  for (const call of parts.calls) {
    const given = [...call.inputs, ...call.initialState].map((key) => typed(values.get(key)!, call.layer instanceof Embedding));
    const emitted = emitLayer(call.layer, given, graph, call.callArgs);
    call.outputs.forEach((key, k) => values.set(key, emitted[k]));
  }
  const outputs = parts.outputs.map((key, i) => {
    const value = graph.batchMajor(typed(values.get(key)!, false));
    graph.add('Identity', [value.name], [outputNames[i]]);
    return valueInfo(outputNames[i], DATA_TYPE.float, value.dims);
  });

  const graphMessage: Message = [
    ...graph.nodes.map((n) => messageField(FIELD.graph.node, n)),
    stringField(FIELD.graph.name, graphName),
    ...graph.initializers.map((t) => messageField(FIELD.graph.initializer, t)),
    ...inputs.map((info) => messageField(FIELD.graph.input, info)),
    ...outputs.map((info) => messageField(FIELD.graph.output, info)),
  ];
  return concat([
    intField(FIELD.model.irVersion, IR_VERSION),
    stringField(FIELD.model.producerName, 'seqwasm'),
    messageField(FIELD.model.graph, graphMessage),
    messageField(FIELD.model.opsetImport, [stringField(FIELD.opset.domain, ''), intField(FIELD.opset.version, ONNX_OPSET)]),
  ]);
}

/** The calls of a functional model's graph, or of a sequential model's chain (each layer on the previous one's output). */
function callsOf(model: Model): Calls {
  if (model instanceof Functional) {
    const graph = traceGraph(model.name, model.inputs, model.outputs);
    return { inputs: graph.inputs.map((t) => ({ key: t, shape: t.shape })), calls: graph.nodes, outputs: graph.outputs, inputNames: model.inputNames(), outputNames: model.outputNames() };
  }
  const links = Array.from({ length: model.layers.length + 1 }, () => ({}));
  return {
    inputs: [{ key: links[0], shape: model.layers[0].builtInputShape! }],
    calls: model.layers.map((layer, i) => ({ layer, inputs: [links[i]], initialState: [], outputs: [links[i + 1]] })),
    outputs: [links[links.length - 1]],
    inputNames: ['x'],
    outputNames: ['y'],
  };
}

/**
 * An input's dims: 'batch' first, `time` for the steps of a sequence (features [B, T, …] or ids
 * [B, T]) unless `pinsTime` (a layer needs the built length, see pinsTimeAxis) and the length
 * is known, a symbolic name for any other open axis.
 */
function inputDims(shape: Shape, ids: boolean, time: string, inputName: string, pinsTime: boolean): (number | string)[] {
  const dynamicTime = (d: number | null) => shape.length >= (ids ? 2 : 3) && !(pinsTime && typeof d === 'number');
  return shape.map((d, axis) => (axis === 0 ? 'batch' : axis === 1 && dynamicTime(d) ? time : d ?? `${inputName}_${axis}`));
}

/** The graph's input or output names from the option (one string, or one per model input / output in order), else `defaults`. */
function graphNames(key: 'inputName' | 'outputName', given: unknown, defaults: readonly string[], what: string): string[] {
  if (given === undefined) return [...defaults];
  const list: unknown[] | undefined = typeof given === 'string' ? [given] : Array.isArray(given) ? given : undefined;
  if (!list || !list.every((name) => typeof name === 'string' && name.length > 0)) throw new OnnxExportError(OWNER, key, `${key} must be a non-empty string or an array of them (one per model ${what}), got ${describe(given)}`);
  if (list.length !== defaults.length) {
    const expected = defaults.length === 1 ? 'one name' : `an array of ${defaults.length} names`;
    throw new OnnxExportError(OWNER, key, `${key} must name each of the model's ${defaults.length} ${what}${defaults.length === 1 ? '' : 's'} (${defaults.join(', ')}) in order: ${expected}, got ${describe(given)}`);
  }
  return list as string[];
}

/** Every graph input and output needs its own name; an OnnxExportError names the first one used twice. */
function checkUnique(inputNames: readonly string[], outputNames: readonly string[], outputsByDefault: boolean): void {
  inputNames.forEach((name, i) => {
    if (inputNames.indexOf(name) !== i) throw new OnnxExportError(OWNER, 'inputName', `inputName must give each input its own name; '${name}' is given twice`);
  });
  outputNames.forEach((name, i) => {
    if (inputNames.includes(name) || outputNames.indexOf(name) !== i) {
      const hint = outputsByDefault ? ` (the model's own output names; choose others with the outputName option)` : '';
      throw new OnnxExportError(OWNER, 'outputName', `outputName must differ from inputName and between outputs: '${name}' is used twice${hint}`);
    }
  });
}
