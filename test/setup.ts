// Every Node test runs against the freshly built release module. The node entry registers
// the platform; init() is idempotent, so tests that call it again get the same instance.
import { readFileSync } from 'node:fs';
import { init } from '../src/node.js';

await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));
