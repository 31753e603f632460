// Runs the garbage collector from a test. The flag is set at run time, so no vitest or node
// option is needed; FinalizationRegistry callbacks run only after a collection and a turn of
// the event loop, so each round yields to it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects garbage until the arena has taken back what was dropped (a few rounds). */
export async function collectGarbage(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
