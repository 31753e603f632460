// The pass/fail list of a script-driven suite (test:runtimes, test:bundlers): one line per
// check as it ends, a closing `<suite>: N passed, N failed`, and for CI a JSON file
// { passed, failed, tests } that .ci/run adds to its total.
import { writeFileSync } from 'node:fs';

export interface Outcome {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export class Outcomes {
  readonly list: Outcome[] = [];

  record(name: string, ok: boolean, detail: string): void {
    this.list.push({ name, ok, detail });
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
  }

  /** Runs a check; its return is the detail shown, a throw its failure with the message. */
  check(name: string, body: () => string): void {
    try {
      this.record(name, true, body());
    } catch (error) {
      this.record(name, false, (error as Error).message);
    }
  }

  async checkAsync(name: string, body: () => Promise<string>): Promise<void> {
    try {
      this.record(name, true, await body());
    } catch (error) {
      this.record(name, false, (error as Error).message);
    }
  }

  /** Prints the counts, writes `jsonFile` when given; returns the exit code. */
  finish(suite: string, jsonFile?: string): number {
    const failed = this.list.filter((o) => !o.ok).length;
    const passed = this.list.length - failed;
    console.log(`${suite}: ${passed} passed, ${failed} failed`);
    if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ passed, failed, tests: this.list }, null, 2));
    return failed === 0 ? 0 : 1;
  }
}

export function ms(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

/** The FILE of a suite's only argument, `--json=FILE` (none: undefined); anything else prints the usage and exits 2. */
export function jsonFileArg(suite: string, argv: string[]): string | undefined {
  let file: string | undefined;
  for (const arg of argv) {
    if (arg.startsWith('--json=')) file = arg.slice('--json='.length);
    else {
      console.error(`test:${suite}: unknown argument ${arg}\nusage: npm run test:${suite} [-- --json=FILE]`);
      process.exit(2);
    }
  }
  return file;
}
