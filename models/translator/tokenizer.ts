/**
 * What the translator needs from a tokenizer: ids in, ids out, a `<2xx>` tag per language
 * and four special ids. The shipped model uses the project's SubwordTokenizer
 * (src/text/tokenizer.ts); `WordTokenizer` is a whitespace-word stand-in for tests and
 * toy corpora, so the model never depends on how pieces are made.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { BabelfishError } from '../../src/errors.ts';
import { SubwordTokenizer } from '../../src/text/tokenizer.ts';

export interface TranslatorTokenizer {
  readonly vocabSize: number;
  readonly padId: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly unkId: number;
  encode(text: string): number[];
  decode(ids: number[]): string;
  /** Id of `<2xx>`; throws UNSUPPORTED_LANGUAGE when the vocabulary has none. */
  langTag(lang: string): number;
  /** Human-readable piece of one id (attention plots, debugging). */
  piece(id: number): string;
  save(file: string): Promise<void>;
}

const SPECIALS = ['<pad>', '<s>', '</s>', '<unk>'];

export class WordTokenizer implements TranslatorTokenizer {
  readonly words: string[];
  private readonly index: Map<string, number>;
  readonly padId = 0;
  readonly bosId = 1;
  readonly eosId = 2;
  readonly unkId = 3;

  constructor(words: string[]) {
    this.words = words;
    this.index = new Map(words.map((w, i) => [w, i]));
  }

  /** Specials, one `<2xx>` per language, then every word of `sentences` by first appearance. */
  static train(sentences: Iterable<string>, languages: string[]): WordTokenizer {
    const words = [...SPECIALS, ...languages.map((l) => `<2${l}>`)];
    const seen = new Set(words);
    for (const s of sentences)
      for (const w of s.split(/\s+/))
        if (w && !seen.has(w)) {
          seen.add(w);
          words.push(w);
        }
    return new WordTokenizer(words);
  }

  get vocabSize(): number {
    return this.words.length;
  }

  encode(text: string): number[] {
    return text
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => this.index.get(w) ?? this.unkId);
  }

  decode(ids: number[]): string {
    return ids
      .filter((i) => i >= SPECIALS.length && !this.words[i]?.startsWith('<2'))
      .map((i) => this.words[i] ?? '<unk>')
      .join(' ');
  }

  langTag(lang: string): number {
    const id = this.index.get(`<2${lang}>`);
    if (id === undefined) throw new BabelfishError('UNSUPPORTED_LANGUAGE', `the vocabulary has no <2${lang}> tag`);
    return id;
  }

  piece(id: number): string {
    return this.words[id] ?? '<unk>';
  }

  async save(file: string): Promise<void> {
    const tmp = `${file}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify({ type: 'word', words: this.words }) + '\n');
    await rename(tmp, file);
  }

  static async load(file: string): Promise<WordTokenizer> {
    const j = JSON.parse(await readFile(file, 'utf8'));
    if (j.type !== 'word' || !Array.isArray(j.words)) throw new BabelfishError('MODEL_INVALID', `${file} is not a word vocabulary`);
    return new WordTokenizer(j.words);
  }
}

/**
 * Loads whichever tokenizer `file` holds: a WordTokenizer (`{"type":"word"}`) or the
 * project's SubwordTokenizer (anything else).
 */
export async function loadTokenizer(file: string): Promise<TranslatorTokenizer> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new BabelfishError('MODEL_NOT_FOUND', `no vocabulary at ${file}`, { cause: e });
  }
  if (text.includes('"type":"word"')) return WordTokenizer.load(file);
  return loadSubwordTokenizer(file);
}

async function loadSubwordTokenizer(file: string): Promise<TranslatorTokenizer> {
  return SubwordTokenizer.load(file);
}
