// Runs the garbage collector from a test. The flag is set at run time, so no vitest or node
// option is needed; FinalizationRegistry callbacks run only after a collection and a turn of
// the event loop, so each round yields to it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Collects garbage until the arena has taken back what was dropped: at least `rounds` rounds,
 * then more (up to 12) while a round still returns blocks, since an object freed by one
 * round's callbacks (a model's last pending timer, say) may need the next round.
 */
export async function collectGarbage(rounds = 3): Promise<void> {
  const { arena } = await import('../../src/index.js');
  let previous = Infinity;
  for (let i = 0; i < 12; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const inUse = arena().bytesInUse;
    if (i + 1 >= rounds && inUse === previous) return;
    previous = inUse;
  }
}
