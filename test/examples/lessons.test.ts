// Every lesson example in its quick mode (what `npm run example:<name> -- --quick` runs), with
// its quick targets: each example trains, measures and checks its own figures; here every
// check must hold. The Cloudflare Worker lesson runs its Worker in workerd. What the lessons
// print is silenced; a failing test shows the checks and figures. Then the shared harness of
// every example (examples/lesson.ts): the target check, its printed line and the command line.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkTarget, describeTarget, runWhenStarted, type LessonOptions, type LessonResult } from '../../examples/lesson.js';

type Lesson = { main: (options: LessonOptions) => Promise<LessonResult> };

const LESSONS: Record<string, () => Promise<Lesson>> = {
  'mnist-rows': () => import('../../examples/mnist-rows.js'),
  'many-to-one': () => import('../../examples/many-to-one.js'),
  'many-to-many': () => import('../../examples/many-to-many.js'),
  'one-to-many': () => import('../../examples/one-to-many.js'),
  g2p: () => import('../../examples/g2p.js'),
  'simple-rnn-by-hand': () => import('../../examples/simple-rnn-by-hand.js'),
  'cloudflare-worker': () => import('../../examples/cloudflare-worker/run.js'),
  'attention-copy': () => import('../../examples/attention-copy.js'),
  'custom-layer': () => import('../../examples/custom-layer.js'),
};

// The machine may be shared: a quick mode takes a few seconds alone, much longer under load.
const LESSON_TIMEOUT_MS = 180_000;

describe('lesson examples, quick mode', () => {
  it.each(Object.keys(LESSONS))(
    '%s meets its quick targets',
    async (name) => {
      const { main } = await LESSONS[name]();
      const { checks, figures } = await main({ quick: true, log: () => {} });
      expect(checks.length).toBeGreaterThan(0);
      for (const check of checks) expect(check.met, `${name}: ${JSON.stringify(check)}; figures ${JSON.stringify(figures)}`).toBe(true);
      for (const [figure, value] of Object.entries(figures)) expect(Number.isFinite(value), `${name}: ${figure} = ${value}`).toBe(true);
    },
    LESSON_TIMEOUT_MS,
  );
});

describe('checkTarget', () => {
  it('is met only on the right side of the target', () => {
    expect([0.92, 0.93, 0.94].map((v) => checkTarget('accuracy', v, 0.93).met)).toEqual([false, true, true]);
    expect([1e-7, 1e-6, 1e-5].map((v) => checkTarget('error', v, 1e-6, { compare: '≤' }).met)).toEqual([true, true, false]);
    expect([11, 12, 13].map((v) => checkTarget('parameters', v, 12, { compare: '=' }).met)).toEqual([false, true, false]);
    expect(checkTarget('accuracy', Number.NaN, 0.5).met).toBe(false);
  });

  it('is printed as the figure, the target and the verdict', () => {
    expect(describeTarget(checkTarget('held-out accuracy', 0.5, 0.93))).toBe('held-out accuracy: 50.0% (target ≥ 93.0%): NOT MET');
    expect(describeTarget(checkTarget('MAE ratio', 0.8123, 0.95, { compare: '≤', format: (v) => v.toFixed(3) }))).toBe('MAE ratio: 0.812 (target ≤ 0.950): met');
  });
});

describe('runWhenStarted', () => {
  const { argv, exitCode } = process;
  afterEach(() => {
    process.argv = argv;
    process.exitCode = exitCode;
    vi.restoreAllMocks();
  });

  it('runs main only from the command line, prints its checks and exits with 1 when a target is missed', async () => {
    const printed: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
    const main = vi.fn(async (_: LessonOptions) => ({ checks: [checkTarget('accuracy', 0.95, 0.93), checkTarget('recall', 0.5, 0.93)] }));
    const lesson = new URL('../../examples/lesson.ts', import.meta.url);

    await runWhenStarted(lesson.href, main); // imported, as by this test: nothing runs
    expect(main).not.toHaveBeenCalled();

    process.argv = [process.execPath, fileURLToPath(lesson), '--quick'];
    await runWhenStarted(lesson.href, main);
    expect(main).toHaveBeenCalledWith({ quick: true, verbose: true });
    expect(printed).toEqual([expect.stringMatching(/^\nTargets \(quick mode, [\d.]+ s\):$/), '  accuracy: 95.0% (target ≥ 93.0%): met', '  recall: 50.0% (target ≥ 93.0%): NOT MET']);
    expect(process.exitCode).toBe(1);
  });
});
