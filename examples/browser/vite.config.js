// In your own project, after `npm install seqwasm`, no configuration is needed. Inside this
// repository the alias points `seqwasm` at the built package entry a bundler picks for browsers.
import { fileURLToPath } from 'node:url';

export default {
  resolve: { alias: { seqwasm: fileURLToPath(new URL('../../dist/seqwasm.fetch.js', import.meta.url)) } },
};
