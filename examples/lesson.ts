// What every example shares: its command line (`--quick`), the targets it checks (a full run
// must meet the full target; --quick, what CI runs, a looser one that still proves learning),
// the one format they print in, and the exit code, 1 when a target is missed, so CI notices an
// example that stopped working. test/examples runs each example's quick mode through its main().
import { isMain } from '../bench/harness.js';

/** How an example runs: `quick` is the few-second CI mode, with a looser target that still proves learning. */
export interface LessonOptions {
  quick?: boolean;
  /** Print fit()'s progress and the model summary. Default: on from the command line, off in tests. */
  verbose?: boolean;
  /** Where the example's story goes, line by line; console.log by default. */
  log?: (line: string) => void;
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
  /** How value and target are printed. */
  readonly format: (v: number) => string;
}

/** What a lesson's main() returns: its checked targets and any other figures worth reporting. */
export interface LessonResult {
  readonly checks: readonly TargetCheck[];
  readonly figures: Readonly<Record<string, number>>;
}

export const percent = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** Counts as they are, other figures to three decimals. */
export const decimal = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(3));

/** Compares a figure with its target (at least, by default, shown as a percentage). */
export function checkTarget(label: string, value: number, target: number, { compare = '≥', format = percent }: { compare?: Comparison; format?: (v: number) => string } = {}): TargetCheck {
  const met = compare === '≥' ? value >= target : compare === '≤' ? value <= target : value === target;
  return { label, value, compare, target, met, format };
}

/** One line per check: `label: value (target ≥ t): met`. */
export function describeTarget({ label, value, compare, target, met, format }: TargetCheck): string {
  return `${label}: ${format(value)} (target ${compare} ${format(target)}): ${met ? 'met' : 'NOT MET'}`;
}

/**
 * Runs `main` when `moduleUrl` is the script node was started with (not when a test imports it):
 * `--quick` selects the quick mode and `options(argv)` reads any other flag; prints the checks and
 * sets the exit code to 1 when a target is not met.
 */
export async function runWhenStarted<O extends LessonOptions>(
  moduleUrl: string,
  main: (options: O) => Promise<{ readonly checks: readonly TargetCheck[] }>,
  options: (argv: readonly string[]) => Partial<O> = () => ({}),
): Promise<void> {
  if (!isMain(moduleUrl)) return;
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const started = performance.now();
  const { checks } = await main({ quick, verbose: true, ...options(argv) } as O);
  console.log(`\nTargets (${quick ? 'quick' : 'full'} mode, ${((performance.now() - started) / 1000).toFixed(1)} s):`);
  for (const check of checks) console.log(`  ${describeTarget(check)}`);
  if (checks.some((check) => !check.met)) process.exitCode = 1;
}
