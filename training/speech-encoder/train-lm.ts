/**
 * `babelfish train speech-lm`: the speech encoder's character language models.
 *
 *   config -> text (the text corpus's train split, per language, minus every sentence of the
 *   dev and test splits and of the speech corpus's dev/test manifests) -> one Kneser-Ney
 *   character n-gram per language (checkpointed per language) and the list of its words ->
 *   fusion weights and word-list penalty chosen on the speech corpus's dev utterances (never
 *   the test voices) -> `<model>/lm/`.
 *
 * Counting takes about a minute per language on one core; tuning decodes the dev utterances
 * once per grid point from log-probabilities computed once.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { parseCommandArgs } from '../../src/cli/args.ts';
import { BabelfishError } from '../../src/errors.ts';
import { projectRoot } from '../../src/paths.ts';
import { editDistance } from '../../src/metrics/cer.ts';
import { CharNgramLM, type CharNgramJson } from '../../src/text/char-ngram.ts';
import { writeAtomic } from '../../src/write-atomic.ts';
import { sentencesFor, listParallelFiles } from '../corpus/text/parallel.ts';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import { DEFAULT_FUSION, SpeechLanguageModels, type FusionConfig } from '../../models/speech-encoder/language-model.ts';
import { WordList } from '../../models/speech-encoder/word-list.ts';
import { hasDigits, normalizeTranscript, type Vocab } from '../../models/speech-encoder/vocab.ts';
import { readManifest, type ManifestRow } from './data.ts';
import { applyAugment, planAugment, preventClipping } from '../corpus/speech/augment.ts';
import { NOISY_TEST } from '../corpus/speech/plan.ts';
import { hashSeed } from '../corpus/speech/random.ts';
import { devSubset } from './train.ts';
import type { AudioFrontEnd } from './train.ts';

// ---------------------------------------------------------------- config

export interface SpeechLmOptions {
  /** Speech encoder folder: its vocabulary and languages; the LMs are written to `<model>/lm/`. */
  model: string;
  /** Parallel text corpus (training/data/text). */
  textDir: string;
  /** Speech corpus: its dev manifest tunes the fusion; its dev/test texts are kept out of the LM. */
  corpus: string;
  /** Per-language checkpoints. */
  runDir: string;
  order: number;
  minCount: number;
  /** At most this many training sentences per language (0 = all; small values for toy runs). */
  maxSentences: number;
  /** Dev utterances for tuning (balanced across languages); 0 skips tuning (default weights). */
  tuneUtterances: number;
  /**
   * Also tune on a degraded copy of each (noise, sometimes reverb or telephone band, as the
   * noisy test set): chosen on clean synthesis alone, the weights favoured long texts and the
   * word list more than noisy and recorded speech bear.
   */
  degradedCopies: boolean;
  beamWidth: number;
  weights: number[];
  bonuses: number[];
  /** Word-list penalties tried with every weight > 0 (0 = no word-list bias). */
  oovPenalties: number[];
  /** Recount languages whose checkpoint exists. */
  force: boolean;
}

export const DEFAULT_SPEECH_LM_OPTIONS: SpeechLmOptions = {
  model: join(projectRoot, 'models', 'speech-encoder', 'default'),
  textDir: join(projectRoot, 'training', 'data', 'text'),
  corpus: join(projectRoot, 'data', 'corpus', 'speech', 'default'),
  runDir: join(projectRoot, 'runs', 'speech-lm'),
  // all 792 dev utterances, the 27,750-step model, language given: at beam 32, weight 0.5,
  // bonus 1.5, word-list penalty 1, order 5 9.70% CER, order 7 8.74%; at beam 16, weight 0.5,
  // bonus 2, no penalty, order 5 10.23%, 6 9.59%, 7 9.11% (min count 3: 9.29%, 4: 9.51%),
  // 8 with min count 4 9.74% at twice 7's size. A 7-gram's files are 9 MB gzipped.
  order: 7,
  minCount: 2,
  maxSentences: 0,
  tuneUtterances: 160,
  degradedCopies: true,
  // dev CER (160 utterances, 15,300-step model, weight 0.5, bonus 1.5): beam 16 12.05%, 32
  // 11.52%, 48 11.43%; decoding at 32 costs about RTF 0.008 on this machine, under a fifth of the network's
  beamWidth: 32,
  // measured on the dev voices: the best bonus grows with the weight, CER is flat near the ridge
  weights: [0, 0.25, 0.5, 0.75],
  bonuses: [0.5, 1, 1.5, 2, 2.5],
  oovPenalties: [0, 1, 2, 3],
  force: false,
};

