/** The speech encoder's character LMs: fusion in the beam search, saving with the model, training and tuning. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { CharNgramLM } from '../../src/text/char-ngram.ts';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import { SpeechLanguageModels } from '../../models/speech-encoder/language-model.ts';
import { defaultVocab } from '../../models/speech-encoder/vocab.ts';
import { WordList } from '../../models/speech-encoder/word-list.ts';
import { DEFAULT_SPEECH_LM_OPTIONS, heldOutSentences, lmSentences, parseSpeechLmArgs, tuneFusion, type DevItem } from '../../training/speech-encoder/train-lm.ts';
import { writeTsv } from '../../training/corpus/text/tsv.ts';
import { mulberry32 } from '../../src/random.ts';
import { prefixBeamSearch } from '../../src/ctc/decode.ts';

const vocab = defaultVocab();
const enText = ['the cat sat', 'the cat ran', 'a cat sat on the mat', 'the hat', 'that cat'];

/**
 * Log-probability rows that spell `text` one character per frame with a blank between, except
 * that at `confusable` positions the acoustics prefer `wrong` a little over the right letter.
 */
function rowsFor(text: string, confusable: Map<number, string>): Float32Array[] {
  const V = vocab.size;
  const rows: Float32Array[] = [];
  const row = (probs: Map<number, number>) => {
    const r = new Float32Array(V).fill(Math.log(1e-4));
    for (const [id, p] of probs) r[id] = Math.log(p);
    return r;
  };
  [...text].forEach((ch, i) => {
    const right = vocab.encode(ch === ' ' ? 'a b' : ch)[ch === ' ' ? 1 : 0];
    const wrong = confusable.get(i);
    rows.push(wrong ? row(new Map([[vocab.encode(wrong)[0], 0.5], [right, 0.45]])) : row(new Map([[right, 0.95]])));
    rows.push(row(new Map([[0, 0.95]])));
  });
  return rows;
}

