// npm run playground [-- --port=N]: builds the playground and serves it on 127.0.0.1 (port
// 5180 unless given) until Ctrl-C.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlayground, origin, serveStatic } from './build.js';

const portArg = process.argv.slice(2).find((a) => a.startsWith('--port='));
const port = portArg ? Number(portArg.slice('--port='.length)) : 5180;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`playground: --port must be an integer in 0…65535, got ${portArg}`);
  process.exit(2);
}
const out = mkdtempSync(join(tmpdir(), 'seqwasm-playground-'));
await buildPlayground(out);
const server = await serveStatic(out, port).catch((error: Error) => {
  rmSync(out, { recursive: true, force: true });
  console.error(`playground: cannot listen on 127.0.0.1:${port} (${error.message}); pick another port: npm run playground -- --port=N`);
  process.exit(1);
});
console.log(`seqwasm playground: ${origin(server)}/  (built into ${out}; Ctrl-C stops)`);
process.on('SIGINT', () => {
  server.close();
  rmSync(out, { recursive: true, force: true });
  process.exit(0);
});