// ---------------------------------------------------------------- data

/** Normalised sentences that must not reach the LM: every dev/test sentence we score on. */
export async function heldOutSentences(o: Pick<SpeechLmOptions, 'textDir' | 'corpus'>, lang: string): Promise<Set<string>> {
  const out = new Set<string>();
  const splits = new Set((await listParallelFiles(o.textDir)).map((f) => f.split).filter((s) => s !== 'train'));
  for (const split of splits) for (const s of await sentencesFor(lang, split, o.textDir)) out.add(normalizeTranscript(s));
  for (const split of ['dev', 'test', 'test-noisy']) {
    const path = join(o.corpus, `manifest.${split}.jsonl`);
    if (!existsSync(path)) continue;
    for (const r of await readManifest(path)) if (r.lang === lang) out.add(normalizeTranscript(r.text));
  }
  return out;
}

/** The LM's training text for `lang`: train-split sentences, normalised as transcripts, minus `heldOut`. */
export async function lmSentences(textDir: string, lang: string, vocab: Vocab, heldOut: Set<string>): Promise<number[][]> {
  const out: number[][] = [];
  for (const s of await sentencesFor(lang, 'train', textDir)) {
    if (hasDigits(s)) continue; // transcripts never have digits (see vocab.ts)
    const norm = normalizeTranscript(s);
    if (!norm || heldOut.has(norm)) continue;
    out.push(vocab.encode(norm));
  }
  return out;
}

// ---------------------------------------------------------------- tuning

export interface DevItem {
  lang: string;
  ref: string;
  rows: Float32Array[];
}

/** Corpus CER of decoding `items` with `lms` fused (each with its own language's LM); the encoder's own LMs are left as they were. */
export function fusionCer(encoder: SpeechEncoder, lms: SpeechLanguageModels, items: DevItem[], beamWidth: number): number {
  const own = encoder.languageModels;
  encoder.setLanguageModels(lms);
  try {
    let edits = 0;
    let chars = 0;
    for (const it of items) {
      const hyp = encoder.decodeRows(it.rows, beamWidth, it.lang);
      edits += editDistance([...it.ref], [...hyp]);
      chars += [...it.ref].length;
    }
    return chars ? edits / chars : 0;
  } finally {
    encoder.setLanguageModels(own);
  }
}

export interface TuneResult {
  fusion: FusionConfig;
  /** Dev CER without the LM (same beam) and with the chosen fusion. */
  cerNoLm: number;
  cerGreedy: number;
  cer: number;
  grid: { weight: number; bonus: number; oovPenalty: number; cer: number }[];
}

