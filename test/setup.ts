// Every Node test runs against the freshly built release module. The node entry registers
// the platform; init() is idempotent, so tests that call it again get the same instance.
import { readFileSync } from 'node:fs';
import { init } from '../src/node.js';

await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));

// TF.js (a dev dependency, for parity tests) greets Node users once per test file with a
// banner suggesting its native backend, which reads like a problem in the test log. Only that
// exact message is dropped; TF.js's other warnings still print. (Its IS_TEST/PROD flags would
// also silence it, but change what TF.js checks.)
const TFJS_NODE_BANNER = 'looks like you are running TensorFlow.js in Node.js. To speed things up dramatically, install our node backend';
const warn = console.warn;
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes(TFJS_NODE_BANNER)) return;
  warn(...args);
};