describe('speech encoder + character LM', () => {
  let encoder: SpeechEncoder;
  let lms: SpeechLanguageModels;
  let dir: string;

  beforeAll(async () => {
    await initBackend();
    encoder = SpeechEncoder.build({ hidden: 16, frontEndChannels: 16, dilations: [1], numMels: 8, languages: ['en', 'es'] });
    const en = CharNgramLM.train(enText.map((s) => vocab.encode(s)), vocab.size, { order: 4, minCount: 1 });
    const es = CharNgramLM.train(['el gato', 'la casa'].map((s) => vocab.encode(s)), vocab.size, { order: 4, minCount: 1 });
    const words = { en: WordList.fromSentences(enText.map((s) => vocab.encode(s)), vocab) };
    lms = new SpeechLanguageModels({ en, es }, { weight: 1, bonus: 0.5, beamWidth: 6, oovPenalty: 0 }, {}, words);
    dir = await mkdtemp(join(tmpdir(), 'bf-speech-lm-'));
  });
  afterAll(async () => {
    encoder.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets the LM correct an acoustically ambiguous letter, only for the LM language and only when asked', () => {
    // "the cat" with the acoustics preferring "the cet"
    const rows = rowsFor('the cat', new Map([[5, 'e']]));
    encoder.setLanguageModels(null);
    expect(encoder.decodeRows(rows, 6, 'en')).toBe('the cet');
    encoder.setLanguageModels(lms);
    expect(encoder.decodeRows(rows, 6, 'en')).toBe('the cat');
    expect(encoder.decodeRows(rows, 6, 'en', false)).toBe('the cet');
    // no LM for fr; greedy never uses one
    expect(encoder.decodeRows(rows, 6, 'fr')).toBe('the cet');
    expect(encoder.decodeRows(rows, 1, 'en')).toBe('the cet');
    // the model's default beam is the LM's
    expect(encoder.beamWidthFor({})).toBe(6);
    expect(encoder.beamWidthFor({ useLm: false })).toBe(1);
    expect(encoder.beamWidthFor({ beamWidth: 3 })).toBe(3);
  });

  it('streams with the LM: chunked decoding gives the whole-signal text, for a given language and for auto', () => {
    // with the word-list penalty on, so its hooks are streamed too
    encoder.setLanguageModels(lms.withFusion({ oovPenalty: 2 }));
    const frames = 160;
    // features whose two halves sound different enough that the (untrained) language head
    // changes its mind midway: the first seed that does so, judged by whole-prefix decoding
    const make = (seed: number) => {
      const r = mulberry32(seed);
      const [a, b] = [4 * r() - 2, 4 * r() - 2];
      return { data: new Float32Array(frames * 8).map((_, i) => (i < frames * 4 ? a : b) + 2 * r() - 1), frames, bins: 8 };
    };
    const leadAfter = (f: { data: Float32Array }, n: number) =>
      encoder.resolveLanguage(encoder.logProbs({ data: f.data.slice(0, n * 8), frames: n, bins: 8 }).langProbs).lang;
    // a random head (the untrained one is zero: always the first language), sharp enough to flip
    const headW = encoder.weights['lang/w'];
    const savedW = headW.clone();
    headW.assign(tf.randomNormal(headW.shape, 0, 3, 'float32', 7));
    let feats = make(1);
    for (let seed = 1; seed < 40; seed++) {
      feats = make(seed);
      if (leadAfter(feats, 48) !== leadAfter(feats, frames)) break;
    }
    const prefix = (n: number) => ({ data: feats.data.slice(0, n * 8), frames: n, bins: 8 });
    const leads = new Set<string>(); // languages the head preferred along the auto stream
    for (const lang of ['en', 'es', undefined]) {
      const whole = encoder.transcribeFeatures(feats, { lang });
      const s = encoder.stream({ lang });
      for (let at = 0; at < frames; at += 8) {
        const partial = s.pushFeatures({ data: feats.data.slice(at * 8, (at + 8) * 8), frames: 8, bins: 8 });
        // the partial is the leading beam (no end term) of the LM of the language given, or
        // of the one the head prefers on the frames so far, over all frames so far
        const heard = encoder.logProbs(prefix(at + 8));
        if (!heard.rows.length) continue;
        const lead = lang ?? encoder.resolveLanguage(heard.langProbs).lang!;
        if (!lang) leads.add(lead);
        const options = { ...encoder.beamSearchOptions(6, lead), lmEnd: undefined };
        expect(partial).toBe(vocab.decode(prefixBeamSearch(heard.rows, options)[0].labels));
      }
      const done = s.finishSync();
      expect(done.text).toBe(whole.text);
      expect(done.lang).toBe(whole.lang);
      expect(done.text).toBe(encoder.decodeRows(encoder.logProbs(feats).rows, 6, lang ?? whole.lang));
    }
    headW.assign(savedW);
    savedW.dispose();
    // the head did change its mind, so a search caught up on frames it had not seen
    expect(leads.size).toBeGreaterThan(1);
  });

  it('chooses between the head\'s two likeliest languages by search score plus log head probability', () => {
    encoder.setLanguageModels(lms);
    const rows = rowsFor('the cat', new Map());
    const best = (lang: string) => prefixBeamSearch(rows, encoder.beamSearchOptions(6, lang))[0];
    // the head leans to Spanish, but only the English LM makes "the cat" likely
    const leaning = encoder.chooseLanguageBySearch(Float32Array.from([0.3, 0.7]), true, 6, best)!;
    expect(leaning.lang).toBe('en');
    expect(vocab.decode(leaning.hypothesis!.labels)).toBe('the cat');
    // the rule itself, on made-up search scores: en -50 + ln 0.6 = -50.51 against es -40 + ln 0.4 = -40.92
    const fake = (scores: Record<string, number>) => (lang: string) => ({ labels: [], logProb: scores[lang] });
    expect(encoder.chooseLanguageBySearch(Float32Array.from([0.6, 0.4]), true, 6, fake({ en: -50, es: -40 }))!.lang).toBe('es');
    // en -50 + ln 0.6 = -50.51 against es -50.2 + ln 0.4 = -51.12
    expect(encoder.chooseLanguageBySearch(Float32Array.from([0.6, 0.4]), true, 6, fake({ en: -50, es: -50.2 }))!.lang).toBe('en');
    // nothing to choose: greedy, no LMs, or no head
    expect(encoder.chooseLanguageBySearch(Float32Array.from([0.6, 0.4]), true, 1, best)).toBeNull();
    expect(encoder.chooseLanguageBySearch(Float32Array.from([0.6, 0.4]), false, 6, best)).toBeNull();
    expect(encoder.chooseLanguageBySearch(null, true, 6, best)).toBeNull();
  });

  it('a word list takes its penalty off words it lacks, in the middle and at the end of the text, and only there', () => {
    // no character LM at all (weight 0), so only the word list can prefer "cat"
    const wordsOnly = (oovPenalty: number) => lms.withFusion({ weight: 0, bonus: 0, oovPenalty });
    const decode = (text: string, confusable: Map<number, string>, oovPenalty: number) => {
      encoder.setLanguageModels(wordsOnly(oovPenalty));
      return encoder.decodeRows(rowsFor(text, confusable), 6, 'en');
    };
    expect(decode('the cat', new Map([[5, 'e']]), 0)).toBe('the cet');
    expect(decode('the cat', new Map([[5, 'e']]), 2)).toBe('the cat'); // "cet" judged by the end term
    expect(decode('the cat sat', new Map([[5, 'e']]), 2)).toBe('the cat sat'); // by the space after it
    // soft: a word the list lacks is still written when the acoustics are clear
    expect(decode('the dog sat', new Map(), 2)).toBe('the dog sat');
    // exactly the penalty per unknown word: the hooks' sum over a text against a hand count
    const { lm, lmEnd } = wordsOnly(1.5).beamOptions('en')!;
    const score = (text: string) => {
      const ids = vocab.encode(text);
      return ids.reduce((a, c, i) => a + lm!(ids.slice(0, i), c), 0) + lmEnd!(ids);
    };
    expect(score('the cat sat')).toBeCloseTo(0, 12);
    expect(score('the dog sat')).toBeCloseTo(-1.5, 12);
    expect(score('dog the cow')).toBeCloseTo(-3, 12);
    // a language without a word list decodes as before
    expect(wordsOnly(2).beamOptions('es')!.lm!(vocab.encode('zz'), vocab.symbols.indexOf(' '))).toBe(0);
    encoder.setLanguageModels(null);
  });

  it('saves the LMs with the model and loads them back; a folder without lm/ has none', async () => {
    encoder.setLanguageModels(lms.withFusion({ oovPenalty: 2 }));
    await encoder.save(join(dir, 'with'));
    const back = await SpeechEncoder.load(join(dir, 'with'));
    try {
      expect(back.languageModels?.languages.sort()).toEqual(['en', 'es']);
      expect(back.languageModels?.fusion).toEqual({ weight: 1, bonus: 0.5, beamWidth: 6, oovPenalty: 2 });
      expect(Object.keys(back.languageModels!.wordLists)).toEqual(['en']);
      expect(back.languageModels!.wordLists.en.words()).toEqual(lms.wordLists.en.words());
      const ctx = vocab.encode('the c');
      expect(Array.from(back.languageModels!.models.en.distribution(ctx))).toEqual(Array.from(lms.models.en.distribution(ctx)));
    } finally {
      back.dispose();
    }
    // the n-grams are stored gzipped; a folder saved before that (plain <lang>.json) reads the same
    const lmDir = join(dir, 'with', 'lm');
    expect(existsSync(join(lmDir, 'en.json.gz'))).toBe(true);
    expect(existsSync(join(lmDir, 'en.json'))).toBe(false);
    for (const lang of lms.languages) {
      await writeFile(join(lmDir, `${lang}.json`), gunzipSync(await readFile(join(lmDir, `${lang}.json.gz`))));
      await rm(join(lmDir, `${lang}.json.gz`));
    }
    const plainJson = await SpeechEncoder.load(join(dir, 'with'));
    const ctx2 = vocab.encode('the c');
    expect(Array.from(plainJson.languageModels!.models.en.distribution(ctx2))).toEqual(Array.from(lms.models.en.distribution(ctx2)));
    // saving over it writes the compressed form and leaves no stale plain copy
    await plainJson.save(join(dir, 'with'));
    expect(existsSync(join(lmDir, 'en.json'))).toBe(false);
    expect(existsSync(join(lmDir, 'en.json.gz'))).toBe(true);
    plainJson.dispose();
    // a folder saved before word lists: no lists, no penalty, decoding as it was
    const configPath = join(dir, 'with', 'lm', 'config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8'));
    delete config.wordLists;
    delete config.fusion.oovPenalty;
    await writeFile(configPath, JSON.stringify(config));
    const old = await SpeechEncoder.load(join(dir, 'with'));
    expect(old.languageModels?.fusion.oovPenalty).toBe(0);
    expect(old.languageModels?.wordLists).toEqual({});
    old.dispose();
    encoder.setLanguageModels(null);
    await encoder.save(join(dir, 'without'));
    const plain = await SpeechEncoder.load(join(dir, 'without'));
    expect(plain.languageModels).toBeNull();
    plain.dispose();
  });

  it('says clearly what is wrong with a broken lm/ folder', async () => {
    encoder.setLanguageModels(lms);
    await encoder.save(join(dir, 'broken'));
    await rm(join(dir, 'broken', 'lm', 'en.words.txt'));
    await expect(SpeechEncoder.load(join(dir, 'broken'))).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringMatching(/en\.words\.txt/) });
    await writeFile(join(dir, 'broken', 'lm', 'es.json.gz'), 'not gzip');
    await expect(SpeechEncoder.load(join(dir, 'broken'))).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringMatching(/es\.json\.gz/) });
    await rm(join(dir, 'broken', 'lm', 'es.json.gz'));
    await expect(SpeechEncoder.load(join(dir, 'broken'))).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringMatching(/es\.json/) });
    await writeFile(join(dir, 'broken', 'lm', 'config.json'), '{ not json');
    await expect(SpeechEncoder.load(join(dir, 'broken'))).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    // an LM over another vocabulary
    const other = CharNgramLM.train([[1, 2, 3]], 10, { order: 2 });
    expect(() => encoder.setLanguageModels(new SpeechLanguageModels({ en: other }))).toThrow(/10 symbols/);
  });

  it('tuning keeps the grid point with the lowest dev CER and reports the no-LM baseline', () => {
    const items: DevItem[] = [
      { lang: 'en', ref: 'the cat', rows: rowsFor('the cat', new Map([[5, 'e']])) },
      { lang: 'en', ref: 'the hat', rows: rowsFor('the hat', new Map([[4, 'c']])) },
      { lang: 'en', ref: 'that cat', rows: rowsFor('that cat', new Map()) },
    ];
    const r = tuneFusion(encoder, lms, items, { beamWidth: 6, weights: [0, 0.5, 1], bonuses: [0, 1], oovPenalties: [0, 2] }, () => {});
    expect(r.grid).toHaveLength(9); // weight 0 needs no bonus or penalty sweep
    expect(r.grid.filter((g) => g.oovPenalty === 2)).toHaveLength(4);
    expect(r.cer).toBe(Math.min(...r.grid.map((g) => g.cer)));
    expect(r.cerNoLm).toBe(r.grid.find((g) => g.weight === 0)!.cer);
    expect(r.cerNoLm).toBeGreaterThan(0); // the acoustics alone get two letters wrong
    expect(r.cer).toBeLessThan(r.cerNoLm);
    expect(r.grid.find((g) => g.weight === r.fusion.weight && g.bonus === r.fusion.bonus && g.oovPenalty === r.fusion.oovPenalty)!.cer).toBe(r.cer);
    // without word lists there is no penalty to sweep
    const plain = new SpeechLanguageModels(lms.models, lms.fusion);
    expect(tuneFusion(encoder, plain, items, { beamWidth: 6, weights: [0, 1], bonuses: [0], oovPenalties: [0, 2] }, () => {}).grid).toHaveLength(2);
  });

  it('trains on the train split only: dev/test sentences and the speech corpus dev/test texts are left out', async () => {
    const text = join(dir, 'text');
    const corpus = join(dir, 'corpus');
    await mkdir(text, { recursive: true });
    await mkdir(corpus, { recursive: true });
    await writeTsv(join(text, 'en-es.train.tsv.gz'), [
      ['The cat sat.', 'El gato.'],
      ['A held-out line.', 'Una.'],
      ['Spoken in the dev voices.', 'Dos.'],
      ['It has 3 digits.', 'Tres.'],
    ]);
    await writeTsv(join(text, 'en-es.test.tsv.gz'), [['A held out line!', 'Una.']]);
    await writeFile(join(corpus, 'manifest.dev.jsonl'), JSON.stringify({ audio: 'a.wav', lang: 'en', text: 'Spoken in the dev voices' }) + '\n');
    const held = await heldOutSentences({ textDir: text, corpus }, 'en');
    expect(held.has('a held out line')).toBe(true);
    expect(held.has('spoken in the dev voices')).toBe(true);
    const got = (await lmSentences(text, 'en', vocab, held)).map((ids) => vocab.decode(ids));
    expect(got).toEqual(['the cat sat']);
  });

  it('train speech-lm flags: the tuning grid can be narrowed; bad lists are BAD_ARGUMENT', () => {
    const o = parseSpeechLmArgs(['--order', '7', '--weights', '0.5, 0.75', '--bonuses', '1.5,2', '--oov-penalties', '0,1', '--tune-utterances', '800'])!;
    expect([o.order, o.weights, o.bonuses, o.oovPenalties, o.tuneUtterances]).toEqual([7, [0.5, 0.75], [1.5, 2], [0, 1], 800]);
    expect(parseSpeechLmArgs([])!.weights).toEqual(DEFAULT_SPEECH_LM_OPTIONS.weights);
    expect(parseSpeechLmArgs(['--help'])).toBeNull();
    for (const argv of [['--weights', '0.5,x'], ['--bonuses', '-1'], ['--oov-penalties', ''], ['--order', '0']]) {
      expect(() => parseSpeechLmArgs(argv), argv.join(' ')).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    }
  });
});
