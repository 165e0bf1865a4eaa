/**
 * The speech encoder's optional language models: one character n-gram per language over the
 * encoder's own vocabulary, and the weights that mix them into the CTC prefix beam search
 * (shallow fusion):
 *
 *   score(text) = log P_ctc(text | audio) + weight * log P_lm(text </s>) + bonus * |text|
 *                 - oovPenalty * (words of text not in the language's word list)
 *
 * The per-character bonus offsets the LM's preference for short texts. weight, bonus and the
 * penalty are chosen on the dev voices by `babelfish train speech-lm`, never on the test voices.
 *
 * Saved as `<model>/lm/config.json` plus `<model>/lm/<lang>.json.gz` (gzipped: a 7-gram model's
 * counts are 13 MB of JSON and 2.7 MB compressed; folders made before read `<lang>.json`) and
 * `<lang>.words.txt`, one word a line, for the languages with a word list. A model folder
 * without `lm/` decodes without a language model.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BabelfishError } from '../../src/errors.ts';
import { CharNgramLM, type CharNgramJson } from '../../src/text/char-ngram.ts';
import { writeAtomic } from '../../src/write-atomic.ts';
import type { BeamSearchOptions } from '../../src/ctc/decode.ts';
import type { Vocab } from './vocab.ts';
import { WordList } from './word-list.ts';

export interface FusionConfig {
  /** LM log-probability weight. */
  weight: number;
  /** Log-score added per emitted character. */
  bonus: number;
  /** Prefix beam width to use with the LM when the caller asks for the default. */
  beamWidth: number;
  /** Log-score taken off for each word the language's word list lacks (0: no word-list bias). */
  oovPenalty: number;
}

export const DEFAULT_FUSION: FusionConfig = { weight: 0.5, bonus: 2, beamWidth: 16, oovPenalty: 0 };

export const LM_FORMAT = 'babelfish-speech-lm/1';

interface LmConfigJson {
  format: string;
  fusion: FusionConfig;
  languages: string[];
  /** Languages with a `<lang>.words.txt` (absent in folders made before word lists). */
  wordLists?: string[];
  /** How the LMs were made (order, pruning, data), for the model card. */
  trainedOn?: Record<string, unknown>;
}

export class SpeechLanguageModels {
  constructor(
    readonly models: Readonly<Record<string, CharNgramLM>>,
    readonly fusion: FusionConfig = DEFAULT_FUSION,
    readonly trainedOn: Record<string, unknown> = {},
    readonly wordLists: Readonly<Record<string, WordList>> = {},
  ) {}

  get languages(): string[] {
    return Object.keys(this.models);
  }

  /** A copy with other fusion weights (for tuning). */
  withFusion(fusion: Partial<FusionConfig>): SpeechLanguageModels {
    return new SpeechLanguageModels(this.models, { ...this.fusion, ...fusion }, this.trainedOn, this.wordLists);
  }

  /** Beam-search hooks for `lang`, or undefined when there is no LM for it. */
  beamOptions(lang: string | undefined): Pick<BeamSearchOptions, 'lm' | 'lmEnd' | 'lmWeight'> | undefined {
    const lm = lang === undefined ? undefined : this.models[lang];
    if (!lm) return undefined;
    const { weight, bonus, oovPenalty } = this.fusion;
    const words = oovPenalty ? this.wordLists[lang!] : undefined;
    // a word is judged once, when a space (or the end of the text) closes it
    const unknownWord = (prefix: readonly number[]) => (words && !words.endsWithKnownWord(prefix) ? oovPenalty : 0);
    return {
      lmWeight: 1,
      lm: (prefix, next) => weight * lm.logProb(prefix, next) + bonus - (next === words?.space ? unknownWord(prefix) : 0),
      lmEnd: (prefix) => weight * lm.logProbEnd(prefix) - unknownWord(prefix),
    };
  }

  async save(modelDir: string): Promise<void> {
    const dir = join(modelDir, 'lm');
    await mkdir(dir, { recursive: true });
    for (const [lang, lm] of Object.entries(this.models)) {
      await writeAtomic(join(dir, `${lang}.json.gz`), gzipSync(JSON.stringify(lm.toJSON()), { level: 9 }));
      await rm(join(dir, `${lang}.json`), { force: true }); // an older folder's uncompressed copy would be stale
    }
    for (const [lang, words] of Object.entries(this.wordLists)) await writeAtomic(join(dir, `${lang}.words.txt`), words.toText());
    const config: LmConfigJson = { format: LM_FORMAT, fusion: this.fusion, languages: this.languages, wordLists: Object.keys(this.wordLists), trainedOn: this.trainedOn };
    // config.json last: a folder that has it is whole
    await writeAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 1) + '\n');
  }

  /** The LMs saved beside a speech encoder (whose vocabulary the word lists are read with), or null when the folder has none. */
  static async load(modelDir: string, vocab: Vocab): Promise<SpeechLanguageModels | null> {
    const dir = join(modelDir, 'lm');
    const configPath = join(dir, 'config.json');
    if (!(await stat(configPath).then(() => true, () => false))) return null;
    let config: LmConfigJson;
    try {
      config = JSON.parse(await readFile(configPath, 'utf8'));
    } catch (e) {
      throw new BabelfishError('MODEL_INVALID', `cannot parse ${configPath}`, { cause: e });
    }
    if (config.format !== LM_FORMAT) throw new BabelfishError('MODEL_INVALID', `${configPath} is not ${LM_FORMAT}`);
    const models: Record<string, CharNgramLM> = {};
    for (const lang of config.languages) {
      const gz = join(dir, `${lang}.json.gz`);
      const path = existsSync(gz) ? gz : join(dir, `${lang}.json`);
      let json: CharNgramJson;
      try {
        const bytes = await readFile(path);
        json = JSON.parse((path === gz ? gunzipSync(bytes) : bytes).toString('utf8'));
      } catch (e) {
        throw new BabelfishError('MODEL_NOT_FOUND', `the speech LM config names ${lang} but ${path} is missing or unreadable`, { cause: e });
      }
      try {
        models[lang] = CharNgramLM.fromJSON(json);
      } catch (e) {
        throw new BabelfishError('MODEL_INVALID', `${path}: ${(e as Error).message}`, { cause: e });
      }
    }
    const wordLists: Record<string, WordList> = {};
    for (const lang of config.wordLists ?? []) {
      const path = join(dir, `${lang}.words.txt`);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        throw new BabelfishError('MODEL_NOT_FOUND', `the speech LM config names a ${lang} word list but ${path} is missing or unreadable`, { cause: e });
      }
      wordLists[lang] = WordList.fromText(text, vocab);
    }
    // folders made before word lists have no oovPenalty: DEFAULT_FUSION's 0 keeps their decoding
    return new SpeechLanguageModels(models, { ...DEFAULT_FUSION, ...config.fusion }, config.trainedOn ?? {}, wordLists);
  }
}
