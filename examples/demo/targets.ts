// What the demo and the examples share: each states targets for its results (a full run must
// meet the full target; --quick, what CI runs, a looser one), prints them, and exits non-zero
// when one is missed, so CI notices an example that stopped working.
import { isMain } from '../../bench/harness.js';

/** One measured result and the bar it must clear. */
export interface TargetResult {
  name: string;
  value: number;
  /** The bar for this run's mode (full or quick). */
  target: number;
  /** 'min': value >= target is met; 'max': value <= target is met. */
  kind: 'min' | 'max';
  met: boolean;
}

/** A result against its target. */
export function target(name: string, value: number, kind: 'min' | 'max', goal: number): TargetResult {
  return { name, value, target: goal, kind, met: kind === 'min' ? value >= goal : value <= goal };
}

/** 'ok   name  0.423 (target <= 0.5)': one printed line per target. */
export function describeTarget(t: TargetResult, digits = 3): string {
  const show = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(digits));
  return `${t.met ? 'ok  ' : 'MISS'} ${t.name.padEnd(52)} ${show(t.value).padStart(8)}  (target ${t.kind === 'min' ? '>=' : '<='} ${show(t.target)})`;
}

export interface ExampleOptions {
  /** A few seconds for CI: less data, fewer epochs, looser targets. */
  quick?: boolean;
  /** fit()'s verbose: 1 (progress bars, the default from the command line) or 0 (silent, for tests). */
  verbose?: 0 | 1;
  /** Where the story goes, line by line; console.log by default. */
  log?: (line: string) => void;
}

/**
 * When `moduleUrl` is the script node was started with: parse --quick, run `main`, print its
 * targets and set the exit code (1 if any target was missed).
 */
export async function runIfMain<O extends ExampleOptions>(moduleUrl: string, main: (options: O) => Promise<{ targets: TargetResult[] }>, extra: (argv: string[]) => Partial<O> = () => ({})): Promise<void> {
  if (!isMain(moduleUrl)) return;
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const { targets } = await main({ quick, verbose: 1, ...extra(argv) } as O);
  console.log(`\nTargets (${quick ? 'quick' : 'full'} mode):`);
  for (const t of targets) console.log(`  ${describeTarget(t)}`);
  process.exitCode = targets.every((t) => t.met) ? 0 : 1;
}
