// loadONNX: a Sequential from the ONNX graphs that torch.onnx.export writes for nn.LSTM /
// nn.GRU / nn.RNN (any layers, bidirectional, batch_first or time-major) followed by
// nn.Linear and an activation, and from tf2onnx's Keras LSTM/GRU graphs.
//
// Reading: the file is parsed by the bounded protobuf reader (protobuf.ts) against LIMITS
// before anything is allocated: counts of nodes, initializers, attributes and names; string
// lengths; ranks and dimensions; every tensor's byte length against its dims and data type;
// no external data and no subgraphs (so nesting is onnx.proto's fixed depth).
//
// Understanding: the nodes run through an abstract interpreter in graph order. Each value is
// a constant (initializers, Constant), a shape (int64 vectors computed from Shape / Gather /
// Unsqueeze / Concat / Slice / Cast on the input — torch's glue for the zero initial states),
// zeros (ConstantOfShape / Expand of zeros), the data flowing through the network (its axes
// labelled: batch, time, directions, features), or stacked final states (Y_h). Recurrent
// ops, Gemm / MatMul (+ Add) and the activations after them append layers to a chain; the
// glue around them (Transpose, Squeeze, Reshape, the last-step Gather / Slice, Concat of
// h_n halves) only relabels axes and decides each recurrent layer's returnSequences. Any
// other op, or one of these used in a way that has no seqwasm layer, is a ModelLoadError
// naming the node and its op.
//
// The model takes [batch, time, features] (a time-major graph's input transposed) and
// returns what the graph returns, batch-major.
import { Bidirectional } from '../layers/bidirectional.js';
import { Dense } from '../layers/dense.js';
import type { Layer } from '../layers/layer.js';
import { GRU, LSTM, SimpleRNN, type RecurrentActivationName, type RecurrentLayer } from '../layers/recurrent.js';
import { describe, ModelError, ModelLoadError } from '../model/errors.js';
import { LayerError } from '../layers/errors.js';
import { Sequential } from '../model/sequential.js';
import { readWithin, ReadError, urlOf, withTimeout } from '../runtime/location.js';
import type { ActivationName } from '../layers/activations.js';
import { DATA_TYPE, FIELD } from './onnx-format.js';
import type { LoadONNXOptions } from './interop.js';
import { concat, packedFloats, readFields, repeatedInts, text, WireFormatError, type WireField } from './protobuf.js';

const OWNER = 'loadONNX';

/** Bounds on what a file may hold; each cost of reading is bounded by the file size and these. */
const ONNX_LIMITS = {
  maxBytes: 2 ** 30,
  nodes: 4096,
  initializers: 4096,
  /** Inputs, outputs and attributes of one node; inputs and outputs of the graph. */
  perNode: 64,
  /** Bytes of any name or string attribute. */
  stringBytes: 4096,
  /** Values of an ints / floats / strings attribute. */
  attributeValues: 4096,
  rank: 8,
  dimension: 2 ** 24,
  /** Values of one tensor (float32: 1 GiB). */
  tensorValues: 2 ** 28,
};

/** A ModelLoadError naming where in the file (or which argument) the problem is. */
function fail(argument: string, problem: string): never {
  throw new ModelLoadError(OWNER, argument, `${argument}: ${problem}`);
}

/** A name from the file as quoted in messages: short and printable. */
function quote(name: string): string {
  const clean = name.replace(/[^\x20-\x7e]/g, '?');
  return `'${clean.length > 64 ? `${clean.slice(0, 61)}...` : clean}'`;
}

// ---- parsing --------------------------------------------------------------------------------

interface Tensor {
  name: string;
  dims: number[];
  /** float32 values, or integers (int32 / int64) as numbers. */
  floats?: Float32Array;
  ints?: number[];
}

interface Attribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: Tensor;
  floats: number[];
  ints: number[];
  strings: string[];
}

interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, Attribute>;
}

interface GraphInput {
  name: string;
  elemType: number;
  dims: (number | string | undefined)[];
}

interface ParsedGraph {
  opset: number;
  nodes: OnnxNode[];
  initializers: Map<string, Tensor>;
  inputs: GraphInput[];
  outputs: string[];
}

/** Runs `read` over a message's bytes, turning wire format errors into ModelLoadErrors naming `where`. */
function fieldsOf(bytes: Uint8Array, where: string, each: (field: WireField) => void): void {
  try {
    for (const field of readFields(bytes)) each(field);
  } catch (error) {
    if (error instanceof WireFormatError) fail(where, `is not a valid protobuf message: ${error.message}`);
    throw error;
  }
}

function boundedText(field: WireField, where: string): string {
  if (field.bytes.length > ONNX_LIMITS.stringBytes) fail(where, `a string of ${field.bytes.length} bytes; at most ${ONNX_LIMITS.stringBytes} are read`);
  try {
    return text(field);
  } catch (error) {
    if (error instanceof WireFormatError) fail(where, error.message);
    throw error;
  }
}

function ints(field: WireField, into: number[], where: string, limit: number): void {
  try {
    repeatedInts(field, into);
  } catch (error) {
    if (error instanceof WireFormatError) fail(where, error.message);
    throw error;
  }
  if (into.length > limit) fail(where, `more than ${limit} values`);
}

function count<T>(list: T[], item: T, limit: number, where: string, what: string): void {
  if (list.length >= limit) fail(where, `more than ${limit} ${what}; at most ${limit} are read`);
  list.push(item);
}

function parseModel(bytes: Uint8Array): ParsedGraph {
  let graphBytes: Uint8Array | undefined;
  let opset: number | undefined;
  fieldsOf(bytes, 'model', (f) => {
    if (f.field === FIELD.model.graph && f.wireType === 2) graphBytes = f.bytes;
    if (f.field === FIELD.model.opsetImport && f.wireType === 2) {
      let domain = '';
      let version = 0;
      fieldsOf(f.bytes, 'model.opset_import', (o) => {
        if (o.field === FIELD.opset.domain) domain = boundedText(o, 'model.opset_import.domain');
        if (o.field === FIELD.opset.version && o.wireType === 0) version = o.value;
      });
      if (domain === '' || domain === 'ai.onnx') opset = version;
    }
  });
  if (!graphBytes) fail('model', 'has no graph: not an ONNX model file');
  if (opset === undefined) fail('model.opset_import', 'imports no version of the default ONNX domain');
  if (opset < 7 || opset > 21) fail('model.opset_import', `opset ${opset} is outside the versions read here (7 to 21)`);
  const graph: ParsedGraph = { opset, nodes: [], initializers: new Map(), inputs: [], outputs: [] };
  const g = FIELD.graph;
  fieldsOf(graphBytes, 'graph', (f) => {
    if (f.wireType !== 2) return;
    if (f.field === g.node) count(graph.nodes, parseNode(f.bytes, `graph.node[${graph.nodes.length}]`), ONNX_LIMITS.nodes, 'graph.node', 'nodes');
    else if (f.field === g.initializer) {
      if (graph.initializers.size >= ONNX_LIMITS.initializers) fail('graph.initializer', `more than ${ONNX_LIMITS.initializers} initializers`);
      const tensor = parseTensor(f.bytes, `graph.initializer[${graph.initializers.size}]`);
      graph.initializers.set(tensor.name, tensor);
    } else if (f.field === g.input) count(graph.inputs, parseValueInfo(f.bytes, `graph.input[${graph.inputs.length}]`), ONNX_LIMITS.perNode, 'graph.input', 'inputs');
    else if (f.field === g.output) count(graph.outputs, parseValueInfo(f.bytes, `graph.output[${graph.outputs.length}]`).name, ONNX_LIMITS.perNode, 'graph.output', 'outputs');
  });
  return graph;
}

