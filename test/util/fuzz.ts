// What the file fuzzers (test/fuzz/model-files, test/fuzz/onnx-files) share: their sizes and
// bounds, and byte mutations.

export const LONG = process.env.SEQWASM_LONG === '1';
/** Cases per run: 2,000 in CI, 50,000 with SEQWASM_LONG=1, one with SEQWASM_FUZZ_CASE=<case seed>. */
export const CASES = process.env.SEQWASM_FUZZ_CASE !== undefined ? 1 : LONG ? 50_000 : 2_000;
/** Wasm memory a case may take beyond GROWTH_PER_BYTE per byte of its files (predict's buffers, packing, optimizer slots). */
export const ALLOWANCE = 4 * 2 ** 20;
export const GROWTH_PER_BYTE = 16;
/** The longest a case may take. */
export const MAX_MS = 1000;

export type Random = () => number;

export const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)];

/** `bytes` truncated, extended with garbage, or with up to eight bytes flipped or replaced (a copy). */
export function mutateBytes(random: Random, bytes: Uint8Array): Uint8Array {
  const roll = random();
  if (roll < 0.15) return bytes.slice(0, Math.floor(random() * bytes.length)); // truncated
  if (roll < 0.25) return Uint8Array.from([...bytes, ...new Uint8Array(1 + Math.floor(random() * 64)).map(() => random() * 256)]); // extended
  const out = bytes.slice();
  for (let i = 0, n = 1 + Math.floor(random() * 8); i < n && out.length > 0; i++) {
    const at = Math.floor(random() * out.length);
    out[at] = random() < 0.5 ? out[at] ^ (1 << Math.floor(random() * 8)) : Math.floor(random() * 256);
  }
  return out;
}
