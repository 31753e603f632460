// The page: runs trainAndPredict() and, with ?worker, the same in a Web Worker; prints
// `seqwasm-result {json}` or `seqwasm-error …` for the test runner. With ?wasm=URL it first
// passes the .wasm's URL to init() itself (init() is idempotent: tiny.js's call reuses it).
import { init } from 'seqwasm';
import { trainAndPredict } from './tiny.js';

async function inWorker() {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  try {
    return await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => (data.error ? reject(new Error(`worker: ${data.error}`)) : resolve(data.prediction));
      worker.onerror = (event) => reject(new Error(`worker: ${event.message}`));
    });
  } finally {
    worker.terminate();
  }
}

const params = new URLSearchParams(location.search);
const wasm = params.get('wasm');
(wasm ? init(wasm) : Promise.resolve())
  .then(() => Promise.all([trainAndPredict(), params.has('worker') ? inWorker() : undefined]))
  .then(
    ([page, worker]) => console.log(`seqwasm-result ${JSON.stringify({ page, worker })}`),
    (error) => console.error(`seqwasm-error ${error?.name}: ${error?.message}`),
  );