function parseNode(bytes: Uint8Array, where: string): OnnxNode {
  const node: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: new Map() };
  const n = FIELD.node;
  fieldsOf(bytes, where, (f) => {
    if (f.field === n.input) count(node.inputs, boundedText(f, `${where}.input`), ONNX_LIMITS.perNode, where, 'inputs');
    else if (f.field === n.output) count(node.outputs, boundedText(f, `${where}.output`), ONNX_LIMITS.perNode, where, 'outputs');
    else if (f.field === n.name) node.name = boundedText(f, `${where}.name`);
    else if (f.field === n.opType) node.opType = boundedText(f, `${where}.op_type`);
    else if (f.field === n.domain) node.domain = boundedText(f, `${where}.domain`);
    else if (f.field === n.attribute && f.wireType === 2) {
      if (node.attributes.size >= ONNX_LIMITS.perNode) fail(where, `more than ${ONNX_LIMITS.perNode} attributes`);
      const attribute = parseAttribute(f.bytes, `${where}.attribute[${node.attributes.size}]`);
      node.attributes.set(attribute.name, attribute);
    }
  });
  return node;
}

function parseAttribute(bytes: Uint8Array, where: string): Attribute {
  const a: Attribute = { name: '', type: 0, floats: [], ints: [], strings: [] };
  const k = FIELD.attribute;
  fieldsOf(bytes, where, (f) => {
    if (f.field === k.name) a.name = boundedText(f, `${where}.name`);
    else if (f.field === k.type && f.wireType === 0) a.type = f.value;
    else if (f.field === k.f && f.wireType === 5) a.f = f.value;
    else if (f.field === k.i && f.wireType === 0) a.i = f.value;
    else if (f.field === k.s) a.s = boundedText(f, `${where}.s`);
    else if (f.field === k.t && f.wireType === 2) a.t = parseTensor(f.bytes, `${where}.t`);
    else if (f.field === k.ints) ints(f, a.ints, `${where}.ints`, ONNX_LIMITS.attributeValues);
    else if (f.field === k.strings) count(a.strings, boundedText(f, `${where}.strings`), ONNX_LIMITS.attributeValues, where, 'strings');
    else if (f.field === k.floats) {
      const values = f.wireType === 5 ? [f.value] : f.wireType === 2 ? Array.from(floatsOf(f.bytes, where)) : [];
      for (const v of values) count(a.floats, v, ONNX_LIMITS.attributeValues, where, 'floats');
    } else if (f.field === 6 || f.field === 11) fail(where, 'holds a subgraph; graphs with control flow (If, Loop, Scan) are not read');
  });
  return a;
}

function floatsOf(bytes: Uint8Array, where: string): Float32Array {
  try {
    return packedFloats(bytes);
  } catch (error) {
    if (error instanceof WireFormatError) fail(where, error.message);
    throw error;
  }
}

const ELEMENT_BYTES: Record<number, number> = { [DATA_TYPE.float]: 4, [DATA_TYPE.int32]: 4, [DATA_TYPE.int64]: 8 };

