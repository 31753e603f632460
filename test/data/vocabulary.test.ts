import { describe, expect, it } from 'vitest';
import { DataError, oneHot, slidingWindows, toCategorical, Vocabulary, vocabulary } from '../../src/data/index.js';
import { toNested } from '../../src/tensor.js';
import { rng, testSeed } from '../util/random.js';

describe('vocabulary', () => {
  it('orders tokens by frequency, then first appearance', () => {
    const v = vocabulary(['the cat sat', 'the dog sat on the mat']);
    // the ×3, sat ×2, then cat, dog, on, mat in order of first appearance.
    expect(v.tokens).toEqual(['the', 'sat', 'cat', 'dog', 'on', 'mat']);
    expect(v.size).toBe(6);
    expect(Array.from(v.encode('the mat'))).toEqual([0, 5]);
  });

  it('puts the mask token at 0 and the OOV token next, as Keras TextVectorization', () => {
    const v = vocabulary('b a b c b a', { maskToken: '', oovToken: '[UNK]' });
    expect(v.tokens).toEqual(['', '[UNK]', 'b', 'a', 'c']);
    expect(Array.from(v.encode('a z b'))).toEqual([3, 1, 2]);
    expect(v.indexOf('zzz')).toBe(1);
    expect(v.decode([0, 0, 3, 2, 1])).toBe('a b [UNK]'); // padding (index 0) skipped
    const oovOnly = vocabulary('x y', { oovToken: '?' });
    expect(oovOnly.tokens).toEqual(['?', 'x', 'y']);
  });

  it('lowercases and strips punctuation for words by default, keeps characters as they are', () => {
    const words = vocabulary("Hello, world! Don't PANIC.");
    expect(words.tokens).toEqual(['hello', 'world', 'dont', 'panic']);
    expect(words.tokenize('  Hello…   WORLD?\n')).toEqual(['hello', 'world']);
    const chars = vocabulary('Ab, ab!', { level: 'char' });
    expect(chars.tokens).toEqual(['b', 'A', ',', ' ', 'a', '!']);
    const lower = vocabulary('Ab, ab!', { level: 'char', lowercase: true, stripPunctuation: true });
    expect(lower.tokens).toEqual(['a', 'b', ' ']);
    expect(vocabulary('Hello hello', { lowercase: false }).tokens).toEqual(['Hello', 'hello']);
  });

  it('handles characters outside the BMP as single tokens', () => {
    const v = vocabulary('a😀a', { level: 'char' });
    expect(v.tokens).toEqual(['a', '😀']);
    expect(v.decode(v.encode('😀a'))).toBe('😀a');
  });

  it('maxTokens counts the mask and OOV tokens and keeps the most frequent', () => {
    const v = vocabulary('a a a b b c d', { maxTokens: 4, maskToken: '', oovToken: '[UNK]' });
    expect(v.tokens).toEqual(['', '[UNK]', 'a', 'b']);
    expect(Array.from(v.encode('c b'))).toEqual([1, 3]);
    expect(() => vocabulary('a', { maxTokens: 2, maskToken: '', oovToken: '?' })).toThrow('maxTokens: expected an integer >= 3, got 2');
  });

  it('encodes token lists as they are and round-trips text', () => {
    const v = vocabulary('to be or not to be', { oovToken: '[UNK]' });
    expect(Array.from(v.encode(['be', 'Be']))).toEqual([2, 0]);
    expect(v.decode(v.encode('not to be'))).toBe('not to be');
    expect(v.tokenAt(2)).toBe('be');
  });

  it('errors: unknown tokens without OOV, empty vocabularies, bad indices and options', () => {
    const v = vocabulary('a b');
    expect(() => v.encode('a c')).toThrow(new DataError('text', 'unknown token "c" (token 1) and the vocabulary has no oovToken'));
    expect(v.indexOf('c')).toBe(-1);
    expect(() => vocabulary('...!', {})).toThrow("texts: no tokens found (level 'word', lowercase true, stripPunctuation true); the vocabulary would be empty");
    expect(() => vocabulary([])).toThrow(DataError);
    expect(() => v.decode([0, 2])).toThrow('indices[1]: 2 is not a token index (expected an integer in [0, 1])');
    expect(() => v.tokenAt(-1)).toThrow('index: -1 is not a token index');
    expect(() => vocabulary('a', { level: 'byte' as never })).toThrow("level: expected 'char' or 'word', got \"byte\"");
    expect(() => vocabulary('a', { maskToken: 'x', oovToken: 'x' })).toThrow('oovToken: must differ from maskToken, both are "x"');
    expect(() => vocabulary(['a', 3] as never)).toThrow('texts: expected strings, got 3');
  });

  it('toJSON / fromJSON restore an identical vocabulary', () => {
    const v = vocabulary(['The cat.', 'the hat'], { maskToken: '', oovToken: '[UNK]' });
    const restored = Vocabulary.fromJSON(JSON.stringify(v));
    expect(restored.toJSON()).toEqual(v.toJSON());
    expect(restored.encode('the bat')).toEqual(v.encode('the bat'));
    expect(v.toJSON()).toEqual({
      format: 'seqwasm.vocabulary',
      version: 1,
      level: 'word',
      lowercase: true,
      stripPunctuation: true,
      maskToken: '',
      oovToken: '[UNK]',
      tokens: ['', '[UNK]', 'the', 'cat', 'hat'],
    });
  });

  it('fromJSON names the bad field', () => {
    const good = vocabulary('a b', { oovToken: '?' }).toJSON();
    const bad = (patch: object) => () => Vocabulary.fromJSON({ ...good, ...patch });
    expect(() => Vocabulary.fromJSON('{oops')).toThrow(/^json: is not valid JSON/);
    expect(() => Vocabulary.fromJSON([])).toThrow('json: expected an object, got an array of length 0');
    expect(bad({ format: 'other' })).toThrow("json: expected format 'seqwasm.vocabulary' version 1, got format \"other\" version 1");
    expect(bad({ version: 2 })).toThrow(DataError);
    expect(bad({ level: 'line' })).toThrow("json.level: expected 'char' or 'word', got \"line\"");
    expect(bad({ lowercase: 'yes' })).toThrow('json.lowercase: expected true or false, got "yes"');
    expect(bad({ tokens: 'ab' })).toThrow('json.tokens: expected an array of strings, got "ab"');
    expect(bad({ tokens: ['?', 'a', 1] })).toThrow('json.tokens[2]: expected a string, got 1');
    expect(bad({ tokens: ['?', 'a', 'a'] })).toThrow('json.tokens[2]: duplicate token "a"');
    expect(bad({ tokens: ['a', '?'] })).toThrow('json.tokens[0]: expected the reserved token "?", got "a"');
    expect(bad({ tokens: ['?'] })).toThrow('json.tokens: holds no tokens besides the mask and OOV tokens; the vocabulary would be empty');
    expect(bad({ oovToken: 5 })).toThrow('json.oovToken: expected a string, got 5');
  });

  it('round-trips random texts through encode / decode', () => {
    const seed = testSeed();
    const random = rng(seed);
    const letters = 'abcdefgh ';
    for (let trial = 0; trial < 20; trial++) {
      const text = Array.from({ length: 200 }, () => letters[Math.floor(random() * letters.length)]).join('');
      const chars = vocabulary(text, { level: 'char' });
      expect(chars.decode(chars.encode(text)), `seed ${seed}`).toBe(text);
      const words = vocabulary(text);
      expect(words.decode(words.encode(text)), `seed ${seed}`).toBe(text.trim().split(/\s+/).join(' '));
      // Frequencies never increase along the index order.
      const counts = words.tokens.map((t) => text.split(/\s+/).filter((w) => w === t).length);
      for (let i = 1; i < counts.length; i++) expect(counts[i], `seed ${seed}`).toBeLessThanOrEqual(counts[i - 1]);
    }
  });
});

