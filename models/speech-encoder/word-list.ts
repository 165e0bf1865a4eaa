/**
 * A language's known words, for the beam search's word-list bias: when a hypothesis closes a
 * word (a space, or the end of the text) that the list does not have, the fusion takes
 * `oovPenalty` off its score (language-model.ts). A character n-gram scores spellings a few
 * letters at a time and happily writes "societied"; the list says which whole words exist.
 * The penalty is soft, so names and words of other domains can still win on the acoustics.
 *
 * Words are kept as strings of encoder symbol ids, so the search can look up the word that
 * ends a label prefix without decoding it; on disk the list is plain text, one word a line.
 */
import { BabelfishError } from '../../src/errors.ts';
import type { Vocab } from './vocab.ts';

export class WordList {
  /** The space symbol's id: words are the runs of labels between spaces. */
  readonly space: number;
  private readonly keys: Set<string>;

  private constructor(keys: Set<string>, space: number, private readonly vocab: Vocab) {
    this.keys = keys;
    this.space = space;
  }

  get size(): number {
    return this.keys.size;
  }

  /** The words of `sentences` (label ids) seen at least `minCount` times. */
  static fromSentences(sentences: readonly (readonly number[])[], vocab: Vocab, minCount = 1): WordList {
    const space = spaceId(vocab);
    const counts = new Map<string, number>();
    for (const s of sentences) {
      let start = 0;
      for (let i = 0; i <= s.length; i++) {
        if (i < s.length && s[i] !== space) continue;
        if (i > start) {
          const key = keyOf(s, start, i);
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        start = i + 1;
      }
    }
    return new WordList(new Set([...counts].filter(([, c]) => c >= minCount).map(([k]) => k)), space, vocab);
  }

  /** One word a line, as `toText` writes; each is normalised and encoded like a transcript. */
  static fromText(text: string, vocab: Vocab): WordList {
    const space = spaceId(vocab);
    const keys = new Set<string>();
    for (const line of text.split('\n')) {
      const ids = vocab.encode(line);
      if (ids.length && !ids.includes(space)) keys.add(keyOf(ids, 0, ids.length));
    }
    return new WordList(keys, space, vocab);
  }

  toText(): string {
    return this.words().join('\n') + '\n';
  }

  /** The words, sorted. */
  words(): string[] {
    return [...this.keys].map((k) => this.vocab.decode([...k].map((ch) => ch.charCodeAt(0)))).sort();
  }

  has(word: string): boolean {
    const ids = this.vocab.encode(word);
    return ids.length > 0 && this.keys.has(keyOf(ids, 0, ids.length));
  }

  /**
   * Whether the word that `labels` ends with (the labels after its last space) is known.
   * True when there is none (empty, or ending in a space): nothing to judge.
   */
  endsWithKnownWord(labels: readonly number[]): boolean {
    let start = labels.length;
    while (start > 0 && labels[start - 1] !== this.space) start--;
    return start === labels.length || this.keys.has(keyOf(labels, start, labels.length));
  }
}

function spaceId(vocab: Vocab): number {
  const id = vocab.symbols.indexOf(' ');
  if (id < 0) throw new BabelfishError('MODEL_INVALID', 'the vocabulary has no space symbol: words cannot be told apart');
  return id;
}

/** Label ids (all below 65,536) as a string key. */
function keyOf(ids: readonly number[], from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(ids[i]);
  return s;
}
