// Token vocabularies: text → token indices and back, with the index layout of Keras
// `StringLookup` / `TextVectorization` (mask token at 0, then the OOV token, then tokens by
// descending frequency), saved and restored as JSON next to a model.
import { DataError, describe } from './errors.js';
import { readDocument, requiredFlag } from './json.js';
import { flag, integer, oneOf, optionsOf } from './validate.js';

/**
 * How text is split into tokens: 'word' on whitespace, 'char' into characters (code points).
 *
 * @example
 * ```ts
 * const level: data.TokenLevel = 'char';
 * data.vocabulary('hello world', { level });
 * ```
 */
export type TokenLevel = 'char' | 'word';

/**
 * Options of {@link vocabulary}.
 *
 * @example
 * ```ts
 * data.vocabulary(texts, { level: 'word', maxTokens: 5000, oovToken: '[UNK]', maskToken: '' });
 * ```
 */
export interface VocabularyOptions {
  /** 'word' splits on whitespace; 'char' makes every character (code point) a token. Default 'word'. */
  level?: TokenLevel;
  /** Keep at most this many entries, counting the mask and OOV tokens (as Keras `max_tokens`); the most frequent tokens win. */
  maxTokens?: number;
  /** Token for anything not in the vocabulary, at index 0 (or 1 after a mask token). Without it, unknown tokens are an error. */
  oovToken?: string;
  /** Token at index 0 reserved for padding (Keras uses ''); decode() skips it. */
  maskToken?: string;
  /** Lowercase text before splitting. Default true for 'word', false for 'char'. */
  lowercase?: boolean;
  /** Remove punctuation and symbols (Unicode P and S classes) before splitting. Default true for 'word', false for 'char'. */
  stripPunctuation?: boolean;
}

/**
 * What Vocabulary.toJSON() writes and Vocabulary.fromJSON() reads.
 *
 * @example
 * ```ts
 * await writeFile('vocab.json', JSON.stringify(vocab));   // a VocabularyJSON
 * const again = data.Vocabulary.fromJSON(await readFile('vocab.json', 'utf8'));
 * ```
 */
export interface VocabularyJSON {
  /** Always 'seqwasm.vocabulary'. */
  format: 'seqwasm.vocabulary';
  /** The format version, 1. */
  version: 1;
  /** How text is split. */
  level: TokenLevel;
  /** Whether text is lowercased first. */
  lowercase: boolean;
  /** Whether punctuation is removed first. */
  stripPunctuation: boolean;
  /** The mask token, null when none. */
  maskToken: string | null;
  /** The OOV token, null when none. */
  oovToken: string | null;
  /** Every entry in index order, mask and OOV tokens included (Keras `get_vocabulary()`). */
  tokens: string[];
}

const FORMAT = 'seqwasm.vocabulary';
const PUNCTUATION = /[\p{P}\p{S}]/gu;
const WORD = /\S+/gu;

interface Settings {
  readonly level: TokenLevel;
  readonly lowercase: boolean;
  readonly stripPunctuation: boolean;
  readonly maskToken: string | undefined;
  readonly oovToken: string | undefined;
}

/**
 * Token vocabulary: text → token indices and back, with the index layout of Keras
 * `StringLookup` / `TextVectorization` (mask token at 0, then the OOV token, then tokens by
 * descending frequency), saved and restored as JSON next to a model. Learn one with
 * {@link vocabulary}.
 *
 * @example
 * ```ts
 * const vocab = data.vocabulary('ABCDEFGHIJKLMNOPQRSTUVWXYZ', { level: 'char' });
 * const ids = vocab.encode('KLMNO');           // Int32Array [10, 11, 12, 13, 14]
 * vocab.decode(ids);                           // 'KLMNO'
 * const again = data.Vocabulary.fromJSON(JSON.stringify(vocab));
 * ```
 */
export class Vocabulary {
  /** How text is split into tokens. */
  readonly level: TokenLevel;
  /** Whether text is lowercased before splitting. */
  readonly lowercase: boolean;
  /** Whether punctuation and symbols are removed before splitting. */
  readonly stripPunctuation: boolean;
  /** The padding token at index 0, if any. */
  readonly maskToken: string | undefined;
  /** The token unknown tokens map to, if any. */
  readonly oovToken: string | undefined;
  /** Every entry in index order, mask and OOV tokens included. */
  readonly tokens: readonly string[];
  private readonly indices: Map<string, number>;
  private readonly oovIndex: number;