export function tuneFusion(
  encoder: SpeechEncoder,
  lms: SpeechLanguageModels,
  items: DevItem[],
  o: Pick<SpeechLmOptions, 'beamWidth' | 'weights' | 'bonuses'> & Partial<Pick<SpeechLmOptions, 'oovPenalties'>>,
  log: (s: string) => void,
): TuneResult {
  const greedy = items.reduce(
    (a, it) => {
      const hyp = encoder.decodeRows(it.rows, 1);
      return { e: a.e + editDistance([...it.ref], [...hyp]), n: a.n + [...it.ref].length };
    },
    { e: 0, n: 0 },
  );
  const grid: TuneResult['grid'] = [];
  let best = { weight: 0, bonus: 0, oovPenalty: 0, cer: Infinity };
  let cerNoLm = NaN;
  // without word lists a penalty changes nothing, so only 0 is tried
  const penalties = Object.keys(lms.wordLists).length ? (o.oovPenalties ?? [0]) : [0];
  const points = o.weights.flatMap((weight) =>
    weight === 0 ? [{ weight, bonus: 0, oovPenalty: 0 }] : o.bonuses.flatMap((bonus) => penalties.map((oovPenalty) => ({ weight, bonus, oovPenalty }))),
  );
  const t0 = Date.now();
  points.forEach(({ weight, bonus, oovPenalty }, i) => {
    const cer = fusionCer(encoder, lms.withFusion({ weight, bonus, oovPenalty, beamWidth: o.beamWidth }), items, o.beamWidth);
    if (weight === 0) cerNoLm = cer;
    grid.push({ weight, bonus, oovPenalty, cer });
    if (cer < best.cer) best = { weight, bonus, oovPenalty, cer };
    const eta = ((Date.now() - t0) / (i + 1)) * (points.length - i - 1);
    log(`[speech-lm] tune ${i + 1}/${points.length}: weight ${weight} bonus ${bonus} oov penalty ${oovPenalty} -> dev CER ${(100 * cer).toFixed(2)}% (best ${(100 * best.cer).toFixed(2)}%) ETA ${Math.round(eta / 1000)} s`);
  });
  const fusion = { weight: best.weight, bonus: best.bonus, oovPenalty: best.oovPenalty, beamWidth: o.beamWidth };
  return { fusion, cerNoLm, cerGreedy: greedy.n ? greedy.e / greedy.n : 0, cer: best.cer, grid };
}

// ---------------------------------------------------------------- main