function parseTensor(bytes: Uint8Array, where: string): Tensor {
  const t = FIELD.tensor;
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let raw: Uint8Array | undefined;
  const floatData: Uint8Array[] = [];
  const intData: number[] = [];
  fieldsOf(bytes, where, (f) => {
    if (f.field === t.dims) ints(f, dims, `${where}.dims`, ONNX_LIMITS.rank);
    else if (f.field === t.dataType && f.wireType === 0) dataType = f.value;
    else if (f.field === t.name) name = boundedText(f, `${where}.name`);
    else if (f.field === t.rawData && f.wireType === 2) raw = f.bytes;
    else if (f.field === t.floatData) floatData.push(f.wireType === 2 ? f.bytes : new Uint8Array(new Float32Array([f.value]).buffer));
    else if (f.field === t.int64Data || f.field === t.int32Data) ints(f, intData, `${where}.data`, ONNX_LIMITS.tensorValues);
    else if (f.field === t.externalData || (f.field === t.dataLocation && f.value !== 0)) fail(where, 'keeps its values in an external file; only self-contained models are read');
  });
  const label = name ? `${where} ${quote(name)}` : where;
  if (!(dataType in ELEMENT_BYTES)) fail(label, `has data type ${dataType}; only float32, int32 and int64 tensors are read`);
  let size = 1;
  for (const d of dims) {
    if (!(d >= 0 && d <= ONNX_LIMITS.dimension)) fail(label, `has dimension ${d}, outside [0, ${ONNX_LIMITS.dimension}]`);
    size *= d;
  }
  if (size > ONNX_LIMITS.tensorValues) fail(label, `holds ${size} values; at most ${ONNX_LIMITS.tensorValues} are read`);
  const width = ELEMENT_BYTES[dataType];
  if (raw) {
    if (raw.length !== size * width) fail(label, `has ${raw.length} bytes of raw data; dims [${dims.join(', ')}] of ${width}-byte values need ${size * width}`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (dataType === DATA_TYPE.float) return { name, dims, floats: Float32Array.from({ length: size }, (_, i) => view.getFloat32(4 * i, true)) };
    if (dataType === DATA_TYPE.int32) return { name, dims, ints: Array.from({ length: size }, (_, i) => view.getInt32(4 * i, true)) };
    return { name, dims, ints: Array.from({ length: size }, (_, i) => Number(view.getBigInt64(8 * i, true))) };
  }
  if (dataType === DATA_TYPE.float) {
    const floats = floatsOf(concat(floatData), `${where}.float_data`);
    if (floats.length !== size) fail(label, `has ${floats.length} float values; dims [${dims.join(', ')}] need ${size}`);
    return { name, dims, floats };
  }
  if (intData.length !== size) fail(label, `has ${intData.length} integer values; dims [${dims.join(', ')}] need ${size}`);
  return { name, dims, ints: intData };
}

function parseValueInfo(bytes: Uint8Array, where: string): GraphInput {
  const info: GraphInput = { name: '', elemType: 0, dims: [] };
  fieldsOf(bytes, where, (f) => {
    if (f.field === FIELD.valueInfo.name) info.name = boundedText(f, `${where}.name`);
    else if (f.field === FIELD.valueInfo.type && f.wireType === 2) {
      fieldsOf(f.bytes, `${where}.type`, (type) => {
        if (type.field !== FIELD.type.tensorType || type.wireType !== 2) return;
        fieldsOf(type.bytes, `${where}.type.tensor_type`, (tt) => {
          if (tt.field === FIELD.tensorType.elemType && tt.wireType === 0) info.elemType = tt.value;
          if (tt.field !== FIELD.tensorType.shape || tt.wireType !== 2) return;
          fieldsOf(tt.bytes, `${where}.type.tensor_type.shape`, (dim) => {
            if (dim.field !== FIELD.shape.dim || dim.wireType !== 2) return;
            let value: number | string | undefined;
            fieldsOf(dim.bytes, `${where}.shape.dim`, (d) => {
              if (d.field === FIELD.dimension.value && d.wireType === 0) value = d.value;
              if (d.field === FIELD.dimension.param) value = boundedText(d, `${where}.shape.dim`);
            });
            count(info.dims, value, ONNX_LIMITS.rank, where, 'dimensions');
          });
        });
      });
    }
  });
  return info;
}

// ---- the abstract interpreter ---------------------------------------------------------------

/** An axis of the flowing data: the graph input's first two axes (their roles learned at the first recurrent op), directions, features. */
type Label = 'x0' | 'x1' | 'D' | 'F' | 'T1';

interface RecurrentSpec {
  kind: 'recurrent';
  node: string;
  cell: 'lstm' | 'gru' | 'simpleRNN';
  directions: 'forward' | 'reverse' | 'bidirectional';
  units: number;
  features: number;
  kernels: Float32Array[];
  recurrentKernels: Float32Array[];
  biases: Float32Array[] | undefined;
  resetAfter: boolean;
  activation: RecurrentActivationName;
  recurrentActivation: RecurrentActivationName;
  returnSequences?: boolean;
}

interface DenseSpec {
  kind: 'dense';
  node: string;
  features: number;
  units: number;
  kernel: Float32Array;
  bias?: Float32Array;
  activation: ActivationName;
}

type Spec = RecurrentSpec | DenseSpec;

/** What a value in the graph is known to be. */
type Value =
  | { kind: 'floats'; tensor: Tensor }
  /** An int64 vector (or scalar) whose entries are numbers or symbolic dimensions (axis labels). */
  | { kind: 'dims'; dims: (number | Label)[]; scalar: boolean }
  | { kind: 'zeros' }
  /** The network's data: `at` layers of the chain produced it; `fresh` says the last op was a Gemm / MatMul (+ Add) still open for its bias and activation. */
  | { kind: 'data'; axes: Label[]; features: number; dirs: number; at: number; fresh?: 'matmul' | 'biased' }
  /**
   * Stacked final states [entries, B, U] of recurrent layers: (chain index, direction) per
   * entry; `single` once one state was taken out ([B, U]), `merged` for the forward and
   * backward states of one bidirectional layer joined on the feature axis; `batchFirst` for
   * both directions' states transposed to [B, 2, U] (the exporter's concat merge, before Reshape).
   */
  | { kind: 'states'; entries: { spec: number; direction: number }[]; cell: boolean; single?: boolean; merged?: boolean; batchFirst?: boolean };

class Interpreter {
  readonly specs: Spec[] = [];
  private readonly values = new Map<string, Value>();
  /** Which graph input axis is time ('x0' or 'x1'), once a recurrent op has read it. */
  timeLabel: Label | undefined;
  private node!: OnnxNode;
  private index = 0;

  constructor(
    private readonly graph: ParsedGraph,
    readonly input: GraphInput,
  ) {
    for (const [name, tensor] of graph.initializers) this.values.set(name, constantValue(tensor));
  }

  run(): void {
    const { input } = this;
    if (input.elemType !== DATA_TYPE.float) fail(`graph.input ${quote(input.name)}`, `has element type ${input.elemType}; loadONNX reads float32 sequence input`);
    const features = input.dims[2];
    if (input.dims.length !== 3 || typeof features !== 'number' || features < 1) fail(`graph.input ${quote(input.name)}`, `must be a sequence [batch, time, features] (or time-major) with a known feature count, got [${input.dims.map((d) => d ?? '?').join(', ')}]`);
    this.values.set(input.name, { kind: 'data', axes: ['x0', 'x1', 'F'], features, dirs: 1, at: 0 });
    this.graph.nodes.forEach((node, i) => {
      this.node = node;
      this.index = i;
      this.step();
    });
  }

  private get where(): string {
    return `graph.node[${this.index}]`;
  }

  /** Fails naming the current node and its op. */
  refuse(problem: string): never {
    fail(this.where, `node ${quote(this.node.name)} (${quote(this.node.opType).slice(1, -1)}) ${problem}`);
  }

  value(name: string | undefined, role: string): Value {
    const value = name === undefined || name === '' ? undefined : this.values.get(name);
    if (!value) this.refuse(`its ${role} ${name ? quote(name) : '(missing)'} is not produced before it`);
    return value;
  }

  private optional(position: number): Value | undefined {
    const name = this.node.inputs[position];
    return name === undefined || name === '' ? undefined : this.value(name, `input ${position}`);
  }

  private set(position: number, value: Value): void {
    const name = this.node.outputs[position];
    if (name !== undefined && name !== '') this.values.set(name, value);
  }

  private attribute(name: string): Attribute | undefined {
    return this.node.attributes.get(name);
  }

  private intAttribute(name: string, fallback: number): number {
    const a = this.attribute(name);
    if (a === undefined) return fallback;
    if (a.i === undefined) this.refuse(`has attribute ${name}, which should be an integer`);
    return a.i;
  }

  private intsAttribute(name: string): number[] | undefined {
    return this.attribute(name)?.ints;
  }

  /** A constant int vector input (or attribute for older opsets), as numbers. */
  private constantInts(position: number, attributeName: string | undefined, role: string): number[] | undefined {
    if (attributeName !== undefined && this.attribute(attributeName)) return this.intsAttribute(attributeName);
    const value = this.optional(position);
    if (value === undefined) return undefined;
    if (value.kind !== 'dims' || value.dims.some((d) => typeof d !== 'number')) this.refuse(`its ${role} must be constant integers`);
    return value.dims as number[];
  }

  private step(): void {
    const node = this.node;
    if (node.domain !== '' && node.domain !== 'ai.onnx') this.refuse(`is of domain ${quote(node.domain)}; only the default ONNX domain is read`);
    const handler = OPS[node.opType];
    if (!handler) this.refuse(`is an op loadONNX does not read; it reads recurrent (LSTM, GRU, RNN) → Gemm / MatMul + Add → activation graphs and their glue (${Object.keys(OPS).join(', ')})`);
    handler(this);
  }

  // ---- glue ----

  constant(): void {
    const a = this.attribute('value');
    if (a?.t) return this.set(0, constantValue(a.t));
    const ints = this.attribute('value_ints') ?? this.attribute('value_int');
    if (ints) return this.set(0, { kind: 'dims', dims: ints.i !== undefined ? [ints.i] : ints.ints, scalar: ints.i !== undefined });
    const floats = this.attribute('value_floats') ?? this.attribute('value_float');
    if (floats) return this.set(0, { kind: 'floats', tensor: { name: '', dims: floats.f !== undefined ? [] : [floats.floats.length], floats: Float32Array.from(floats.f !== undefined ? [floats.f] : floats.floats) } });
    this.refuse('has no value, value_int(s) or value_float(s)');
  }

  shape(): void {
    const x = this.value(this.node.inputs[0], 'input');
    if (x.kind !== 'data') this.refuse('takes the shape of something other than the network data');
    this.set(0, { kind: 'dims', dims: x.axes.map((axis) => (axis === 'F' ? x.features : axis === 'D' ? x.dirs : axis === 'T1' ? 1 : axis)), scalar: false });
  }

  gather(): void {
    const x = this.value(this.node.inputs[0], 'data');
    const index = this.value(this.node.inputs[1], 'indices');
    const axis = this.intAttribute('axis', 0);
    if (index.kind !== 'dims' || index.dims.length !== 1 || typeof index.dims[0] !== 'number') this.refuse('takes a constant single index here');
    const i = index.dims[0];
    if (x.kind === 'dims') {
      if (axis !== 0 || x.scalar) this.refuse('gathers from a shape along an axis other than 0');
      const at = i < 0 ? i + x.dims.length : i;
      if (!(at >= 0 && at < x.dims.length)) this.refuse(`takes index ${i}, outside a shape of ${x.dims.length} values`);
      return this.set(0, { kind: 'dims', dims: [x.dims[at]], scalar: index.scalar });
    }
    if (x.kind === 'states') {
      if (axis !== 0 || !index.scalar) this.refuse('takes stacked final states apart only by a scalar index on axis 0');
      const at = i < 0 ? i + x.entries.length : i;
      if (!(at >= 0 && at < x.entries.length)) this.refuse(`takes index ${i}, outside ${x.entries.length} stacked states`);
      return this.set(0, { kind: 'states', entries: [x.entries[at]], cell: x.cell, single: true });
    }
    if (x.kind !== 'data') this.refuse('gathers from a constant (an embedding lookup is not read here)');
    const a = axis < 0 ? axis + x.axes.length : axis;
    if (x.axes[a] !== this.timeLabel || x.at === 0) this.refuse('gathers from the network data along an axis other than time');
    if (i !== -1) this.refuse(`takes step ${i}; only the last step (index -1) has a seqwasm layer (returnSequences: false)`);
    this.lastStep(x);
    this.set(0, { ...x, axes: x.axes.filter((_, k) => k !== a) });
  }

  /** Checks that the last step of `x` is a final state seqwasm layers return. */
  private lastStep(x: Extract<Value, { kind: 'data' }>): void {
    const spec = this.specs[x.at - 1];
    if (spec.kind !== 'recurrent') this.refuse('takes the last step of a dense output; only a recurrent layer\'s last step has a seqwasm form');
    if (spec.directions !== 'forward') {
      this.refuse(`takes the last step of ${spec.directions} recurrent node ${quote(spec.node)}: there the backward direction has read one step only, which no seqwasm layer returns; use the final states (h_n: torch.cat([h_n[-2], h_n[-1]], 1)) instead`);
    }
  }

  unsqueeze(): void {
    const x = this.value(this.node.inputs[0], 'input');
    const axes = this.constantInts(1, 'axes', 'axes');
    if (x.kind === 'zeros') return this.set(0, x);
    if (x.kind === 'dims' && x.scalar && axes?.length === 1 && (axes[0] === 0 || axes[0] === -1)) return this.set(0, { ...x, scalar: false });
    this.refuse('unsqueezes something other than a shape scalar or zeros');
  }

  squeeze(): void {
    const x = this.value(this.node.inputs[0], 'input');
    const axes = this.constantInts(1, 'axes', 'axes');
    if (x.kind === 'zeros') return this.set(0, x);
    if (axes === undefined) this.refuse('squeezes without axes');
    if (x.kind === 'states') {
      if (axes.length !== 1 || axes[0] !== 0 || x.entries.length !== 1) this.refuse('squeezes stacked final states other than one state on axis 0');
      return this.set(0, { ...x, single: true });
    }
    if (x.kind !== 'data') this.refuse('squeezes a constant');
    const drop = axes.map((a) => (a < 0 ? a + x.axes.length : a));
    for (const a of drop) {
      const label = x.axes[a];
      if (!((label === 'D' && x.dirs === 1) || label === 'T1')) this.refuse(`squeezes axis ${a}, which is not of size 1 (a single direction or a last step)`);
    }
    this.set(0, { ...x, axes: x.axes.filter((_, k) => !drop.includes(k)) });
  }

  transpose(): void {
    const x = this.value(this.node.inputs[0], 'input');
    if (x.kind === 'zeros') return this.set(0, x);
    if (x.kind === 'states' && bothDirections(x) && this.intsAttribute('perm')?.join() === '1,0,2') return this.set(0, { ...x, batchFirst: true });
    if (x.kind !== 'data') this.refuse('transposes something other than the network data');
    const perm = this.intsAttribute('perm') ?? x.axes.map((_, i) => x.axes.length - 1 - i);
    if (perm.length !== x.axes.length || [...perm].sort().some((p, i) => p !== i)) this.refuse(`has perm [${perm.join(', ')}], not a permutation of ${x.axes.length} axes`);
    this.set(0, { ...x, axes: perm.map((p) => x.axes[p]) });
  }

  reshape(): void {
    const x = this.value(this.node.inputs[0], 'input');
    const target = this.value(this.node.inputs[1], 'shape');
    if (x.kind === 'zeros') return this.set(0, x);
    if (x.kind === 'states' && x.batchFirst && target.kind === 'dims' && target.dims.length === 2 && (target.dims[0] === 0 || target.dims[0] === this.batchLabel)) {
      const units = (this.specs[x.entries[0].spec] as RecurrentSpec).units;
      if (target.dims[1] === -1 || target.dims[1] === 2 * units) return this.set(0, { ...x, single: true, merged: true, batchFirst: false });
    }
    if (x.kind !== 'data' || target.kind !== 'dims') this.refuse('reshapes something other than the network data by a shape');
    // The one reshape with a seqwasm form: [..., directions, units] → [..., directions·units] (concat merge).
    const d = x.axes.indexOf('D');
    const ok =
      d === x.axes.length - 2 &&
      target.dims.length === x.axes.length - 1 &&
      target.dims.every((t, i) => (i === target.dims.length - 1 ? t === -1 || t === x.dirs * x.features : t === 0 || t === x.axes[i] || (x.axes[i] === 'F' && t === x.features)));
    if (!ok) this.refuse('reshapes the data other than by joining the directions of a recurrent output ([..., directions, units] → [..., directions·units])');
    this.set(0, { ...x, axes: [...x.axes.slice(0, d), 'F'], features: x.dirs * x.features, dirs: 1 });
  }

  slice(): void {
    const x = this.value(this.node.inputs[0], 'input');
    if (x.kind === 'zeros') return this.set(0, x);
    const starts = this.constantInts(1, 'starts', 'starts');
    const ends = this.constantInts(2, 'ends', 'ends');
    const axes = this.constantInts(3, 'axes', 'axes') ?? starts?.map((_, i) => i);
    const steps = this.constantInts(4, undefined, 'steps') ?? starts?.map(() => 1);
    if (!starts || !ends || !axes || !steps || starts.length !== 1 || ends.length !== 1 || axes.length !== 1 || steps[0] !== 1) this.refuse('slices other than one axis with step 1');
    if (x.kind === 'dims') {
      if (axes[0] !== 0) this.refuse('slices a shape along an axis other than 0');
      const n = x.dims.length;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
      return this.set(0, { kind: 'dims', dims: x.dims.slice(clamp(starts[0]), clamp(ends[0])), scalar: false });
    }
    if (x.kind !== 'data') this.refuse('slices a constant or stacked states');
    const a = axes[0] < 0 ? axes[0] + x.axes.length : axes[0];
    if (x.axes[a] !== this.timeLabel || starts[0] !== -1 || ends[0] < 2 ** 31 - 1 || x.at === 0) this.refuse('slices the data other than to its last step ([-1:] on the time axis)');
    this.lastStep(x);
    this.set(0, { ...x, axes: x.axes.map((label, k) => (k === a ? 'T1' : label)) });
  }

  concat(): void {
    const parts = this.node.inputs.map((name, i) => this.value(name, `input ${i}`));
    const axis = this.intAttribute('axis', 0);
    if (parts.every((p) => p.kind === 'dims')) return this.set(0, { kind: 'dims', dims: parts.flatMap((p) => (p as { dims: (number | Label)[] }).dims), scalar: false });
    if (parts.every((p) => p.kind === 'states' && !p.single)) {
      if (axis !== 0) this.refuse('concatenates stacked states along an axis other than 0');
      return this.set(0, { kind: 'states', entries: parts.flatMap((p) => (p as Extract<Value, { kind: 'states' }>).entries), cell: parts.some((p) => (p as Extract<Value, { kind: 'states' }>).cell) });
    }
    // torch.cat([h_n[-2], h_n[-1]], 1): both final states of one bidirectional layer, forward first.
    const [first, second] = parts;
    const halves = parts.length === 2 && first.kind === 'states' && second.kind === 'states' && first.single && second.single && !first.merged && !second.merged ? [first.entries[0], second.entries[0]] : undefined;
    if (!halves || (axis !== 1 && axis !== -1) || halves[0].spec !== halves[1].spec || halves[0].direction !== 0 || halves[1].direction !== 1) {
      this.refuse('concatenates the network data other than as the forward and backward final states of one bidirectional layer (torch.cat([h_n[-2], h_n[-1]], 1))');
    }
    this.set(0, { kind: 'states', entries: halves, cell: (first as { cell: boolean }).cell || (second as { cell: boolean }).cell, single: true, merged: true });
  }

  constantOfShape(): void {
    const shape = this.value(this.node.inputs[0], 'shape');
    const fill = this.attribute('value')?.t;
    if (shape.kind !== 'dims' || (fill && (fill.floats ?? fill.ints ?? []).some((v) => v !== 0))) this.refuse('makes a tensor other than zeros of a shape');
    this.set(0, { kind: 'zeros' });
  }

  expand(): void {
    const x = this.value(this.node.inputs[0], 'input');
    if (!isZeros(x)) this.refuse('expands something other than zeros');
    this.set(0, { kind: 'zeros' });
  }

  passThrough(): void {
    const x = this.value(this.node.inputs[0], 'input');
    if (this.node.opType === 'Dropout' && this.node.outputs.length > 1 && this.node.outputs[1] !== '') this.refuse('uses its mask output');
    this.set(0, x);
  }

  cast(): void {
    const x = this.value(this.node.inputs[0], 'input');
    if (x.kind === 'data' || x.kind === 'states') this.refuse('casts the network data');
    this.set(0, x);
  }

  // ---- layers ----

  /** The data or final state `value` as the input of the next layer: checks it continues the chain and settles returnSequences of the layer before. */
  private layerInput(value: Value, role: string): Extract<Value, { kind: 'data' }> {
    let data: Extract<Value, { kind: 'data' }>;
    let final: boolean;
    if (value.kind === 'states') {
      const { single, merged } = value;
      const entry = value.entries[0];
      const spec = this.specs[entry.spec] as RecurrentSpec;
      if (value.cell) this.refuse('reads a cell state (Y_c); seqwasm layers pass on h only');
      if (!single) this.refuse(`reads stacked final states as its ${role}; take one (h_n[-1]) first`);
      if (!merged && spec.directions === 'bidirectional') this.refuse('reads one direction\'s final state of a bidirectional layer alone; seqwasm\'s bidirectional returns both (torch.cat([h_n[-2], h_n[-1]], 1))');
      data = { kind: 'data', axes: [this.batchLabel, 'F'], features: merged ? 2 * spec.units : spec.units, dirs: 1, at: entry.spec + 1 };
      final = true;
    } else if (value.kind === 'data') {
      data = value;
      final = !value.axes.includes(this.timeLabel ?? 'x1') && value.at > 0;
      if (value.axes.includes('D') || value.axes.includes('T1')) this.refuse(`reads data with a directions or last-step axis still in it as its ${role}`);
    } else {
      this.refuse(`its ${role} is a constant, not the network data`);
    }
    if (data.at !== this.specs.length) this.refuse(`reads the output of ${data.at === 0 ? 'the graph input' : `layer ${data.at}`} after later layers: only a chain of layers (a sequential model) is read`);
    const before = this.specs[data.at - 1];
    if (before?.kind === 'recurrent') this.settle(before, !final);
    return data;
  }

  private settle(spec: RecurrentSpec, returnSequences: boolean): void {
    if (spec.returnSequences !== undefined && spec.returnSequences !== returnSequences) this.refuse(`uses both the sequence and the final state of ${quote(spec.node)}`);
    if (returnSequences && spec.directions === 'reverse') this.refuse(`uses the sequence of reverse node ${quote(spec.node)}: seqwasm's goBackwards returns it in reading order; only its final state is read`);
    spec.returnSequences = returnSequences;
  }

  private get batchLabel(): Label {
    return this.timeLabel === 'x0' ? 'x1' : 'x0';
  }

  recurrent(): void {
    const node = this.node;
    const cell = node.opType === 'LSTM' ? 'lstm' : node.opType === 'GRU' ? 'gru' : 'simpleRNN';
    const gates = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
    const x = this.layerInput(this.value(node.inputs[0], 'X'), 'X');
    const layout = this.intAttribute('layout', 0);
    const [timeAxis, batchAxis] = layout === 0 ? [0, 1] : [1, 0];
    if (x.axes.length !== 3 || x.axes[2] !== 'F') this.refuse('reads data that is not a [time, batch, features] sequence');
    const time = x.axes[timeAxis];
    if (this.timeLabel === undefined) this.timeLabel = time;
    if (time !== this.timeLabel || x.axes[batchAxis] !== this.batchLabel) this.refuse('reads its sequence with the batch and time axes swapped against the graph input');
    if (this.attribute('clip')) this.refuse('clips its cell (attribute clip), which seqwasm\'s cells do not');
    if (this.intAttribute('input_forget', 0) !== 0) this.refuse('couples its input and forget gates (input_forget), which seqwasm\'s LSTM does not');
    const direction = this.attribute('direction')?.s ?? 'forward';
    if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional') this.refuse(`has direction ${quote(direction)}, not forward, reverse or bidirectional`);
    const dirs = direction === 'bidirectional' ? 2 : 1;
    const units = this.intAttribute('hidden_size', -1);
    if (!(units >= 1 && units <= ONNX_LIMITS.dimension)) this.refuse(`has hidden_size ${units}, not a positive size`);
    const width = gates * units;
    const F = x.features;
    const W = this.weightInput(1, 'W', [dirs, width, F]);
    const R = this.weightInput(2, 'R', [dirs, width, units]);
    const B = this.optional(3) === undefined ? undefined : this.weightInput(3, 'B', [dirs, 2 * width]);
    if (this.optional(4) !== undefined) this.refuse('takes sequence_lens; read models run whole sequences (mask with layers.masking after loading)');
    for (const position of [5, 6]) {
      const state = this.optional(position);
      if (state !== undefined && !isZeros(state)) this.refuse(`starts from a non-zero initial ${position === 5 ? 'h' : 'c'}`);
    }
    if (this.optional(7) !== undefined) this.refuse('has peephole weights (P), which seqwasm\'s LSTM does not');
    const linearBeforeReset = this.intAttribute('linear_before_reset', 0) === 1;
    const [recurrentActivation, activation] = this.activations(cell, dirs);
    const order = KERAS_FROM_ONNX[cell];
    const spec: RecurrentSpec = {
      kind: 'recurrent',
      node: node.name,
      cell,
      directions: direction,
      units,
      features: F,
      kernels: [],
      recurrentKernels: [],
      biases: B ? [] : undefined,
      resetAfter: cell === 'gru' && linearBeforeReset,
      activation,
      recurrentActivation,
    };
    for (let d = 0; d < dirs; d++) {
      spec.kernels.push(kerasMatrix(W.subarray(d * width * F, (d + 1) * width * F), F, units, order));
      spec.recurrentKernels.push(kerasMatrix(R.subarray(d * width * units, (d + 1) * width * units), units, units, order));
      if (B) {
        const input = kerasBias(B.subarray(d * 2 * width, d * 2 * width + width), units, order);
        const recurrent = kerasBias(B.subarray(d * 2 * width + width, (d + 1) * 2 * width), units, order);
        // resetAfter keeps the recurrent bias apart (bias [2, 3U]); everywhere else it adds to the input bias.
        if (spec.resetAfter) {
          const both = new Float32Array(2 * width);
          both.set(input);
          both.set(recurrent, width);
          spec.biases!.push(both);
        }
        else spec.biases!.push(input.map((v, i) => v + recurrent[i]));
      }
    }
    this.specs.push(spec);
    const at = this.specs.length;
    const batch = this.batchLabel;
    const sequenceAxes: Label[] = layout === 0 ? [time, 'D', batch, 'F'] : [batch, time, 'D', 'F'];
    this.set(0, { kind: 'data', axes: sequenceAxes, features: units, dirs, at });
    const entries = Array.from({ length: dirs }, (_, direction) => ({ spec: at - 1, direction }));
    if (layout !== 0) {
      if (node.outputs.slice(1).some((o) => o !== '')) this.refuse('uses final states of a batch-first (layout 1) node, which are not read');
      return;
    }
    this.set(1, { kind: 'states', entries, cell: false });
    this.set(2, { kind: 'states', entries, cell: true });
  }

  /** The recurrent activations (gate, then candidate/output) as seqwasm names, the same for every direction. */
  private activations(cell: RecurrentSpec['cell'], dirs: number): [RecurrentActivationName, RecurrentActivationName] {
    const defaults = cell === 'lstm' ? ['Sigmoid', 'Tanh', 'Tanh'] : cell === 'gru' ? ['Sigmoid', 'Tanh'] : ['Tanh'];
    const names = this.attribute('activations')?.strings ?? Array.from({ length: dirs }, () => defaults).flat();
    if (names.length !== defaults.length * dirs) this.refuse(`has ${names.length} activations; ${cell} with ${dirs} direction(s) needs ${defaults.length * dirs}`);
    const alphas = [...(this.attribute('activation_alpha')?.floats ?? [])];
    const betas = [...(this.attribute('activation_beta')?.floats ?? [])];
    const mapped = names.map((name) => {
      const lower = name.toLowerCase();
      if (lower === 'sigmoid' || lower === 'tanh' || lower === 'relu') return lower as RecurrentActivationName;
      if (lower === 'hardsigmoid' || lower === 'affine') {
        const alpha = alphas.shift() ?? (lower === 'affine' ? 1 : 0.2);
        const beta = betas.shift() ?? (lower === 'affine' ? 0 : 0.5);
        if (lower === 'affine' && alpha === 1 && beta === 0) return 'linear';
        if (lower === 'hardsigmoid' && beta === 0.5 && Math.fround(alpha) === Math.fround(0.2)) return 'hardSigmoid';
        if (lower === 'hardsigmoid' && beta === 0.5 && Math.fround(alpha) === Math.fround(1 / 6)) return 'hardSigmoidKeras3';
      }
      return this.refuse(`uses activation ${quote(name)}${lower === 'hardsigmoid' || lower === 'affine' ? ' with these alpha and beta' : ''} has no seqwasm counterpart (sigmoid, tanh, relu, hardSigmoid 0.2x+0.5, hardSigmoidKeras3 x/6+0.5, linear)`);
    });
    const perDirection = defaults.length;
    for (let i = perDirection; i < mapped.length; i++) if (mapped[i] !== mapped[i % perDirection]) this.refuse('uses different activations in its two directions');
    const activation = mapped[perDirection - 1];
    if (cell === 'lstm' && mapped[1] !== mapped[2]) this.refuse('uses different cell and output activations (g and h), which seqwasm\'s LSTM shares');
    return [cell === 'simpleRNN' ? 'sigmoid' : mapped[0], activation];
  }

  /** A float constant input of exactly `dims`. */
  private weightInput(position: number, role: string, dims: number[]): Float32Array {
    const value = this.optional(position);
    if (value?.kind !== 'floats') this.refuse(`its ${role} must be a float constant (an initializer)`);
    const t = value.tensor;
    if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) this.refuse(`its ${role} has shape [${t.dims.join(', ')}], expected [${dims.join(', ')}]`);
    return t.floats!;
  }

  gemm(): void {
    const x = this.layerInput(this.value(this.node.inputs[0], 'A'), 'A');
    if (x.axes.length !== 2 || x.axes[1] !== 'F') this.refuse('multiplies data that is not [batch, features]');
    if (this.intAttribute('transA', 0) !== 0) this.refuse('transposes its data input (transA)');
    for (const name of ['alpha', 'beta']) if ((this.attribute(name)?.f ?? 1) !== 1) this.refuse(`scales by ${name} ≠ 1`);
    const transB = this.intAttribute('transB', 0) === 1;
    const b = this.value(this.node.inputs[1], 'B');
    if (b.kind !== 'floats' || b.tensor.dims.length !== 2) this.refuse('its B must be a 2-D float constant');
    const [rows, cols] = b.tensor.dims;
    const units = transB ? rows : cols;
    if ((transB ? cols : rows) !== x.features) this.refuse(`its B has shape [${rows}, ${cols}], which does not fit ${x.features} features`);
    const c = this.optional(2);
    let bias: Float32Array | undefined;
    if (c !== undefined) {
      if (c.kind !== 'floats' || c.tensor.floats!.length !== units || c.tensor.dims.length > 2) this.refuse(`its C must be a float constant of ${units} values`);
      bias = c.tensor.floats;
    }
    this.pushDense(x, transB ? transpose(b.tensor.floats!, rows, cols) : b.tensor.floats!, units, bias);
  }

  matMul(): void {
    const x = this.layerInput(this.value(this.node.inputs[0], 'A'), 'A');
    if (x.axes[x.axes.length - 1] !== 'F') this.refuse('multiplies data whose last axis is not its features');
    const b = this.value(this.node.inputs[1], 'B');
    if (b.kind !== 'floats' || b.tensor.dims.length !== 2 || b.tensor.dims[0] !== x.features) this.refuse(`its B must be a float constant [${x.features}, units]`);
    this.pushDense(x, b.tensor.floats!, b.tensor.dims[1], undefined);
  }

  private pushDense(x: Extract<Value, { kind: 'data' }>, kernel: Float32Array, units: number, bias: Float32Array | undefined): void {
    if (units < 1) this.refuse('has no output units');
    this.specs.push({ kind: 'dense', node: this.node.name, features: x.features, units, kernel, bias, activation: 'linear' });
    this.set(0, { ...x, features: units, at: this.specs.length, fresh: bias ? 'biased' : 'matmul' });
  }

  add(): void {
    const [a, b] = this.node.inputs.map((name, i) => this.value(name, `input ${i}`));
    const [data, constant] = a?.kind === 'data' ? [a, b] : [b, a];
    const spec = this.specs[this.specs.length - 1];
    if (data?.kind !== 'data' || data.fresh !== 'matmul' || data.at !== this.specs.length || spec.kind !== 'dense') this.refuse('adds to something other than a MatMul\'s output (a Dense bias)');
    if (constant?.kind !== 'floats' || constant.tensor.floats!.length !== spec.units || constant.tensor.dims.length !== 1) this.refuse(`adds something other than a bias of ${spec.units} floats`);
    spec.bias = constant.tensor.floats;
    this.set(0, { ...data, fresh: 'biased' });
  }

  activation(): void {
    const x = this.value(this.node.inputs[0], 'input');
    const spec = this.specs[this.specs.length - 1];
    if (x.kind !== 'data' || x.fresh === undefined || x.at !== this.specs.length || spec.kind !== 'dense') this.refuse('applies an activation other than right after a Gemm or MatMul (+ Add)');
    const op = this.node.opType;
    if (op === 'Softmax') {
      const axis = this.intAttribute('axis', this.graph.opset >= 13 ? -1 : 1);
      if (axis !== -1 && axis !== x.axes.length - 1) this.refuse(`takes softmax over axis ${axis}, not the features`);
    }
    let activation: ActivationName;
    if (op === 'HardSigmoid') {
      const alpha = Math.fround(this.attribute('alpha')?.f ?? 0.2);
      const beta = this.attribute('beta')?.f ?? 0.5;
      if (beta !== 0.5 || (alpha !== Math.fround(0.2) && alpha !== Math.fround(1 / 6))) this.refuse('is a hard sigmoid with alpha and beta other than 0.2, 0.5 or 1/6, 0.5');
      activation = alpha === Math.fround(0.2) ? 'hardSigmoid' : 'hardSigmoidKeras3';
    } else activation = ({ Relu: 'relu', Sigmoid: 'sigmoid', Tanh: 'tanh', Softmax: 'softmax' } as const)[op as 'Relu'];
    spec.activation = activation;
    this.set(0, { ...x, fresh: undefined });
  }

  /** The graph output: the chain's last value, batch-major. */
  finish(name: string): void {
    const out = this.values.get(name);
    if (!out) fail('graph.output', `output ${quote(name)} is not produced by any node`);
    if (out.kind !== 'data' && out.kind !== 'states') fail('graph.output', `output ${quote(name)} is a constant, not the network's answer`);
    const data = this.layerInput(out, 'output');
    if (data.at === 0) fail('graph.output', 'the graph has no layers between its input and output');
    const time = this.timeLabel;
    const ok = data.axes.length === 2 ? data.axes[0] === this.batchLabel : data.axes.length === 3 && data.axes[2] === 'F' && data.axes.includes(time!) && data.axes.includes(this.batchLabel);
    if (!ok) fail('graph.output', `output ${quote(name)} has axes a seqwasm model cannot return ([batch, units] or a [batch, time, units] sequence)`);
    const last = this.specs[this.specs.length - 1];
    if (last.kind === 'recurrent') this.settle(last, data.axes.length === 3);
  }
}

