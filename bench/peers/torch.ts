// PyTorch as a peer: bench/peers/torch_peer.py in one long-lived Python process per thread
// count, asked one JSON request at a time (so its rounds interleave with ours). Each process
// starts with OMP_NUM_THREADS and OPENBLAS_NUM_THREADS at its count, because
// torch.set_num_threads() does not reach the BLAS Debian's torch links (OpenBLAS or the
// reference BLAS, whichever libblas.so.3 the system selects), which otherwise spins threads
// of its own. Python with torch is optional: when no interpreter imports it, startTorch()
// says why and the suites skip PyTorch's rows. Arrays go through raw float32 files.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PEER_THREADS } from '../harness.js';

/** Interpreters tried in order: $PYTHON, then python3 on the PATH, then Debian's (python3-torch installs there). */
const PYTHONS = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
const SCRIPT = fileURLToPath(new URL('./torch_peer.py', import.meta.url));

export interface TorchPeer {
  /** torch's version and the BLAS it was built against. */
  version: string;
  /** Sent to the process of `message.threads`, or to every process when it has none (loading a model); answers the first. */
  request(message: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Writes `data` to a new file in the peer's temporary folder and returns its path. */
  file(name: string, data: Float32Array): string;
  close(): void;
}

export type TorchStart = { peer: TorchPeer } | { skipped: string };

export async function startTorch(): Promise<TorchStart> {
  const python = PYTHONS.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
  if (!python) return { skipped: `PyTorch skipped: no ${PYTHONS.join(' / ')} can import torch (Debian: apt-get install python3-torch)` };
  const processes = new Map<number, Process>();
  for (const threads of PEER_THREADS) processes.set(threads, await Process.start(python, threads));
  const { ready, blas, loaded } = processes.get(1)!.hello;
  // Debian's libblas.so.3 is the reference BLAS unless an optimised one is installed: PyTorch then trains many times slower than it can.
  const reference = /\/blas\/libblas\.so/.test(String(loaded)) ? ' — the reference BLAS, far below PyTorch\'s speed: apt-get install libopenblas0-pthread' : '';
  return { peer: new Peer(processes, mkdtempSync(join(tmpdir(), 'seqwasm-torch-')), `${ready} (built with BLAS_INFO=${blas}; BLAS loaded: ${loaded}${reference})`) };
}

class Process {
  private queue = Promise.resolve();

  private constructor(
    private readonly input: Writable,
    private readonly next: () => Promise<Record<string, unknown>>,
    readonly hello: Record<string, unknown>,
  ) {}

  static async start(python: string, threads: number): Promise<Process> {
    const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), SEQWASM_TORCH_THREADS: String(threads) };
    const child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'], env });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => {
      const { value, done } = await lines.next();
      if (done) throw new Error('the PyTorch peer exited');
      return JSON.parse(value) as Record<string, unknown>;
    };
    return new Process(child.stdin, next, await next());
  }

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

  close(): void {
    this.input.end();
  }
}

class Peer implements TorchPeer {
  constructor(
    private readonly processes: Map<number, Process>,
    private readonly dir: string,
    readonly version: string,
  ) {}

  async request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { threads, ...rest } = message;
    if (threads === undefined) return (await Promise.all([...this.processes.values()].map((p) => p.request(rest))))[0];
    const target = this.processes.get(Number(threads));
    if (!target) throw new Error(`PyTorch peer: no process with ${String(threads)} threads`);
    return target.request(rest);
  }

  file(name: string, data: Float32Array): string {
    const path = join(this.dir, `${name}.f32`);
    writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return path;
  }

  close(): void {
    for (const p of this.processes.values()) p.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
