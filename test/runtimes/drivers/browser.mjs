// Chromium driver: bundled by esbuild for the browser (seqwasm resolved through the
// package's `exports` with the browser condition) and loaded by browser.html under a CSP
// that forbids eval. The result goes to the console, which the runner listens to.
import * as seqwasm from 'seqwasm';
import { runJob } from './job.mjs';

const started = performance.now();
addEventListener('securitypolicyviolation', (event) => console.error(`seqwasm-error CSP violation: ${event.violatedDirective} (${event.blockedURI})`));
runJob(new URLSearchParams(location.search).get('mode'), async () => seqwasm, started).then(
  (result) => console.log(`seqwasm-result ${JSON.stringify(result)}`),
  (error) => console.error(`seqwasm-error ${error?.stack ?? String(error)}`),
);