/** Stacked states that are exactly the forward and backward final states of one bidirectional layer. */
function bothDirections(states: Extract<Value, { kind: 'states' }>): boolean {
  const [forward, backward] = states.entries;
  return !states.single && states.entries.length === 2 && forward.spec === backward.spec && forward.direction === 0 && backward.direction === 1;
}

function isZeros(value: Value): boolean {
  if (value.kind === 'zeros') return true;
  if (value.kind === 'floats') return value.tensor.floats!.every((v) => v === 0);
  return value.kind === 'dims' && value.dims.every((d) => d === 0);
}

function constantValue(tensor: Tensor): Value {
  if (tensor.floats) return { kind: 'floats', tensor };
  if (tensor.dims.length > 1) return { kind: 'floats', tensor: { ...tensor, floats: Float32Array.from(tensor.ints!) } };
  return { kind: 'dims', dims: tensor.ints!, scalar: tensor.dims.length === 0 };
}

const OPS: Record<string, (interpreter: Interpreter) => void> = {
  Constant: (i) => i.constant(),
  Shape: (i) => i.shape(),
  Gather: (i) => i.gather(),
  Unsqueeze: (i) => i.unsqueeze(),
  Squeeze: (i) => i.squeeze(),
  Transpose: (i) => i.transpose(),
  Reshape: (i) => i.reshape(),
  Slice: (i) => i.slice(),
  Concat: (i) => i.concat(),
  ConstantOfShape: (i) => i.constantOfShape(),
  Expand: (i) => i.expand(),
  Cast: (i) => i.cast(),
  Identity: (i) => i.passThrough(),
  Dropout: (i) => i.passThrough(),
  LSTM: (i) => i.recurrent(),
  GRU: (i) => i.recurrent(),
  RNN: (i) => i.recurrent(),
  Gemm: (i) => i.gemm(),
  MatMul: (i) => i.matMul(),
  Add: (i) => i.add(),
  Relu: (i) => i.activation(),
  Sigmoid: (i) => i.activation(),
  Tanh: (i) => i.activation(),
  Softmax: (i) => i.activation(),
  HardSigmoid: (i) => i.activation(),
};

