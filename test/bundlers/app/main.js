// The page: runs trainAndPredict() and, where the page asks for it (?worker), the same in a
// Web Worker; prints `seqwasm-result {json}` or `seqwasm-error …` for the test runner.
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

const withWorker = new URLSearchParams(location.search).has('worker');
Promise.all([trainAndPredict(), withWorker ? inWorker() : undefined]).then(
  ([page, worker]) => console.log(`seqwasm-result ${JSON.stringify({ page, worker })}`),
  (error) => console.error(`seqwasm-error ${error?.name}: ${error?.message}`),
);
