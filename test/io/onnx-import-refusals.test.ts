// loadONNX's refusals on small graphs written here with the exporter's own message builders:
// a valid LSTM → Gemm graph, then one change at a time that has no seqwasm form (clip,
// sequence_lens, non-zero initial states, an activation with no counterpart, the cell state,
// a branch, an unknown op) or breaks the file (raw data of the wrong size, external data, too
// many nodes, a name used before it is produced). Each must be a ModelLoadError naming the node
// and its op, or the part of the file at fault.
import { describe, expect, it } from 'vitest';
import { loadONNX, ModelLoadError } from '../../src/node.js';
import { DATA_TYPE, FIELD, floatTensor, int64Tensor, intAttribute, intsAttribute, node, stringAttribute, stringsAttribute, valueInfo } from '../../src/io/onnx-format.js';
import { bytesField, concat, intField, messageField, packedIntsField, stringField, type Message } from '../../src/io/protobuf.js';

const [F, U, C] = [3, 2, 2];
const filled = (n: number, scale = 0.1) => Float32Array.from({ length: n }, (_, i) => scale * Math.sin(i + 1));

function model(nodes: Message[], initializers: Message[] = [], opset = 14): Uint8Array {
  const graph: Message = [
    ...nodes.map((n) => messageField(FIELD.graph.node, n)),
    stringField(FIELD.graph.name, 'g'),
    ...[...initializers, ...baseInitializers()].map((t) => messageField(FIELD.graph.initializer, t)),
    messageField(FIELD.graph.input, valueInfo('x', DATA_TYPE.float, ['batch', 'time', F])),
    messageField(FIELD.graph.output, valueInfo('y', DATA_TYPE.float, ['batch', C])),
  ];
  return concat([intField(FIELD.model.irVersion, 7), messageField(FIELD.model.graph, graph), messageField(FIELD.model.opsetImport, [stringField(FIELD.opset.domain, ''), intField(FIELD.opset.version, opset)])]);
}

function baseInitializers(): Message[] {
  return [
    floatTensor('W', [1, 4 * U, F], filled(4 * U * F)),
    floatTensor('R', [1, 4 * U, U], filled(4 * U * U)),
    floatTensor('B', [1, 8 * U], filled(8 * U)),
    floatTensor('dense_w', [U, C], filled(U * C)),
    floatTensor('dense_b', [C], filled(C)),
    int64Tensor('axis0', [1], [0]),
  ];
}

/** x → Transpose → LSTM → Squeeze(Y_h) → Gemm → y, with `lstm` changes and extra nodes. */
function lstmGraph({ lstmInputs = ['time_major', 'W', 'R', 'B'], lstmAttributes = [] as Message[], head = undefined as Message[] | undefined } = {}): Message[] {
  return [
    node('Transpose', 'to_time_major', ['x'], ['time_major'], [intsAttribute('perm', [1, 0, 2])]),
    node('LSTM', 'the_lstm', lstmInputs, ['Y', 'Y_h', 'Y_c'], [intAttribute('hidden_size', U), ...lstmAttributes]),
    ...(head ?? [node('Squeeze', 'final', ['Y_h', 'axis0'], ['h']), node('Gemm', 'dense', ['h', 'dense_w', 'dense_b'], ['y'])]),
  ];
}

async function refusal(bytes: Uint8Array): Promise<string> {
  const error = await loadONNX(bytes).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ModelLoadError);
  return (error as Error).message;
}