/** For each Keras gate block, the ONNX gate block it comes from (ONNX LSTM i,o,f,c → Keras i,f,c,o). */
const KERAS_FROM_ONNX = { simpleRNN: [0], lstm: [0, 2, 3, 1], gru: [0, 1, 2] } as const;

/** ONNX [gU, rows] (ONNX gate order) → Keras [rows, gU] (Keras gate order). */
function kerasMatrix(onnx: Float32Array, rows: number, units: number, order: readonly number[]): Float32Array {
  const width = order.length * units;
  const out = new Float32Array(rows * width);
  order.forEach((onnxGate, kerasGate) => {
    for (let j = 0; j < units; j++) {
      const from = (onnxGate * units + j) * rows;
      const to = kerasGate * units + j;
      for (let r = 0; r < rows; r++) out[r * width + to] = onnx[from + r];
    }
  });
  return out;
}

function kerasBias(onnx: Float32Array, units: number, order: readonly number[]): Float32Array {
  return kerasMatrix(onnx, 1, units, order);
}

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

// ---- the model --------------------------------------------------------------------------------

/** The layer of a recurrent spec; `options` adds the input shape or, for a bidirectional's template, nothing. */
function recurrentLayer(spec: RecurrentSpec, options: { inputShape?: (number | null)[]; goBackwards?: boolean }): RecurrentLayer {
  const common = { units: spec.units, activation: spec.activation, useBias: spec.biases !== undefined, returnSequences: spec.returnSequences ?? false, ...options };
  if (spec.cell === 'lstm') return new LSTM({ ...common, recurrentActivation: spec.recurrentActivation, unitForgetBias: false });
  if (spec.cell === 'gru') return new GRU({ ...common, recurrentActivation: spec.recurrentActivation, resetAfter: spec.resetAfter });
  return new SimpleRNN(common);
}

