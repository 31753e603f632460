// The module run.ts writes beside worker.ts before bundling: the trained model's files.
import type { ModelJSON, data } from 'seqwasm';

/** model.json, as model.save() wrote it. */
export const modelJSON: ModelJSON;
/** weights.bin (esbuild's binary loader makes it a Uint8Array). */
export const weights: Uint8Array;
/** The letters' vocabulary, as Vocabulary.toJSON() wrote it. */
export const vocabularyJSON: data.VocabularyJSON;