describe('loadONNX refusals', () => {
  it('the valid base graph loads and predicts', async () => {
    const m = await loadONNX(model(lstmGraph()));
    expect(m.predict({ shape: [2, 4, F], data: filled(2 * 4 * F, 1) }).shape).toEqual([2, C]);
    m.dispose();
  });

  it('recurrent options with no seqwasm form, naming the node and op', async () => {
    expect(await refusal(model(lstmGraph({ lstmAttributes: [floatAttributeOf('clip', 3)] })))).toMatch(/graph.node\[1\]: node 'the_lstm' \(LSTM\) clips its cell/);
    expect(await refusal(model(lstmGraph({ lstmAttributes: [intAttribute('input_forget', 1)] })))).toMatch(/input_forget/);
    expect(await refusal(model(lstmGraph({ lstmAttributes: [stringsAttribute('activations', ['Sigmoid', 'Elu', 'Elu'])] })))).toMatch(/uses activation 'Elu'.*no seqwasm counterpart/);
    expect(await refusal(model(lstmGraph({ lstmAttributes: [stringAttribute('direction', 'sideways')] })))).toMatch(/direction 'sideways'/);
    const lengths = int64Tensor('lengths', [2], [4, 4]);
    expect(await refusal(model(lstmGraph({ lstmInputs: ['time_major', 'W', 'R', 'B', 'lengths'] }), [lengths]))).toMatch(/sequence_lens/);
    const h0 = floatTensor('h0', [1, 2, U], Float32Array.of(0, 0, 1, 0));
    expect(await refusal(model(lstmGraph({ lstmInputs: ['time_major', 'W', 'R', 'B', '', 'h0'] }), [h0]))).toMatch(/non-zero initial h/);
    expect(await refusal(model(lstmGraph({ lstmInputs: ['time_major', 'W', 'R', 'B', '', '', '', 'B'] })))).toMatch(/peephole/);
    expect(await refusal(model(lstmGraph({ lstmInputs: ['time_major', 'R', 'R', 'B'] })))).toMatch(/W has shape \[1, 8, 2\], expected \[1, 8, 3\]/);
  });

  it('heads with no seqwasm form: the cell state, a branch, an unknown op, a name not produced yet', async () => {
    const cell = [node('Squeeze', 'final_c', ['Y_c', 'axis0'], ['c']), node('Gemm', 'dense', ['c', 'dense_w', 'dense_b'], ['y'])];
    expect(await refusal(model(lstmGraph({ head: cell })))).toMatch(/'dense' \(Gemm\) reads a cell state/);
    const branch = [node('Squeeze', 'final', ['Y_h', 'axis0'], ['h']), node('Gemm', 'dense_a', ['h', 'dense_w', 'dense_b'], ['a']), node('Gemm', 'dense', ['h', 'dense_w', 'dense_b'], ['y'])];
    expect(await refusal(model(lstmGraph({ head: branch })))).toMatch(/'dense' \(Gemm\) reads the output of layer 1 after later layers/);
    const conv = [node('Squeeze', 'final', ['Y_h', 'axis0'], ['h']), node('Conv', 'the_conv', ['h', 'dense_w'], ['y'])];
    expect(await refusal(model(lstmGraph({ head: conv })))).toMatch(/graph.node\[3\]: node 'the_conv' \(Conv\) is an op loadONNX does not read/);
    const early = [node('Gemm', 'dense', ['h', 'dense_w', 'dense_b'], ['y']), node('Squeeze', 'final', ['Y_h', 'axis0'], ['h'])];
    expect(await refusal(model(lstmGraph({ head: early })))).toMatch(/'dense' \(Gemm\) its A 'h' is not produced before it/);
  });

  it('files that break their own rules: raw data of the wrong size, external data, too many nodes, no graph', async () => {
    const short = [packedIntsField(FIELD.tensor.dims, [2, 2]), intField(FIELD.tensor.dataType, DATA_TYPE.float), stringField(FIELD.tensor.name, 'odd'), bytesField(FIELD.tensor.rawData, new Uint8Array(12))];
    expect(await refusal(model(lstmGraph(), [short]))).toMatch(/graph.initializer\[0\] 'odd': has 12 bytes of raw data; dims \[2, 2\] of 4-byte values need 16/);
    const external = [packedIntsField(FIELD.tensor.dims, [1]), intField(FIELD.tensor.dataType, DATA_TYPE.float), stringField(FIELD.tensor.name, 'far'), intField(FIELD.tensor.dataLocation, 1)];
    expect(await refusal(model(lstmGraph(), [external]))).toMatch(/external file/);
    const many = Array.from({ length: 4097 }, (_, i) => node('Identity', `n${i}`, ['x'], [`i${i}`]));
    expect(await refusal(model(many))).toMatch(/more than 4096 nodes/);
    const huge = [packedIntsField(FIELD.tensor.dims, [2 ** 20, 2 ** 20]), intField(FIELD.tensor.dataType, DATA_TYPE.float), stringField(FIELD.tensor.name, 'huge')];
    expect(await refusal(model(lstmGraph(), [huge]))).toMatch(/holds 1099511627776 values/);
    expect(await refusal(model(lstmGraph(), [], 99))).toMatch(/opset 99/);
  });
});

function floatAttributeOf(name: string, value: number): Message {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return [stringField(FIELD.attribute.name, name), concat([Uint8Array.of(FIELD.attribute.f * 8 + 5), bytes]), intField(FIELD.attribute.type, 1)];
}