  /** Use vocabulary() to learn one from texts, or Vocabulary.fromJSON() to restore one. */
  private constructor(tokens: readonly string[], settings: Settings) {
    this.level = settings.level;
    this.lowercase = settings.lowercase;
    this.stripPunctuation = settings.stripPunctuation;
    this.maskToken = settings.maskToken;
    this.oovToken = settings.oovToken;
    this.tokens = Object.freeze([...tokens]);
    this.indices = new Map(tokens.map((token, i) => [token, i]));
    this.oovIndex = settings.oovToken === undefined ? -1 : this.indices.get(settings.oovToken)!;
  }

  /**
   * Learns a vocabulary from texts; see vocabulary().
   *
   * @example
   * ```ts
   * const vocab = data.Vocabulary.fromTexts(['the cat sat', 'the dog'], { oovToken: '[UNK]' });
   * ```
   */
  static fromTexts(texts: string | Iterable<string>, options: VocabularyOptions): Vocabulary {
    options = optionsOf(options, 'vocabulary');
    if (typeof texts !== 'string' && (typeof texts !== 'object' || texts === null || typeof (texts as Iterable<string>)[Symbol.iterator] !== 'function')) {
      throw new DataError('texts', `expected a string or an iterable of strings, got ${describe(texts)}`);
    }
    const level = oneOf<TokenLevel>('level', options.level, ['char', 'word'], 'word');
    const settings: Settings = {
      level,
      lowercase: flag('lowercase', options.lowercase, level === 'word'),
      stripPunctuation: flag('stripPunctuation', options.stripPunctuation, level === 'word'),
      maskToken: optionalToken('maskToken', options.maskToken),
      oovToken: optionalToken('oovToken', options.oovToken),
    };
    const reserved = reservedTokens(settings);
    const maxTokens = options.maxTokens === undefined ? Infinity : integer('maxTokens', options.maxTokens, reserved.length + 1);

    // Map iteration follows insertion, i.e. first appearance; the sort below is stable.
    const counts = new Map<string, number>();
    for (const text of typeof texts === 'string' ? [texts] : texts) {
      if (typeof text !== 'string') throw new DataError('texts', `expected strings, got ${describe(text)}`);
      for (const token of tokenize(text, settings)) counts.set(token, (counts.get(token) ?? 0) + 1);
    }
    for (const token of reserved) counts.delete(token);
    if (counts.size === 0) throw new DataError('texts', `no tokens found (level '${settings.level}', lowercase ${settings.lowercase}, stripPunctuation ${settings.stripPunctuation}); the vocabulary would be empty`);
    const learned = [...counts].sort((a, b) => b[1] - a[1]).map(([token]) => token);
    return new Vocabulary([...reserved, ...learned.slice(0, maxTokens - reserved.length)], settings);
  }

  /** Entries, mask and OOV tokens included: valid indices are 0 … size − 1 (the one-hot depth). */
  get size(): number {
    return this.tokens.length;
  }

  /** The tokens of `text` after lowercasing and stripping punctuation as configured. */
  tokenize(text: string): string[] {
    return tokenize(text, this);
  }

