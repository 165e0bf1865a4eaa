/**
 * `babelfish eval speech-encoder`: CER and WER per language of a trained model on a
 * manifest (by default the corpus's test split, whose voices training never heard).
 */
import { initBackend } from '../../src/backend.ts';
import { parseCommandArgs } from '../../src/cli/args.ts';
import { BabelfishError } from '../../src/errors.ts';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import { hasDigits, normalizeTranscript } from '../../models/speech-encoder/vocab.ts';
import { readManifest, type ManifestRow } from './data.ts';
import { editDistance } from '../../src/metrics/cer.ts';
import type { AudioFrontEnd } from './train.ts';

export const EVAL_USAGE = `babelfish eval speech-encoder [--model dir] [--manifest file | --corpus dir] [--beam n] [--limit n] [--json]

Transcribes every row of the manifest and prints CER and WER per language
(corpus-level: total edits / total reference length, references normalised as
training targets; rows whose text has digits are skipped).

  --model     model folder (default models/speech-encoder/default)
  --corpus    corpus folder; the manifest is <corpus>/manifest.test.jsonl (default data/corpus/speech/default)
  --manifest  a manifest JSONL file (overrides --corpus)
  --beam      prefix beam width (default 1 = greedy)
  --limit     only the first n rows
  --json      print JSON instead of a table`;

export interface LanguageScore {
  lang: string;
  utterances: number;
  cer: number;
  wer: number;
  /** Share of utterances whose language the model's head got right (null without a head). */
  langAccuracy: number | null;
}

export interface EvalReport {
  perLanguage: LanguageScore[];
  overall: LanguageScore;
  /** Seconds of compute per second of audio. */
  rtf: number;
}

interface Tally {
  chars: number;
  charEdits: number;
  words: number;
  wordEdits: number;
  n: number;
  langRight: number;
}

/** Scores `encoder` on manifest rows; `transcripts` receives each (ref, hyp) if given. */
export async function evaluateSpeechEncoder(
  encoder: SpeechEncoder,
  rows: ManifestRow[],
  front: AudioFrontEnd,
  options: { beamWidth?: number; onUtterance?: (row: ManifestRow, hyp: string, ref: string) => void } = {},
): Promise<EvalReport> {
  const tallies = new Map<string, Tally>();
  let computeMs = 0;
  let audioSec = 0;
  for (const row of rows) {
    if (hasDigits(row.text)) continue;
    const ref = normalizeTranscript(row.text);
    if (!ref) continue;
    const samples = await front.loadAudio(row.audio);
    const t0 = performance.now();
    const r = await encoder.transcribe(samples, { beamWidth: options.beamWidth });
    computeMs += performance.now() - t0;
    audioSec += samples.length / front.features.sampleRate;
    options.onUtterance?.(row, r.text, ref);
    const t = tallies.get(row.lang) ?? { chars: 0, charEdits: 0, words: 0, wordEdits: 0, n: 0, langRight: 0 };
    const refWords = ref.split(' ');
    t.chars += [...ref].length;
    t.charEdits += editDistance([...ref], [...r.text]);
    t.words += refWords.length;
    t.wordEdits += editDistance(refWords, r.text ? r.text.split(' ') : []);
    t.n++;
    if (r.lang === row.lang) t.langRight++;
    tallies.set(row.lang, t);
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
  return { perLanguage, overall: score('all', sum), rtf: audioSec ? computeMs / 1000 / audioSec : 0 };
}

export function formatReport(r: EvalReport): string {
  const pct = (v: number | null) => (v === null ? '   -' : `${(100 * v).toFixed(1)}%`.padStart(6));
  const lines = ['lang  utts     CER     WER  lang-id'];
  for (const s of [...r.perLanguage, r.overall]) {
    lines.push(`${s.lang.padEnd(4)} ${String(s.utterances).padStart(5)}  ${pct(s.cer)}  ${pct(s.wer)}   ${pct(s.langAccuracy)}`);
  }
  lines.push(`real-time factor ${r.rtf.toFixed(3)}`);
  return lines.join('\n');
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
  });
  if (values.help) {
    process.stdout.write(EVAL_USAGE + '\n');
    return 0;
  }
  const beam = Number(values.beam ?? 1);
  const limit = Number(values.limit ?? 0);
  if (!Number.isInteger(beam) || beam < 1) throw new BabelfishError('BAD_ARGUMENT', '--beam needs a positive integer');
  if (!Number.isInteger(limit) || limit < 0) throw new BabelfishError('BAD_ARGUMENT', '--limit needs a non-negative integer');
  await initBackend();
  const audio = front ?? (await import('./audio-front-end.ts')).defaultAudioFrontEnd();
  const encoder = await SpeechEncoder.load(values.model ?? 'models/speech-encoder/default', audio.features);
  const manifest = values.manifest ?? `${values.corpus ?? 'data/corpus/speech/default'}/manifest.test.jsonl`;
  let rows = await readManifest(manifest);
  if (limit) rows = rows.slice(0, limit);
  const report = await evaluateSpeechEncoder(encoder, rows, audio, { beamWidth: beam });
  encoder.dispose();
  process.stdout.write((values.json ? JSON.stringify(report, null, 1) : formatReport(report)) + '\n');
  return 0;
}
