// seqwasm on N threads as a peer of the suites' in-process seqwasm: init() happens once per
// process, so each thread count runs in a child process of its own (bench/threads.ts --child
// <threads>), which builds a workload on first use and answers one JSON request at a time on
// stdin with the median ms per call (harness.ts medianCallMs) and the CPU time per call of all
// its threads (process.cpuUsage), so its rounds interleave with the other contestants'. While it
// computes, the asking process waits: nothing else runs.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** What a child is asked: warm a workload up, or measure it for budgetMs (at least minCalls calls). */
export interface ThreadedRequest {
  command: 'warm' | 'measure';
  workload: string;
  budgetMs: number;
  minCalls: number;
}

/** A measurement: median wall ms per call, and CPU ms per call summed over the process's threads. */
export interface ThreadedTiming {
  ms: number;
  cpuMs: number;
}

export interface ThreadedSeqwasm {
  readonly threads: number;
  /** Times the workload (the names bench/threads.ts serves). */
  measure(workload: string, budgetMs: number, minCalls?: number): Promise<ThreadedTiming>;
  /** Median ms per call of the workload. */
  callMs(workload: string, budgetMs: number, minCalls?: number): Promise<number>;
  /** Calls the workload for budgetMs (V8 tiers up, the workers spin up). */
  warm(workload: string, budgetMs: number): Promise<unknown>;
  close(): void;
}

const CHILD = fileURLToPath(new URL('../threads.ts', import.meta.url));

/** Starts a child process computing with `threads` threads. */
export function threadedSeqwasm(threads: number): ThreadedSeqwasm {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, '--child', String(threads)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answers = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  let queue: Promise<unknown> = Promise.resolve();
  const ask = (request: ThreadedRequest): Promise<ThreadedTiming> => {
    const answer = queue.then(async () => {
      proc.stdin.write(`${JSON.stringify(request)}\n`);
      const line = await answers.next();
      if (line.done) throw new Error(`seqwasm ${threads}T: the child process ended`);
      const { ms, cpuMs, info, error } = JSON.parse(line.value) as ThreadedTiming & { info: { threads: number }; error?: string };
      if (error) throw new Error(`seqwasm ${threads}T: ${error}`);
      if (info.threads !== threads) throw new Error(`seqwasm ${threads}T: asked for ${threads} threads, runtimeInfo() says ${info.threads}`);
      return { ms, cpuMs };
    });
    queue = answer.catch(() => {});
    return answer;
  };
  return {
    threads,
    measure: (workload, budgetMs, minCalls = 3) => ask({ command: 'measure', workload, budgetMs, minCalls }),
    callMs: async (workload, budgetMs, minCalls = 3) => (await ask({ command: 'measure', workload, budgetMs, minCalls })).ms,
    warm: (workload, budgetMs) => ask({ command: 'warm', workload, budgetMs, minCalls: 1 }),
    close: () => proc.kill(),
  };
}