  /**
   * Token indices of a text (tokenized as configured) or of a list of tokens (used as they
   * are). Unknown tokens map to the OOV index, or throw when there is no oovToken.
   */
  encode(text: string | readonly string[]): Int32Array {
    if (typeof text !== 'string' && !Array.isArray(text)) throw new DataError('text', `expected a string or an array of tokens, got ${describe(text)}`);
    const tokens = typeof text === 'string' ? this.tokenize(text) : text;
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const index = this.indices.get(tokens[i]) ?? this.oovIndex;
      if (index < 0) throw new DataError('text', `unknown token ${describe(tokens[i])} (token ${i}) and the vocabulary has no oovToken`);
      out[i] = index;
    }
    return out;
  }

  /** The text of token indices: tokens joined by '' ('char') or ' ' ('word'); mask (padding) indices are skipped. */
  decode(indices: ArrayLike<number>): string {
    if (!(Array.isArray(indices) || ArrayBuffer.isView(indices))) throw new DataError('indices', `expected an array or a typed array of token indices, got ${describe(indices)}`);
    const maskIndex = this.maskToken === undefined ? -1 : 0;
    const tokens: string[] = [];
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i];
      if (index !== maskIndex) tokens.push(this.tokenAt(index, `indices[${i}]`));
    }
    return tokens.join(this.level === 'char' ? '' : ' ');
  }

  /** The token at `index` (0 … size − 1). */
  tokenAt(index: number, argument = 'index'): string {
    if (!Number.isInteger(index) || index < 0 || index >= this.tokens.length) {
      throw new DataError(argument, `${describe(index)} is not a token index (expected an integer in [0, ${this.tokens.length - 1}])`);
    }
    return this.tokens[index];
  }

  /** The index of `token`, the OOV index when unknown, or -1 when unknown without an oovToken. */
  indexOf(token: string): number {
    return this.indices.get(token) ?? this.oovIndex;
  }

  /** The JSON form (JSON.stringify calls it) that fromJSON() restores. */
  toJSON(): VocabularyJSON {
    return {
      format: FORMAT,
      version: 1,
      level: this.level,
      lowercase: this.lowercase,
      stripPunctuation: this.stripPunctuation,
      maskToken: this.maskToken ?? null,
      oovToken: this.oovToken ?? null,
      tokens: [...this.tokens],
    };
  }

  /**
   * Restores a vocabulary from toJSON()'s object (or its JSON text), checking every field (a DataError names a bad one).
   *
   * @example
   * ```ts
   * const vocab = data.Vocabulary.fromJSON(await readFile('vocab.json', 'utf8'));
   * ```
   */
  static fromJSON(json: unknown): Vocabulary {
    const record = readDocument(json, FORMAT);
    const level = record.level;
    if (level !== 'char' && level !== 'word') throw new DataError('json.level', `expected 'char' or 'word', got ${describe(level)}`);
    const settings: Settings = {
      level,
      lowercase: requiredFlag(record, 'lowercase'),
      stripPunctuation: requiredFlag(record, 'stripPunctuation'),
      maskToken: optionalToken('json.maskToken', record.maskToken ?? undefined),
      oovToken: optionalToken('json.oovToken', record.oovToken ?? undefined),
    };
    const tokens = record.tokens;
    if (!Array.isArray(tokens)) throw new DataError('json.tokens', `expected an array of strings, got ${describe(tokens)}`);
    const seen = new Set<string>();
    tokens.forEach((token, i) => {
      if (typeof token !== 'string') throw new DataError(`json.tokens[${i}]`, `expected a string, got ${describe(token)}`);
      if (seen.has(token)) throw new DataError(`json.tokens[${i}]`, `duplicate token ${describe(token)}`);
      seen.add(token);
    });
    const reserved = reservedTokens(settings);
    reserved.forEach((token, i) => {
      if (tokens[i] !== token) throw new DataError(`json.tokens[${i}]`, `expected the reserved token ${describe(token)}, got ${describe(tokens[i])}`);
    });
    if (tokens.length === reserved.length) throw new DataError('json.tokens', 'holds no tokens besides the mask and OOV tokens; the vocabulary would be empty');
    return new Vocabulary(tokens as string[], settings);
  }
}

/**
 * Learns a vocabulary from one text or many: tokens ordered by descending frequency, ties by
 * first appearance. Index layout: [maskToken?, oovToken?, most frequent, …]; for Keras
 * `TextVectorization`'s layout pass `{ maskToken: '', oovToken: '[UNK]' }`.
 *
 * @example
 * ```ts
 * const words = data.vocabulary(['the cat sat', 'the dog sat on the mat'], { maskToken: '', oovToken: '[UNK]', maxTokens: 10000 });
 * const chars = data.vocabulary('hello world', { level: 'char' });
 * ```
 */
export function vocabulary(texts: string | Iterable<string>, options: VocabularyOptions = {}): Vocabulary {
  return Vocabulary.fromTexts(texts, options);
}

function tokenize(text: string, settings: Pick<Settings, 'level' | 'lowercase' | 'stripPunctuation'>): string[] {
  let standard = settings.lowercase ? text.toLowerCase() : text;
  if (settings.stripPunctuation) standard = standard.replace(PUNCTUATION, '');
  return settings.level === 'char' ? Array.from(standard) : (standard.match(WORD) ?? []);
}

/** The mask and OOV tokens in index order. */
function reservedTokens(settings: Settings): string[] {
  if (settings.maskToken !== undefined && settings.maskToken === settings.oovToken) {
    throw new DataError('oovToken', `must differ from maskToken, both are ${describe(settings.maskToken)}`);
  }
  return [settings.maskToken, settings.oovToken].filter((token): token is string => token !== undefined);
}

function optionalToken(argument: string, token: unknown): string | undefined {
  if (token !== undefined && typeof token !== 'string') throw new DataError(argument, `expected a string, got ${describe(token)}`);
  return token;
}
