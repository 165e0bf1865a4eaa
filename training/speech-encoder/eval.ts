/**
 * `babelfish eval speech-encoder`: CER and WER per language of a trained model on a
 * manifest (by default the corpus's test split, whose voices training never heard).
 */
import { join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { projectRoot } from '../../src/paths.ts';
import { parseCommandArgs } from '../../src/cli/args.ts';
import { BabelfishError } from '../../src/errors.ts';
import { SpeechEncoder, type TranscribeOptions } from '../../models/speech-encoder/model.ts';
import { hasDigits, normalizeTranscript } from '../../models/speech-encoder/vocab.ts';
import { readFile } from 'node:fs/promises';
import { readManifest, type ManifestRow } from './data.ts';
import { editDistance } from '../../src/metrics/cer.ts';
import type { AudioFrontEnd } from './train.ts';
import { nonSpeechClips } from './non-speech.ts';
import { writeAtomic } from '../../src/write-atomic.ts';
import { checkSampleRate, resample } from '../../src/audio/resample.ts';

export const EVAL_USAGE = `babelfish eval speech-encoder [--model dir] [--manifest file | --corpus dir] [--beam n] [--no-lm] [--limit n] [--gain-db x] [--through-rate hz] [--non-speech n] [--given-lang] [--out file] [--json]

Transcribes every row of the manifest and prints CER and WER per language
(corpus-level: total edits / total reference length, references normalised as
training targets; rows whose text has digits are skipped).

  --model     model folder (default models/speech-encoder/default)
  --corpus    corpus folder; the manifest is <corpus>/manifest.test.jsonl (default data/corpus/speech/default)
  --manifest  a manifest JSONL file (overrides --corpus)
  --beam      prefix beam width (default: the model's LM beam, lm/config.json's, when its
              folder has lm/; else 1 = greedy)
  --no-lm     decode without the character LMs
  --limit     only the first n rows
  --gain-db   scale every recording by this many dB first (--gain-db=-20: a quiet mic), to
              measure how the recogniser copes with levels other than the corpus's
  --through-rate  resample every recording to this rate and back first (--through-rate 8000:
              the 4 kHz band of a Bluetooth headset in telephone mode or a phone line)
  --latency   also stream each utterance in 100 ms chunks and measure, against the
              corpus's word timings, how long after a word ends it appears in full in
              the partial hypothesis
  --non-speech  also transcribe n generated clips without speech (noise, mains hum,
              near-silence, noise bursts; default 40, 0 = none) and report how many got
              text: a recogniser should write nothing on them
  --given-lang  tell the decoder each row's language (its LM, no detection), as a user
              who picks the language does; the language-id column still scores the head
  --out       also write every scored utterance to this JSONL file (id, audio, lang, the
              detected language, reference, hypothesis, character edits), to read the errors
  --json      print JSON instead of a table`;

export interface LanguageScore {
  lang: string;
  utterances: number;
  cer: number;
  wer: number;
  /** Share of utterances whose language the model's head got right (null without a head). */
  langAccuracy: number | null;
}

export interface LatencyReport {
  /** Words measured (from utterances whose final word count matches the reference). */
  words: number;
  utterances: number;
  /** Seconds from a word's end (espeak timing) to the chunk after which the partial shows it in full. */
  median: number;
  p90: number;
  mean: number;
  /** Seconds of streaming compute (pushes and finish) per second of audio, over the streamed utterances. */
  streamingRtf: number;
  /** Median milliseconds `finish()` takes after the last chunk: what the final text adds once the audio ends. */
  finishMs: number;
}

export interface EvalReport {
  perLanguage: LanguageScore[];
  overall: LanguageScore;
  /** Seconds of compute per second of audio. */
  rtf: number;
  /** How the text was decoded: "greedy", "beam 8" or "beam 8 + LM". */
  decoding: string;
  latency?: LatencyReport;
  nonSpeech?: NonSpeechReport;
}

/** What the model writes on clips without speech (ideally nothing). */
export interface NonSpeechScore {
  clips: number;
  /** Clips that got any text. */
  withText: number;
  /** Characters written per second of non-speech audio. */
  charsPerSecond: number;
}

export interface NonSpeechReport extends NonSpeechScore {
  perKind: Record<string, NonSpeechScore>;
}

/** How many non-speech clips `eval speech-encoder` and `eval all` transcribe by default. */
export const DEFAULT_NON_SPEECH_CLIPS = 40;

/** The seed of the evaluation's non-speech clips; training draws its own from its --seed. */
export const NON_SPEECH_EVAL_SEED = 0x5eed_e7a1;

/**
 * Streams `samples` in `chunkSeconds` pushes and returns, for each final word, the time
 * (end of the chunk) at which the partial hypothesis first shows it in full.
 */
export async function wordAppearanceTimes(
  encoder: SpeechEncoder,
  samples: Float32Array,
  chunkSeconds = 0.1,
  options: TranscribeOptions = {},
): Promise<{ words: string[]; times: number[]; computeMs: number; finishMs: number }> {
  const sr = encoder.sampleRate;
  const chunk = Math.round(chunkSeconds * sr);
  const t0 = performance.now();
  const s = encoder.stream(options);
  const partials: { t: number; words: string[] }[] = [];
  for (let i = 0; i < samples.length; i += chunk) {
    const p = await s.push(samples.subarray(i, i + chunk));
    partials.push({ t: Math.min(samples.length, i + chunk) / sr, words: p ? p.split(' ') : [] });
  }
  const t1 = performance.now();
  const final = await s.finish();
  const t2 = performance.now();
  const words = final.text ? final.text.split(' ') : [];
  const end = samples.length / sr;
  const times = words.map((w, i) => partials.find((p) => p.words[i] === w)?.t ?? end);
  return { words, times, computeMs: t2 - t0, finishMs: t2 - t1 };
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

interface Tally {
  chars: number;
  charEdits: number;
  words: number;
  wordEdits: number;
  n: number;
  langRight: number;
}

/** Transcribes `count` held-out non-speech clips (noise, hum, near-silence, bursts) and counts what comes out. */
export async function evaluateNonSpeech(encoder: SpeechEncoder, count: number, options: TranscribeOptions = {}): Promise<NonSpeechReport> {
  const tallies = new Map<string, { clips: number; withText: number; chars: number; seconds: number }>();
  for (const clip of nonSpeechClips(NON_SPEECH_EVAL_SEED, count, { sampleRate: encoder.sampleRate })) {
    const { text } = await encoder.transcribe(clip.samples, options);
    for (const key of [clip.kind, 'all']) {
      const t = tallies.get(key) ?? { clips: 0, withText: 0, chars: 0, seconds: 0 };
      t.clips++;
      if (text) t.withText++;
      t.chars += [...text].length;
      t.seconds += clip.samples.length / encoder.sampleRate;
      tallies.set(key, t);
    }
  }
  const score = (t: { clips: number; withText: number; chars: number; seconds: number } | undefined): NonSpeechScore =>
    t ? { clips: t.clips, withText: t.withText, charsPerSecond: t.seconds ? t.chars / t.seconds : 0 } : { clips: 0, withText: 0, charsPerSecond: 0 };
  const perKind = Object.fromEntries([...tallies.entries()].filter(([k]) => k !== 'all').map(([k, t]) => [k, score(t)]));
  return { ...score(tallies.get('all')), perKind };
}

/**
 * The language the recogniser settles on: the transcript's own when it was not told one (the head
 * and the LM-scored choice between its two likeliest, as the server reports it), else the head's.
 */
function detectedLanguage(r: { lang?: string; langProbs?: Record<string, number> }, given: boolean): string | undefined {
  if (!given || !r.langProbs) return r.lang;
  return Object.entries(r.langProbs).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}

/** Scores `encoder` on manifest rows; `transcripts` receives each (ref, hyp) if given. */
export async function evaluateSpeechEncoder(
  encoder: SpeechEncoder,
  rows: ManifestRow[],
  front: AudioFrontEnd,
  options: {
    beamWidth?: number;
    useLm?: boolean;
    latency?: boolean;
    /** Also transcribe this many held-out non-speech clips (0 or absent: none). */
    nonSpeechClips?: number;
    /** Tell the decoder each row's language, as a user who picks it does (its LM, no detection); language id still scores the head. */
    givenLanguage?: boolean;
    onUtterance?: (row: ManifestRow, hyp: string, ref: string, detected: string | undefined) => void;
  } = {},
): Promise<EvalReport> {
  const tallies = new Map<string, Tally>();
  const latencies: number[] = [];
  let latencyUtterances = 0;
  const finishMs: number[] = [];
  let streamMs = 0;
  let streamSec = 0;
  let computeMs = 0;
  let audioSec = 0;
  for (const row of rows) {
    if (hasDigits(row.text)) continue;
    const ref = normalizeTranscript(row.text);
    if (!ref) continue;
    const samples = await front.loadAudio(row.audio);
    const t0 = performance.now();
    const r = await encoder.transcribe(samples, { beamWidth: options.beamWidth, useLm: options.useLm, ...(options.givenLanguage ? { lang: row.lang } : {}) });
    computeMs += performance.now() - t0;
    audioSec += samples.length / front.features.sampleRate;
    options.onUtterance?.(row, r.text, ref, detectedLanguage(r, !!options.givenLanguage));
    const t = tallies.get(row.lang) ?? { chars: 0, charEdits: 0, words: 0, wordEdits: 0, n: 0, langRight: 0 };
    const refWords = ref.split(' ');
    t.chars += [...ref].length;
    t.charEdits += editDistance([...ref], [...r.text]);
    t.words += refWords.length;
    t.wordEdits += editDistance(refWords, r.text ? r.text.split(' ') : []);
    t.n++;
    if (detectedLanguage(r, !!options.givenLanguage) === row.lang) t.langRight++;
    tallies.set(row.lang, t);
    if (options.latency && row.align) {
      const align = JSON.parse(await readFile(row.align, 'utf8')) as { words?: { end: number }[] };
      const { times, computeMs: ms, finishMs: fin } = await wordAppearanceTimes(encoder, samples, 0.1, { beamWidth: options.beamWidth, useLm: options.useLm });
      streamMs += ms;
      streamSec += samples.length / front.features.sampleRate;
      finishMs.push(fin);
      if (align.words && times.length === refWords.length && align.words.length === refWords.length) {
        times.forEach((t, i) => latencies.push(t - align.words![i].end));
        latencyUtterances++;
      }
    }
  }
  const hasHead = encoder.config.languages.length > 0;
  const score = (lang: string, t: Tally): LanguageScore => ({
    lang,
    utterances: t.n,
    cer: t.chars ? t.charEdits / t.chars : 0,
    wer: t.words ? t.wordEdits / t.words : 0,
    langAccuracy: hasHead && t.n ? t.langRight / t.n : null,
  });
  const perLanguage = [...tallies.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([l, t]) => score(l, t));
  const sum = [...tallies.values()].reduce(
    (a, t) => ({ chars: a.chars + t.chars, charEdits: a.charEdits + t.charEdits, words: a.words + t.words, wordEdits: a.wordEdits + t.wordEdits, n: a.n + t.n, langRight: a.langRight + t.langRight }),
    { chars: 0, charEdits: 0, words: 0, wordEdits: 0, n: 0, langRight: 0 },
  );
  const beam = encoder.beamWidthFor(options);
  const decoding = beam <= 1 ? 'greedy' : `beam ${beam}${options.useLm !== false && encoder.languageModels ? ' + LM' : ''}`;
  const report: EvalReport = { perLanguage, overall: score('all', sum), rtf: audioSec ? computeMs / 1000 / audioSec : 0, decoding };
  if (options.nonSpeechClips) report.nonSpeech = await evaluateNonSpeech(encoder, options.nonSpeechClips, { beamWidth: options.beamWidth, useLm: options.useLm });
  if (options.latency) {
    const sorted = [...latencies].sort((a, b) => a - b);
    report.latency = {
      words: sorted.length,
      utterances: latencyUtterances,
      median: quantile(sorted, 0.5),
      p90: quantile(sorted, 0.9),
      mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN,
      streamingRtf: streamSec ? streamMs / 1000 / streamSec : NaN,
      finishMs: quantile([...finishMs].sort((a, b) => a - b), 0.5),
    };
  }
  return report;
}

export function formatReport(r: EvalReport): string {
  const pct = (v: number | null) => (v === null ? '   -' : `${(100 * v).toFixed(1)}%`.padStart(6));
  const lines = ['lang  utts     CER     WER  lang-id'];
  for (const s of [...r.perLanguage, r.overall]) {
    lines.push(`${s.lang.padEnd(4)} ${String(s.utterances).padStart(5)}  ${pct(s.cer)}  ${pct(s.wer)}   ${pct(s.langAccuracy)}`);
  }
  lines.push(`decoding ${r.decoding}, real-time factor ${r.rtf.toFixed(3)}`);
  if (r.nonSpeech) lines.push(formatNonSpeech(r.nonSpeech));
  if (r.latency) {
    const l = r.latency;
    lines.push(`word latency (end of word -> shown in partial, 100 ms chunks): median ${l.median.toFixed(2)} s, p90 ${l.p90.toFixed(2)} s over ${l.words} words of ${l.utterances} utterances`);
    lines.push(`streaming real-time factor ${l.streamingRtf.toFixed(3)}; final text ${l.finishMs.toFixed(0)} ms (median) after the last chunk`);
  }
  return lines.join('\n');
}

export function formatNonSpeech(n: NonSpeechReport): string {
  const kinds = Object.entries(n.perKind).map(([k, s]) => `${k} ${s.withText}/${s.clips}`);
  return `non-speech clips with text: ${n.withText}/${n.clips} (${kinds.join(', ')}), ${n.charsPerSecond.toFixed(2)} characters/s`;
}

/** `babelfish eval speech-encoder <flags>`; the exit code. */
export async function runEvalSpeechEncoder(argv: string[], front?: AudioFrontEnd): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    model: { type: 'string' },
    corpus: { type: 'string' },
    manifest: { type: 'string' },
    beam: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    latency: { type: 'boolean' },
    'no-lm': { type: 'boolean' },
    'gain-db': { type: 'string' },
    'through-rate': { type: 'string' },
    'non-speech': { type: 'string' },
    'given-lang': { type: 'boolean' },
    out: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(EVAL_USAGE + '\n');
    return 0;
  }
  const beam = values.beam === undefined ? undefined : Number(values.beam);
  const limit = Number(values.limit ?? 0);
  const nonSpeech = Number(values['non-speech'] ?? DEFAULT_NON_SPEECH_CLIPS);
  if (!Number.isInteger(nonSpeech) || nonSpeech < 0) throw new BabelfishError('BAD_ARGUMENT', '--non-speech needs a non-negative integer');
  if (beam !== undefined && (!Number.isInteger(beam) || beam < 1)) throw new BabelfishError('BAD_ARGUMENT', '--beam needs a positive integer');
  if (!Number.isInteger(limit) || limit < 0) throw new BabelfishError('BAD_ARGUMENT', '--limit needs a non-negative integer');
  const gainDb = Number(values['gain-db'] ?? 0);
  if (!Number.isFinite(gainDb) || Math.abs(gainDb) > 60) throw new BabelfishError('BAD_ARGUMENT', '--gain-db needs a number of dB within -60..60');
  const throughRate = values['through-rate'] === undefined ? 0 : Number(values['through-rate']);
  if (throughRate !== 0) checkSampleRate(throughRate, '--through-rate');
  await initBackend();
  // The model's own front end (its level normalisation included) unless a caller supplies one.
  const encoder = await SpeechEncoder.load(values.model ?? join(projectRoot, 'models/speech-encoder/default'), front?.features ?? null);
  const given = front ?? (await import('./audio-front-end.ts')).defaultAudioFrontEnd(encoder.config.features, encoder.config.inputLevel);
  const gain = Math.pow(10, gainDb / 20);
  const rate = encoder.sampleRate;
  const channel = (x: Float32Array): Float32Array => {
    const y = throughRate && throughRate !== rate ? resample(resample(x, rate, throughRate), throughRate, rate) : x;
    return gainDb === 0 ? y : y.map((v) => v * gain);
  };
  const audio: AudioFrontEnd = gainDb === 0 && !throughRate ? given : { ...given, loadAudio: async (p) => channel(await given.loadAudio(p)) };
  const manifest = values.manifest ?? join(values.corpus ?? join(projectRoot, 'data/corpus/speech/default'), 'manifest.test.jsonl');
  let rows = await readManifest(manifest);
  if (limit) rows = rows.slice(0, limit);
  const scored: string[] = [];
  const onUtterance = (row: ManifestRow, hyp: string, ref: string, detected: string | undefined) =>
    scored.push(JSON.stringify({ id: row.id, audio: row.audio, lang: row.lang, detected, ref, hyp, charEdits: editDistance([...ref], [...hyp]), refChars: [...ref].length }));
  const report = await evaluateSpeechEncoder(encoder, rows, audio, {
    beamWidth: beam,
    useLm: values['no-lm'] !== true,
    latency: values.latency === true,
    nonSpeechClips: nonSpeech,
    givenLanguage: values['given-lang'] === true,
    onUtterance: values.out ? onUtterance : undefined,
  });
  encoder.dispose();
  if (values.out) await writeAtomic(values.out, scored.map((l) => l + '\n').join(''));
  process.stdout.write((values.json ? JSON.stringify(report, null, 1) : formatReport(report)) + '\n');
  return 0;
}