export async function trainSpeechLm(o: SpeechLmOptions, front: AudioFrontEnd | undefined, log: (s: string) => void): Promise<{ lms: SpeechLanguageModels; tune: TuneResult | null }> {
  // The model's own front end (its level normalisation included) unless a caller supplies one.
  const encoder = await SpeechEncoder.load(o.model, front?.features ?? null);
  const audio = front ?? (await import('./audio-front-end.ts')).defaultAudioFrontEnd(encoder.config.features, encoder.config.inputLevel);
  try {
    const langs = encoder.languages.length ? [...encoder.languages] : (await listParallelFiles(o.textDir)).flatMap((f) => [f.src, f.tgt]).filter((l, i, a) => a.indexOf(l) === i);
    await mkdir(o.runDir, { recursive: true });
    const models: Record<string, CharNgramLM> = {};
    const wordLists: Record<string, WordList> = {};
    const stats: Record<string, { sentences: number; chars: number; ngrams: number; heldOutRemoved: number; words?: number }> = {};
    for (const lang of langs) {
      const ckpt = join(o.runDir, `${lang}.o${o.order}.m${o.minCount}${o.maxSentences ? `.n${o.maxSentences}` : ''}.json`);
      const heldOut = await heldOutSentences(o, lang);
      const all = (await sentencesFor(lang, 'train', o.textDir)).length;
      let sentences = await lmSentences(o.textDir, lang, encoder.vocab, heldOut);
      if (o.maxSentences > 0) sentences = sentences.slice(0, o.maxSentences);
      if (!sentences.length) throw new BabelfishError('FILE_NOT_FOUND', `no ${lang} training sentences in ${o.textDir}`);
      // the word list is the LM's own training text, so no held-out sentence reaches it either
      wordLists[lang] = WordList.fromSentences(sentences, encoder.vocab);
      if (!o.force && existsSync(ckpt)) {
        const saved = JSON.parse(await readFile(ckpt, 'utf8')) as { lm: CharNgramJson; stats: (typeof stats)[string] };
        models[lang] = CharNgramLM.fromJSON(saved.lm);
        stats[lang] = { ...saved.stats, words: wordLists[lang].size };
        log(`[speech-lm] ${lang}: from checkpoint ${ckpt} (${wordLists[lang].size} words)`);
        continue;
      }
      const t0 = Date.now();
      log(`[speech-lm] ${lang}: counting ${o.order}-grams over ${sentences.length} sentences (${all - sentences.length} left out: digits or dev/test text)`);
      const lm = CharNgramLM.train(sentences, encoder.vocab.size, { order: o.order, minCount: o.minCount });
      models[lang] = lm;
      stats[lang] = { sentences: sentences.length, chars: sentences.reduce((a, s) => a + s.length, 0), ngrams: lm.size, heldOutRemoved: all - sentences.length, words: wordLists[lang].size };
      await writeAtomic(ckpt, JSON.stringify({ lm: lm.toJSON(), stats: stats[lang] }));
      log(`[speech-lm] ${lang}: ${lm.size} n-grams, ${wordLists[lang].size} words in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    let lms = new SpeechLanguageModels(models, DEFAULT_FUSION, { order: o.order, minCount: o.minCount, textDir: 'training/data/text (train split)', stats }, wordLists);
    let tune: TuneResult | null = null;
    if (o.tuneUtterances > 0) {
      const devRows = devSubset(
        (await readManifest(join(o.corpus, 'manifest.dev.jsonl'))).filter((r: ManifestRow) => !hasDigits(r.text) && langs.includes(r.lang)),
        o.tuneUtterances,
      );
      log(`[speech-lm] tuning on ${devRows.length} dev utterances${o.degradedCopies ? ' and a degraded copy of each' : ''}: computing log-probabilities`);
      const items: DevItem[] = [];
      const rate = encoder.sampleRate;
      for (const r of devRows) {
        const ref = normalizeTranscript(r.text);
        if (!ref) continue;
        const samples = await audio.loadAudio(r.audio);
        items.push({ lang: r.lang, ref, rows: encoder.logProbs(encoder.requireFeatures().compute(samples)).rows });
        if (!o.degradedCopies) continue;
        const plan = planAugment(NOISY_TEST, hashSeed('speech-lm-tuning', r.lang, r.text))!;
        items.push({ lang: r.lang, ref, rows: encoder.logProbs(encoder.requireFeatures().compute(preventClipping(applyAugment(samples, rate, plan)))).rows });
      }
      tune = tuneFusion(encoder, lms, items, o, log);
      lms = lms.withFusion(tune.fusion);
      log(`[speech-lm] dev CER: greedy ${(100 * tune.cerGreedy).toFixed(2)}%, beam ${o.beamWidth} without LM ${(100 * tune.cerNoLm).toFixed(2)}%, with LM ${(100 * tune.cer).toFixed(2)}% (weight ${tune.fusion.weight}, bonus ${tune.fusion.bonus}, oov penalty ${tune.fusion.oovPenalty})`);
      const noWords = tune.grid.filter((g) => g.oovPenalty === 0).reduce((a, g) => Math.min(a, g.cer), Infinity);
      lms = new SpeechLanguageModels(
        lms.models,
        lms.fusion,
        { ...lms.trainedOn, tuning: { devUtterances: items.length / (o.degradedCopies ? 2 : 1), degradedCopies: o.degradedCopies, beamWidth: o.beamWidth, cerGreedy: tune.cerGreedy, cerNoLm: tune.cerNoLm, cerNoWordList: noWords, cer: tune.cer } },
        lms.wordLists,
      );
    }
    await lms.save(o.model);
    log(`[speech-lm] wrote ${join(o.model, 'lm')}`);
    return { lms, tune };
  } finally {
    encoder.dispose();
  }
}

export const SPEECH_LM_USAGE = `babelfish train speech-lm [flags]

Trains one character n-gram LM (interpolated Kneser-Ney) per language of the speech encoder
on the text corpus's train split (dev/test sentences left out) and the list of its words,
chooses the beam-search fusion weights and the penalty for words not in the list on the
speech corpus's dev utterances, and writes <model>/lm/.

  --model DIR            speech encoder folder (${DEFAULT_SPEECH_LM_OPTIONS.model})
  --text DIR             parallel text corpus (${DEFAULT_SPEECH_LM_OPTIONS.textDir})
  --corpus DIR           speech corpus for tuning (${DEFAULT_SPEECH_LM_OPTIONS.corpus})
  --run-dir DIR          per-language checkpoints (${DEFAULT_SPEECH_LM_OPTIONS.runDir})
  --order N              n-gram order (${DEFAULT_SPEECH_LM_OPTIONS.order})
  --min-count N          prune n-grams of order >= 3 seen fewer times (${DEFAULT_SPEECH_LM_OPTIONS.minCount})
  --max-sentences N      at most N training sentences per language, 0 = all (${DEFAULT_SPEECH_LM_OPTIONS.maxSentences})
  --tune-utterances N    dev utterances for tuning, 0 = keep default weights (${DEFAULT_SPEECH_LM_OPTIONS.tuneUtterances})
  --clean-only           tune on the dev utterances as recorded, without a degraded copy of each
  --beam N               beam width used with the LM (${DEFAULT_SPEECH_LM_OPTIONS.beamWidth})
  --weights a,b,...      LM weights the tuning tries (${DEFAULT_SPEECH_LM_OPTIONS.weights.join(',')}; 0 = beam without LM)
  --bonuses a,b,...      per-character bonuses it tries (${DEFAULT_SPEECH_LM_OPTIONS.bonuses.join(',')})
  --oov-penalties a,...  word-list penalties it tries (${DEFAULT_SPEECH_LM_OPTIONS.oovPenalties.join(',')})
  --force                recount languages that have a checkpoint`;

/** The options `babelfish train speech-lm <flags>` asks for, or null for --help. */
export function parseSpeechLmArgs(argv: string[]): SpeechLmOptions | null {
  const { values } = parseCommandArgs(argv, {
    model: { type: 'string' },
    text: { type: 'string' },
    corpus: { type: 'string' },
    'run-dir': { type: 'string' },
    order: { type: 'string' },
    'min-count': { type: 'string' },
    'tune-utterances': { type: 'string' },
    'max-sentences': { type: 'string' },
    beam: { type: 'string' },
    force: { type: 'boolean' },
    'clean-only': { type: 'boolean' },
    weights: { type: 'string' },
    bonuses: { type: 'string' },
    'oov-penalties': { type: 'string' },
  });
  if (values.help) return null;
  const int = (name: string, v: string | undefined, dflt: number, min: number) => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new BabelfishError('BAD_ARGUMENT', `--${name} needs an integer >= ${min}, got '${v}'`);
    return n;
  };
  const list = (name: string, v: string | undefined, dflt: number[]) => {
    if (v === undefined) return dflt;
    const xs = v.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
    if (!xs.length || xs.some((x) => !Number.isFinite(x) || x < 0)) throw new BabelfishError('BAD_ARGUMENT', `--${name} needs comma-separated numbers >= 0, got '${v}'`);
    return xs;
  };
  const d = DEFAULT_SPEECH_LM_OPTIONS;
  const o: SpeechLmOptions = {
    ...d,
    model: values.model ?? d.model,
    textDir: values.text ?? d.textDir,
    corpus: values.corpus ?? d.corpus,
    runDir: values['run-dir'] ?? d.runDir,
    order: int('order', values.order, d.order, 1),
    minCount: int('min-count', values['min-count'], d.minCount, 1),
    maxSentences: int('max-sentences', values['max-sentences'], d.maxSentences, 0),
    tuneUtterances: int('tune-utterances', values['tune-utterances'], d.tuneUtterances, 0),
    beamWidth: int('beam', values.beam, d.beamWidth, 2),
    force: values.force === true,
    degradedCopies: values['clean-only'] !== true,
    weights: list('weights', values.weights, d.weights),
    bonuses: list('bonuses', values.bonuses, d.bonuses),
    oovPenalties: list('oov-penalties', values['oov-penalties'], d.oovPenalties),
  };
  return o;
}

export async function runTrainSpeechLm(argv: string[], front?: AudioFrontEnd): Promise<number> {
  const o = parseSpeechLmArgs(argv);
  if (!o) {
    process.stdout.write(SPEECH_LM_USAGE + '\n');
    return 0;
  }
  await initBackend();
  await trainSpeechLm(o, front, (s) => process.stderr.write(s + '\n'));
  return 0;
}
