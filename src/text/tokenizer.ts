/**
 * The subword tokenizer shared by every language: our own unigram vocabulary
 * (unigram-trainer.ts) segmented by the `Tokenizer` of
 * `@tensorflow-models/universal-sentence-encoder`, a port of SentencePiece's
 * Viterbi `EncodeAsIds`.
 *
 * Ids: `<pad>`=0, `<s>`=1, `</s>`=2, `<unk>`=3, then one `<2xx>` tag per
 * language, then the pieces. The reserved entries are not in USE's trie, so a
 * literal "<s>" in text is spelled out, never read as a control token.
 *
 * Why this wraps USE's Tokenizer rather than handing it our ids directly:
 *  - USE reports every unknown character as id 0, which is our `<pad>`; we map
 *    it to `<unk>`.
 *  - Its backward pass steps over an unknown character by the length of the
 *    string at vocabulary[0] ("<pad>" would be 5), so the copy we give it has
 *    a one-character placeholder there.
 *  - Its Viterbi works in UTF-16 units and takes score 0 to mean "unset", so a
 *    character outside the BMP (emoji) cannot be matched as a piece; the
 *    trainer leaves such characters out and they become `<unk>`.
 *  - It normalises with NFKC and only turns U+0020 into the boundary marker, so
 *    we normalise first (normalizeForSubwords), which makes decode(encode(x))
 *    equal normalizeForSubwords(x) whenever every character is in the vocabulary.
 *  - It copies the rest of the input at every position, so a sentence costs
 *    O(length^2). No piece has the marker inside it, so the best segmentation of
 *    a sentence is the best segmentation of each "▁word" in turn: we call it
 *    per word and cache the result (measured on 167k Bible verses: 2.3k lines/s whole, 15k per word, identical ids).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { Tokenizer as UseTokenizer } from '@tensorflow-models/universal-sentence-encoder';
import { BabelfishError } from '../errors.ts';
import { normalizeForSubwords, WORD_BOUNDARY } from './normalize.ts';
import { trainUnigramVocabulary, type UnigramTrainerOptions, type Vocabulary } from './unigram-trainer.ts';

export const SPECIAL_TOKENS = ['<pad>', '<s>', '</s>', '<unk>'] as const;

/** How `<unk>` reads back (SentencePiece prints the same mark). */
export const UNK_SURFACE = '\u2047';

const WORD_CACHE_LIMIT = 200_000;

const FILE_FORMAT = 'babelfish-subword-unigram';
const FILE_VERSION = 1;

export interface SubwordTokenizerFile {
  format: typeof FILE_FORMAT;
  version: number;
  languages: string[];
  /** Every entry by id, reserved ones (score 0) first. */
  vocabulary: Vocabulary;
}

export interface SubwordTrainOptions extends Partial<Omit<UnigramTrainerOptions, 'vocabSize'>> {
  languages: string[];
  /** Total size including the special tokens and language tags. */
  vocabSize: number;
}

export function languageTag(lang: string): string {
  return `<2${lang}>`;
}

export class SubwordTokenizer {
  readonly padId = 0;
  readonly bosId = 1;
  readonly eosId = 2;
  readonly unkId = 3;
  readonly languages: readonly string[];
  private readonly vocabulary: Vocabulary;
  private readonly reservedCount: number;
  private readonly use: UseTokenizer;
  private readonly wordCache = new Map<string, readonly number[]>();

  /** `vocabulary` is the full table by id, starting with the specials and language tags. */
  constructor(vocabulary: Vocabulary, languages: string[]) {
    const reserved = [...SPECIAL_TOKENS, ...languages.map(languageTag)];
    for (let i = 0; i < reserved.length; i++) {
      if (vocabulary[i]?.[0] !== reserved[i]) {
        throw new BabelfishError('MODEL_INVALID', `Vocabulary entry ${i} should be ${reserved[i]}, found ${vocabulary[i]?.[0]}`);
      }
    }
    if (new Set(languages).size !== languages.length) {
      throw new BabelfishError('BAD_ARGUMENT', `Duplicate language in ${languages.join(', ')}`);
    }
    this.languages = [...languages];
    this.vocabulary = vocabulary;
    this.reservedCount = reserved.length;
    const forUse: Vocabulary = vocabulary.map(([p, s], i) => (i === 0 ? ['?', 0] : [p, s]));
    this.use = new UseTokenizer(forUse, this.reservedCount);
  }

  /** Tokenizer over learned `pieces` (no specials), with the reserved entries put in front. */
  static fromPieces(pieces: Vocabulary, languages: string[]): SubwordTokenizer {
    const reserved: Vocabulary = [...SPECIAL_TOKENS, ...languages.map(languageTag)].map((p) => [p, 0]);
    const taken = new Set(reserved.map(([p]) => p));
    return new SubwordTokenizer([...reserved, ...pieces.filter(([p]) => !taken.has(p))], languages);
  }

