// A Cloudflare Worker that serves predictions from a saved seqwasm model: the alphabet lesson's
// LSTM, which reads five letters and answers the next one.
//
//   POST /predict  {"letters": ["KLMNO", "ABCDE"]}  →  {"predictions": [{"next": "P", "probability": 0.98}, …]}
//
// The model's files (model.json, weights.bin, the letters' vocabulary) are bundled into the
// Worker as modules (./saved-model.js, written by run.ts); seqwasm's .wasm is imported as a
// module too, since workerd may not compile Wasm from bytes. The model is loaded once per
// isolate, on the first request, and reused by every request after it.
// `workerd test` calls test(), which sends requests through fetch() and prints what came back.
import { data, init, loadModel, type Sequential } from 'seqwasm';
import { modelJSON, vocabularyJSON, weights } from './saved-model.js';

const WINDOW = 5;
const vocab = data.Vocabulary.fromJSON(vocabularyJSON);
let model: Promise<Sequential> | undefined;

/** The saved model, loaded on first use. */
function loadOnce(): Promise<Sequential> {
  model ??= init().then(() => loadModel({ modelJSON, weightData: weights.slice().buffer }));
  return model;
}

function reply(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** Reads {"letters": [...]}: strings of five letters of the model's vocabulary, or says what is wrong. */
function parseLetters(body: unknown): string[] | string {
  const letters = (body as { letters?: unknown } | null)?.letters;
  if (!Array.isArray(letters) || letters.length === 0 || letters.length > 100) return 'send {"letters": ["KLMNO", …]}: 1 to 100 strings';
  const bad = letters.find((l) => typeof l !== 'string' || l.length !== WINDOW || [...l].some((c) => vocab.indexOf(c) < 0));
  return bad === undefined ? letters : `every entry must be ${WINDOW} capital letters, got ${JSON.stringify(bad)}`;
}

async function predict(request: Request): Promise<Response> {
  const letters = parseLetters(await request.json().catch(() => null));
  if (typeof letters === 'string') return reply(400, { error: letters });
  const probabilities = (await loadOnce()).predict(data.oneHot(letters.map((l) => Array.from(vocab.encode(l))), vocab.size));
  const predictions = letters.map((_, i) => {
    const row = Array.from(probabilities.data.subarray(i * vocab.size, (i + 1) * vocab.size));
    const best = row.indexOf(Math.max(...row));
    return { next: vocab.tokenAt(best), probability: row[best], probabilities: row };
  });
  return reply(200, { predictions });
}

const worker = {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/predict' && request.method === 'POST') return predict(request);
    return reply(404, { error: 'POST /predict {"letters": ["KLMNO"]}' });
  },

  /** For `workerd test`: every five-letter window of the alphabet through fetch(), and one bad request. */
  async test(): Promise<void> {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const windows = Array.from({ length: alphabet.length - WINDOW }, (_, i) => alphabet.slice(i, i + WINDOW));
    const post = (body: unknown) => worker.fetch(new Request('http://worker/predict', { method: 'POST', body: JSON.stringify(body) }));
    const answered = (await (await post({ letters: windows })).json()) as { predictions: { next: string; probabilities: number[] }[] };
    const rejected = await post({ letters: ['ABC'] });
    const result = { windows, predictions: answered.predictions, badRequest: { status: rejected.status, body: await rejected.json() } };
    console.log(`seqwasm-result ${JSON.stringify(result)}`);
  },
};

export default worker;
