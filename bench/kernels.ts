// npm run bench:kernels [-- --json]: GEMM (NN/NT/TN, packed), activations and the
// register-only peak probe, with TF.js wasm matMul as the peer, all in this one process.
import { readFileSync } from 'node:fs';
import { init } from '../src/node.js';
import { report } from './harness.js';
import { gemmRows } from './kernels/gemm.js';
import { activationRows } from './kernels/activations.js';

await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));
report([...(await gemmRows()), ...(await activationRows())]);
