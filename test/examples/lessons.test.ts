// Every lesson example in its quick mode (what `npm run example:<name> -- --quick` runs), with
// its quick targets: each example trains, measures and checks its own figures; here every
// check must hold. The Cloudflare Worker lesson runs its Worker in workerd. What the lessons
// print is silenced; a failing test shows the checks and figures.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkTarget, type LessonOptions, type LessonResult } from '../../examples/lesson.js';

type Lesson = { main: (options: LessonOptions) => Promise<LessonResult> };

const LESSONS: Record<string, () => Promise<Lesson>> = {
  'mnist-rows': () => import('../../examples/mnist-rows.js'),
  'many-to-one': () => import('../../examples/many-to-one.js'),
  'many-to-many': () => import('../../examples/many-to-many.js'),
  'one-to-many': () => import('../../examples/one-to-many.js'),
  g2p: () => import('../../examples/g2p.js'),
  'simple-rnn-by-hand': () => import('../../examples/simple-rnn-by-hand.js'),
  'cloudflare-worker': () => import('../../examples/cloudflare-worker/run.js'),
};

// The machine may be shared: a quick mode takes a few seconds alone, much longer under load.
const LESSON_TIMEOUT_MS = 180_000;

describe('lesson examples, quick mode', () => {
  beforeEach(() => void vi.spyOn(console, 'log').mockImplementation(() => {}));
  afterEach(() => vi.restoreAllMocks());

  it.each(Object.keys(LESSONS))(
    '%s meets its quick targets',
    async (name) => {
      const { main } = await LESSONS[name]();
      const { checks, figures } = await main({ quick: true });
      expect(checks.length).toBeGreaterThan(0);
      for (const check of checks) expect(check.met, `${name}: ${JSON.stringify(check)}; figures ${JSON.stringify(figures)}`).toBe(true);
      for (const [figure, value] of Object.entries(figures)) expect(Number.isFinite(value), `${name}: ${figure} = ${value}`).toBe(true);
    },
    LESSON_TIMEOUT_MS,
  );
});

describe('checkTarget', () => {
  beforeEach(() => void vi.spyOn(console, 'log').mockImplementation(() => {}));
  afterEach(() => vi.restoreAllMocks());

  it('is met only on the right side of the target', () => {
    expect([0.92, 0.93, 0.94].map((v) => checkTarget('accuracy', v, 0.93).met)).toEqual([false, true, true]);
    expect([1e-7, 1e-6, 1e-5].map((v) => checkTarget('error', v, 1e-6, { compare: '≤' }).met)).toEqual([true, true, false]);
    expect([11, 12, 13].map((v) => checkTarget('parameters', v, 12, { compare: '=' }).met)).toEqual([false, true, false]);
    expect(checkTarget('accuracy', Number.NaN, 0.5).met).toBe(false);
  });

  it('prints the figure, the target and the verdict', () => {
    checkTarget('held-out accuracy', 0.5, 0.93);
    expect(console.log).toHaveBeenCalledWith('held-out accuracy: 50.0% (target ≥ 93.0%): NOT MET');
  });
});
