// PyTorch as a peer: bench/peers/torch_peer.py in one long-lived Python process, asked one
// JSON request at a time (so its rounds interleave with ours). Python with torch is optional:
// when no interpreter imports it, startTorch() says why and the suites skip PyTorch's rows.
// Arrays go through raw float32 files in a temporary folder.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** Interpreters tried in order: $PYTHON, then python3 on the PATH, then Debian's (python3-torch installs there). */
const PYTHONS = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
const SCRIPT = fileURLToPath(new URL('./torch_peer.py', import.meta.url));

export interface TorchPeer {
  version: string;
  request(message: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Writes `data` to a new file in the peer's temporary folder and returns its path. */
  file(name: string, data: Float32Array): string;
  close(): void;
}

export type TorchStart = { peer: TorchPeer } | { skipped: string };

export async function startTorch(): Promise<TorchStart> {
  const python = PYTHONS.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
  if (!python) return { skipped: `PyTorch skipped: no ${PYTHONS.join(' / ')} can import torch (Debian: apt-get install python3-torch)` };
  const child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('the PyTorch peer exited');
    return JSON.parse(value) as Record<string, unknown>;
  };
  const hello = await next();
  const dir = mkdtempSync(join(tmpdir(), 'seqwasm-torch-'));
  return { peer: new Peer(child.stdin, next, dir, String(hello.ready)) };
}

class Peer implements TorchPeer {
  private queue = Promise.resolve();

  constructor(
    private readonly input: Writable,
    private readonly next: () => Promise<Record<string, unknown>>,
    private readonly dir: string,
    readonly version: string,
  ) {}

  request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = this.queue.then(async () => {
      this.input.write(`${JSON.stringify(message)}\n`);
      const reply = await this.next();
      if (typeof reply.error === 'string') throw new Error(`PyTorch peer: ${reply.error}`);
      return reply;
    });
    this.queue = answer.then(
      () => {},
      () => {},
    );
    return answer;
  }

  file(name: string, data: Float32Array): string {
    const path = join(this.dir, `${name}.f32`);
    writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return path;
  }

  close(): void {
    this.input.end();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
