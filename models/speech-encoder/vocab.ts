/**
 * Character vocabulary of the speech encoder and the text normalisation of its targets.
 *
 * Targets are what a listener can hear: lowercase letters (with the accents of
 * en/es/fr/de), apostrophe and single spaces. Punctuation becomes a space or
 * vanishes. Digits are DROPPED, not spelled out: the synthesizer reads "42" as
 * words in each language and spelling numbers in four languages is a project of
 * its own, so the training script skips utterances whose text has digits (see
 * `hasDigits`) and the normaliser removes any that remain.
 */
import { readFile, writeFile, rename } from 'node:fs/promises';
import { BabelfishError } from '../../src/errors.ts';

export const BLANK = '<blank>';

/** Always in the vocabulary, in this order after the blank, so ids are stable across corpora. */
export const BASE_ALPHABET = [
  ' ',
  "'",
  ...'abcdefghijklmnopqrstuvwxyz',
  ...'áéíóúüñàâçèêëîïôûùœæäöß',
];

const APOSTROPHES = /[\u2019\u2018\u02bc`´]/g;

export function hasDigits(text: string): boolean {
  return /\p{Nd}/u.test(text);
}

/** Lowercase, NFC, curly apostrophes straightened, anything but letters/apostrophe turned into single spaces. */
export function normalizeTranscript(text: string): string {
  let s = text.normalize('NFC').toLowerCase().replace(APOSTROPHES, "'");
  // Hyphens and other joiners separate words when spoken; everything else non-letter vanishes into a space.
  s = s.replace(/[^\p{L}']+/gu, ' ');
  // An apostrophe belongs between letters (l'homme, don't); quotes around words are dropped.
  s = s.replace(/(^|\s)'+|'+(?=\s|$)/g, '$1');
  return s.replace(/\s+/g, ' ').trim();
}

export interface VocabJson {
  symbols: string[];
}

export class Vocab {
  /** symbols[0] is the CTC blank. */
  readonly symbols: readonly string[];
  private readonly index: Map<string, number>;

  constructor(symbols: readonly string[]) {
    if (symbols[0] !== BLANK) throw new BabelfishError('MODEL_INVALID', `vocabulary must start with ${BLANK}`);
    if (new Set(symbols).size !== symbols.length) throw new BabelfishError('MODEL_INVALID', 'vocabulary has duplicate symbols');
    this.symbols = symbols;
    this.index = new Map(symbols.map((s, i) => [s, i]));
  }

  get size(): number {
    return this.symbols.length;
  }

  get blank(): number {
    return 0;
  }

  /** Normalised text to ids; letters outside the vocabulary fall back to their unaccented base, else are dropped. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const ch of normalizeTranscript(text)) {
      let id = this.index.get(ch);
      if (id === undefined) id = this.index.get(ch.normalize('NFD').replace(/\p{M}/gu, ''));
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }

  decode(ids: readonly number[]): string {
    let s = '';
    for (const id of ids) if (id > 0 && id < this.symbols.length) s += this.symbols[id];
    return s.replace(/\s+/g, ' ').trim();
  }

  toJSON(): VocabJson {
    return { symbols: [...this.symbols] };
  }

  static fromJSON(json: unknown): Vocab {
    const symbols = (json as VocabJson)?.symbols;
    if (!Array.isArray(symbols) || !symbols.every((s) => typeof s === 'string')) {
      throw new BabelfishError('MODEL_INVALID', 'vocabulary JSON must be { "symbols": string[] }');
    }
    return new Vocab(symbols);
  }

  static async load(path: string): Promise<Vocab> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new BabelfishError('MODEL_NOT_FOUND', `cannot read vocabulary ${path}`, { cause: e });
    }
    return Vocab.fromJSON(JSON.parse(text));
  }

  async save(path: string): Promise<void> {
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify(this.toJSON(), null, 1) + '\n');
    await rename(tmp, path);
  }
}

/** The default vocabulary. */
export function defaultVocab(): Vocab {
  return new Vocab([BLANK, ...BASE_ALPHABET]);
}

/** The base alphabet plus letters that occur at least `minCount` times in the (normalised) corpus text. */
export function buildVocab(texts: Iterable<string>, minCount = 5): Vocab {
  const counts = new Map<string, number>();
  for (const t of texts) for (const ch of normalizeTranscript(t)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const base = new Set(BASE_ALPHABET);
  const extra = [...counts.entries()]
    .filter(([ch, n]) => !base.has(ch) && n >= minCount)
    .map(([ch]) => ch)
    .sort();
  return new Vocab([BLANK, ...BASE_ALPHABET, ...extra]);
}
