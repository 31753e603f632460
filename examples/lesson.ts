// What every lesson example shares: its command line (`--quick`), the target check it prints,
// and what it returns to test/examples/lessons.test.ts, which runs each lesson's quick mode.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How a lesson runs: `quick` is the few-second CI mode, with a looser target that still proves learning. */
export interface LessonOptions {
  quick?: boolean;
  /** Print fit()'s progress. Default: on from the command line, off in tests. */
  verbose?: boolean;
}

/** How a figure must compare with its target: at least (accuracies), at most (errors), exactly (counts). */
export type Comparison = '≥' | '≤' | '=';

/** One checked figure. */
export interface TargetCheck {
  readonly label: string;
  readonly value: number;
  readonly compare: Comparison;
  readonly target: number;
  readonly met: boolean;
}

/** What a lesson's main() returns: its checked targets and any other figures worth reporting. */
export interface LessonResult {
  readonly checks: readonly TargetCheck[];
  readonly figures: Readonly<Record<string, number>>;
}

/** Compares a figure with its target and prints one line: `label: value (target ≥ t): met`. */
export function checkTarget(label: string, value: number, target: number, { compare = '≥', format = percent }: { compare?: Comparison; format?: (v: number) => string } = {}): TargetCheck {
  const met = compare === '≥' ? value >= target : compare === '≤' ? value <= target : value === target;
  console.log(`${label}: ${format(value)} (target ${compare} ${format(target)}): ${met ? 'met' : 'NOT MET'}`);
  return { label, value, compare, target, met };
}

export const percent = (v: number): string => `${(100 * v).toFixed(1)}%`;

/**
 * Runs `main` when `moduleUrl` is the script tsx was started with (not when a test imports it):
 * `--quick` selects the quick mode; the exit code is 1 when a target is not met.
 */
export async function runWhenStarted(moduleUrl: string, main: (options: LessonOptions) => Promise<LessonResult>): Promise<void> {
  if (process.argv[1] === undefined || resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  const quick = process.argv.includes('--quick');
  const started = performance.now();
  const { checks } = await main({ quick, verbose: true });
  console.log(`(${quick ? 'quick' : 'full'} mode, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  if (checks.some((c) => !c.met)) process.exitCode = 1;
}