  /** Train a unigram vocabulary over sentences of all languages. */
  static train(sentences: Iterable<string>, options: SubwordTrainOptions): SubwordTokenizer {
    const { languages, vocabSize, ...trainer } = options;
    const pieceCount = vocabSize - SPECIAL_TOKENS.length - languages.length;
    if (pieceCount < 1) {
      throw new BabelfishError('BAD_ARGUMENT', `vocabSize ${vocabSize} leaves no room for pieces`);
    }
    const pieces = trainUnigramVocabulary(sentences, { ...trainer, vocabSize: pieceCount });
    return SubwordTokenizer.fromPieces(pieces, languages);
  }

  static fromJSON(json: unknown): SubwordTokenizer {
    const f = json as Partial<SubwordTokenizerFile> | null;
    if (
      !f ||
      f.format !== FILE_FORMAT ||
      f.version !== FILE_VERSION ||
      !Array.isArray(f.languages) ||
      !Array.isArray(f.vocabulary) ||
      !f.vocabulary.every((e) => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number')
    ) {
      throw new BabelfishError('MODEL_INVALID', `Not a ${FILE_FORMAT} v${FILE_VERSION} vocabulary`);
    }
    return new SubwordTokenizer(f.vocabulary, f.languages);
  }

  static async load(path: string): Promise<SubwordTokenizer> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new BabelfishError('FILE_NOT_FOUND', `Cannot read vocabulary ${path}`, { cause: e });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new BabelfishError('MODEL_INVALID', `Vocabulary ${path} is not JSON`, { cause: e });
    }
    return SubwordTokenizer.fromJSON(json);
  }

  toJSON(): SubwordTokenizerFile {
    return { format: FILE_FORMAT, version: FILE_VERSION, languages: [...this.languages], vocabulary: this.vocabulary };
  }

  /** Atomic write: a reader never sees half a vocabulary. */
  async save(path: string): Promise<void> {
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify(this.toJSON()));
    await rename(tmp, path);
  }

  get vocabSize(): number {
    return this.vocabulary.length;
  }

  /** Piece ids of `text` (no `<s>`/`</s>`; the model adds what it needs). */
  encode(text: string): number[] {
    const normalized = normalizeForSubwords(text);
    if (normalized === '') return [];
    const out: number[] = [];
    for (const word of normalized.split(' ')) out.push(...this.encodeWord(word));
    return out;
  }

  /** Ids of "▁" + word; unknown characters become <unk> (USE merges runs of them). */
  private encodeWord(word: string): readonly number[] {
    const cached = this.wordCache.get(word);
    if (cached) return cached;
    const ids = this.use.encode(word);
    for (let i = 0; i < ids.length; i++) if (ids[i] === 0) ids[i] = this.unkId;
    // A bound keeps memory flat on endless streams of novel words.
    if (this.wordCache.size >= WORD_CACHE_LIMIT) this.wordCache.clear();
    this.wordCache.set(word, ids);
    return ids;
  }

  /** USE's Tokenizer on the whole normalised sentence at once (the reference `encode` must match). */
  encodeWhole(text: string): number[] {
    const ids = this.use.encode(normalizeForSubwords(text));
    for (let i = 0; i < ids.length; i++) if (ids[i] === 0) ids[i] = this.unkId;
    return ids;
  }

  /** Text of `ids`; specials and language tags are skipped, `<unk>` reads as ⁇. */
  decode(ids: readonly number[]): string {
    let s = '';
    for (const id of ids) {
      if (id === this.unkId) s += UNK_SURFACE;
      else if (id >= this.reservedCount && id < this.vocabulary.length) s += this.vocabulary[id][0];
    }
    const text = s.replaceAll(WORD_BOUNDARY, ' ');
    return text.startsWith(' ') ? text.slice(1) : text;
  }

  /** Surface pieces of `text` (for inspection and plots). */
  pieces(text: string): string[] {
    return this.encode(text).map((id) => this.piece(id));
  }

  /** The piece string of one id. */
  piece(id: number): string {
    const entry = this.vocabulary[id];
    if (!entry) throw new BabelfishError('BAD_ARGUMENT', `Token id ${id} is outside the vocabulary (${this.vocabSize})`);
    return entry[0];
  }

  /** Score (log-probability) of one id; 0 for reserved entries. */
  score(id: number): number {
    return this.vocabulary[id]?.[1] ?? 0;
  }

  /** Id of the `<2xx>` tag that asks for output in `lang`. */
  langTag(lang: string): number {
    const i = this.languages.indexOf(lang);
    if (i < 0) {
      throw new BabelfishError(
        'UNSUPPORTED_LANGUAGE',
        `Unsupported language "${lang}"; this vocabulary knows ${this.languages.join(', ')}`,
      );
    }
    return SPECIAL_TOKENS.length + i;
  }
}