function createLayers(specs: readonly Spec[], features: number): Layer[] {
  return specs.map((spec, i) => {
    const inputShape = i === 0 ? { inputShape: [null, features] } : {};
    if (spec.kind === 'dense') return new Dense({ units: spec.units, activation: spec.activation, useBias: spec.bias !== undefined, ...inputShape });
    if (spec.directions === 'bidirectional') return new Bidirectional(recurrentLayer(spec, {}), { mergeMode: 'concat', ...inputShape });
    return recurrentLayer(spec, { ...inputShape, goBackwards: spec.directions === 'reverse' });
  });
}

function weightsOf(spec: Spec): Float32Array[] {
  if (spec.kind === 'dense') return spec.bias ? [spec.kernel, spec.bias] : [spec.kernel];
  return spec.kernels.flatMap((kernel, d) => [kernel, spec.recurrentKernels[d], ...(spec.biases ? [spec.biases[d]] : [])]);
}

/** loadONNX (onnx.ts) runs this when first called: reads and checks `source`, then builds the model. */
export async function readONNX(source: unknown, options: unknown): Promise<Sequential> {
  checkOptions(options);
  const maxBytes = options.maxBytes ?? ONNX_LIMITS.maxBytes;
  let bytes: Uint8Array;
  if (source instanceof Uint8Array) bytes = source;
  else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (typeof source === 'string' || source instanceof URL) {
    const reading = withTimeout(options.signal, options.timeout);
    try {
      bytes = await readWithin(typeof source === 'string' ? (urlOf(source) ?? source) : source, { maxBytes, signal: reading.signal });
    } catch (error) {
      if (error instanceof ReadError || (error as Error)?.name === 'AbortError' || (error as Error)?.name === 'TimeoutError') fail('source', `could not read the file: ${(error as Error).message}`);
      throw error;
    } finally {
      reading.done();
    }
  } else fail('source', `expected the bytes of an ONNX file (Uint8Array or ArrayBuffer) or a path or URL, got ${describe(source)}`);
  if (bytes.length > maxBytes) fail('source', `${bytes.length} bytes; at most maxBytes = ${maxBytes} are read`);
  return modelFromBytes(bytes, options.seed ?? 0);
}