describe('oneHot and toCategorical', () => {
  it('one-hot encodes indices of any shape on a new last axis', () => {
    expect(oneHot([2, 0], 3)).toEqual({ shape: [2, 3], data: Float32Array.of(0, 0, 1, 1, 0, 0) });
    expect(oneHot([[1], [0]], 2).shape).toEqual([2, 1, 2]);
    expect(oneHot(Int32Array.of(), 4)).toEqual({ shape: [0, 4], data: new Float32Array(0) });
  });

  it('to_categorical([0, 1, 2, 3], num_classes=4) is the identity (the Keras docstring example)', () => {
    expect(toNested(toCategorical([0, 1, 2, 3], 4))).toEqual([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
  });

  it('infers numClasses as max + 1 and drops a trailing axis of 1, as Keras', () => {
    expect(toCategorical([[2], [0]]).shape).toEqual([2, 3]);
    expect(toCategorical([[1, 0]]).shape).toEqual([1, 2, 2]);
  });

  it('rejects indices outside [0, depth) or not integers', () => {
    expect(() => oneHot([0, 3], 3)).toThrow(new DataError('indices[1]', '3 is not a class index in [0, 2]'));
    expect(() => oneHot([[0, -1]], 3)).toThrow('indices[0][1]: -1 is not a class index in [0, 2]');
    expect(() => toCategorical([0, 1.5])).toThrow('y[1]: 1.5 is not a class index in [0, 2]');
    expect(() => toCategorical([0, 2], 2)).toThrow('y[1]: 2 is not a class index in [0, 1]');
    expect(() => oneHot([0], 0)).toThrow('depth: expected an integer >= 1, got 0');
    expect(() => toCategorical([])).toThrow('numClasses: is required when y is empty');
  });

  it('alphabet lesson end to end: vocabulary → windows → one-hot x and y', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const v = vocabulary(alphabet, { level: 'char' });
    expect(v.size).toBe(26);
    const { windows, next } = slidingWindows(v.encode(alphabet), 1);
    const x = oneHot(windows, v.size);
    const y = toCategorical(next, v.size);
    expect(x.shape).toEqual([25, 1, 26]);
    expect(y.shape).toEqual([25, 26]);
    expect(v.decode([x.data.indexOf(1, 3 * 26) - 3 * 26, y.data.indexOf(1, 3 * 26) - 3 * 26])).toBe('DE');
  });
});