function modelFromBytes(bytes: Uint8Array, seed: number): Sequential {
  const graph = parseModel(bytes);
  const initializerNames = new Set(graph.initializers.keys());
  const inputs = graph.inputs.filter((input) => !initializerNames.has(input.name));
  if (inputs.length !== 1) fail('graph.input', `the graph takes ${inputs.length} inputs; loadONNX reads graphs of one sequence input`);
  if (graph.outputs.length !== 1) fail('graph.output', `the graph has ${graph.outputs.length} outputs; loadONNX reads graphs of one output`);
  const interpreter = new Interpreter(graph, inputs[0]);
  interpreter.run();
  interpreter.finish(graph.outputs[0]);
  const features = inputs[0].dims[2] as number;
  const layers = createLayers(interpreter.specs, features);
  let model: Sequential | undefined;
  try {
    model = new Sequential({ name: 'onnx', seed, layers });
    model.build();
    model.layers.forEach((layer, i) => {
      const values = weightsOf(interpreter.specs[i]);
      layer.setWeights(values.map((data, k) => ({ shape: layer.weights[k].shape, data })));
    });
  } catch (error) {
    if (model) model.dispose();
    else for (const layer of layers) layer.dispose();
    if (error instanceof ModelError || error instanceof LayerError) fail(error.argument, error.message);
    throw error;
  }
  return model;
}

function checkOptions(options: unknown): asserts options is LoadONNXOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail('options', `options must be an object, got ${describe(options)}`);
  const names = ['seed', 'maxBytes', 'signal', 'timeout'];
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) if (!names.includes(key)) fail(key, `${describe(key)} is not an option of loadONNX (${names.join(', ')})`);
  const { seed, maxBytes, signal, timeout } = given;
  if (seed !== undefined && !Number.isSafeInteger(seed)) fail('seed', `seed must be a safe integer, got ${describe(seed)}`);
  if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && (maxBytes as number) >= 1)) fail('maxBytes', `maxBytes must be a positive integer, got ${describe(maxBytes)}`);
  if (signal !== undefined && !(typeof AbortSignal !== 'undefined' && signal instanceof AbortSignal)) fail('signal', `signal must be an AbortSignal, got ${describe(signal)}`);
  if (timeout !== undefined && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0)) fail('timeout', `timeout must be a positive number of milliseconds, got ${describe(timeout)}`);
}

