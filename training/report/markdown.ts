/** REPORT.md from the figures `babelfish eval all` gathered (report.json holds the same, and more). */
import path from 'node:path';
import { projectRoot } from '../../src/paths.ts';
import type { EvalReport as SpeechEncoderReport } from '../speech-encoder/eval.ts';
import type { EvalReport as TranslatorReport } from '../translator/eval.ts';
import type { VoiceEvalReport } from '../voice/eval.ts';
import type { E2eReport } from '../e2e/evaluate.ts';
import type { VocoderKind } from '../../src/pipeline/load-stages.ts';
import type { TrainingCurve } from './training-curves.ts';

export interface EvalAllReport {
  generated: string;
  /** Wall-clock seconds of the whole run and of each section. */
  seconds: number;
  sectionSeconds: Record<string, number>;
  command: string;
  models: { speechEncoder: string; translator: string; synthesizer: string; vocoder: string };
  corpus: string;
  textDir: string;
  runs: string | null;
  settings: { limit: number; asrLimit: number; mtLimit: number; voiceSentences: number; beam: number; voice: number; vocoder: VocoderKind; sections: string[] };
  speechEncoder: SpeechEncoderReport | null;
  translator: TranslatorReport | null;
  /** PNG paths relative to the report folder. */
  voice: (Omit<VoiceEvalReport, 'pngs' | 'sentences'> & { pngs: string[]; sentences: VoiceEvalReport['sentences'] }) | null;
  endToEnd: E2eReport | null;
  /** `measured`: a curve kept from an earlier report (`--update`, its run log gone), with that report's date. */
  trainingCurves: (TrainingCurve & { png: string | null; measured?: string })[];
  /** Models whose run folder had no log.jsonl. */
  missingCurves: string[];
  /** Every PNG written, relative to the report folder, with its caption and the section that made it. */
  plots: { file: string; caption: string; section?: string }[];
  /** Sections kept from an earlier report (`eval all --update`), with the time each was measured. */
  carried?: Partial<Record<string, string>>;
}

const dash = '–';
/** Paths inside the project relative to its root, so a committed report reads the same on every machine. */
const shown = (p: string) => {
  const rel = path.relative(projectRoot, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : p;
};
const num = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? dash : v.toFixed(digits));
const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? dash : `${(100 * v).toFixed(1)}%`);
const vocoderName = (k: VocoderKind | null | undefined) => (k === 'wavenet' ? 'WaveNet' : k === 'griffin-lim' ? 'Griffin-Lim' : 'vocoder');
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(header: string[], rows: (string | number)[][], align?: ('l' | 'r')[]): string {
  const a = align ?? header.map((_, i) => (i === 0 ? 'l' : 'r'));
  return [`| ${header.join(' | ')} |`, `| ${a.map((x) => (x === 'l' ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.map((c) => cell(String(c))).join(' | ')} |`)].join('\n');
}

function image(file: string, caption: string): string {
  return `![${cell(caption).replace(/[[\]]/g, '')}](${file})\n\n*${cell(caption)}*`;
}

function mean(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

const SECTION_NAMES: Record<string, string> = { 'speech-encoder': 'speech encoder', translator: 'translator', voice: 'voice', e2e: 'end to end', curves: 'training curves' };

/** "*Kept from ...*" under a section `eval all --update` carried over, else nothing. */
function carriedNote(r: EvalAllReport, section: string): string[] {
  const when = r.carried?.[section];
  return when ? [`*Kept from the report of ${when} (\`eval all --update\`); not measured again in this run.*`] : [];
}

export function renderReport(r: EvalAllReport): string {
  const out: string[] = [];
  const p = (...blocks: string[]) => out.push(...blocks.flatMap((b) => [b, '']));
  p(
    '# babelfish evaluation report',
    `Generated ${r.generated} by \`${r.command}\` in ${(r.seconds / 60).toFixed(1)} min (one process; sections: ${Object.entries(r.sectionSeconds).map(([k, s]) => `${k} ${s.toFixed(0)} s`).join(', ')}).`,
    table(['what', 'where'], [
      ['speech encoder', `\`${shown(r.models.speechEncoder)}\``],
      ['translator', `\`${shown(r.models.translator)}\``],
      ['synthesizer', `\`${shown(r.models.synthesizer)}\``],
      ['vocoder', `\`${shown(r.models.vocoder)}\``],
      ['speech corpus (test split)', `\`${shown(r.corpus)}\``],
      ['parallel text (test files)', `\`${shown(r.textDir)}\``],
      ['training logs', r.runs ? `\`${shown(r.runs)}\`` : dash],
    ], ['l', 'l']),
    `Figures are on small samples (${r.settings.limit} recordings per direction end to end, ${r.settings.asrLimit} per language for recognition, ${r.settings.mtLimit} sentences per direction for translation, ${r.settings.voiceSentences} per language for the voice); \`report.json\` has every number and every sentence.`,
  );
  const carried = Object.entries(r.carried ?? {});
  if (carried.length) {
    p(`Kept from an earlier report, not measured in this run (\`--update\`): ${carried.map(([s, when]) => `${SECTION_NAMES[s] ?? s} (measured ${when})`).join(', ')}. They describe the models as they were then; the summary mixes both.`);
  }

  // headline
  const e = r.endToEnd;
  const trainedBleu = r.translator ? mean(r.translator.directions.filter((d) => !d.zeroShot).map((d) => d.bleu)) : null;
  const zeroBleu = r.translator ? mean(r.translator.directions.filter((d) => d.zeroShot).map((d) => d.bleu)) : null;
  p(
    '## Summary',
    table(['figure', 'value'], [
      ['speech encoder CER / WER (all languages)', r.speechEncoder ? `${pct(r.speechEncoder.overall.cer)} / ${pct(r.speechEncoder.overall.wer)}` : dash],
      ['translator BLEU, trained directions (mean)', num(trainedBleu)],
      ['translator BLEU, zero-shot directions (mean)', num(zeroBleu)],
      ['voice: synthesis MCD (dB) / round-trip CER', r.voice ? `${num(r.voice.overall.synthesisMcd)} / ${pct(r.voice.overall.roundTripCer)}` : dash],
      ['voice through Griffin-Lim: synthesis MCD (dB) / round-trip CER', r.voice ? `${num(r.voice.overall.synthesisMcdGriffinLim)} / ${pct(r.voice.overall.roundTripCerGriffinLim)}` : dash],
      [`end to end: ASR-BLEU (mean over directions; ${vocoderName(r.settings.vocoder)})`, e ? num(mean(e.directions.map((d) => d.asrBleu))) : dash],
      ['end to end: cascade / text-only BLEU (same sentences)', e ? `${num(mean(e.directions.map((d) => d.cascadeBleu)))} / ${num(mean(e.directions.map((d) => d.textBleu)))}` : dash],
      ['latency, end of speech -> first audio (median / p90)', e && e.latency.count ? `${num(e.latency.median)} s / ${num(e.latency.p90)} s` : dash],
      ['pipeline real-time factor (compute / input audio)', e ? num(e.rtf.total, 3) : dash],
    ], ['l', 'r']),
  );

  if (r.speechEncoder) {
    const s = r.speechEncoder;
    p(
      '## Speech encoder',
      ...carriedNote(r, 'speech-encoder'),
      'Corpus-level CER and WER on the test voices (never heard in training), references normalised as the training targets. Rows whose text has digits are left out.',
      table(['language', 'utterances', 'CER', 'WER', 'language id'], [...s.perLanguage, s.overall].map((x) => [x.lang, x.utterances, pct(x.cer), pct(x.wer), pct(x.langAccuracy)])),
      `Decoding: ${s.decoding ?? 'greedy'}. Real-time factor (whole utterances, one thread): ${num(s.rtf, 4)}.`,
      ...(s.nonSpeech ? [`On ${s.nonSpeech.clips} generated clips without speech (noise, mains hum, near-silence, noise bursts), ${s.nonSpeech.withText} got text (${Object.entries(s.nonSpeech.perKind).map(([k, x]) => `${k} ${x.withText}/${x.clips}`).join(', ')}): ${num(s.nonSpeech.charsPerSecond)} characters/s.`] : []),
    );
  }

  if (r.translator) {
    const t = r.translator;
    p(
      '## Translator',
      ...carriedNote(r, 'translator'),
      `BLEU (sacrebleu 13a) and chrF per direction on the text test files, beam ${t.beam}; zero-shot directions had no training pair, and copying the source is their baseline.`,
      table(['direction', 'zero-shot', 'sentences', 'BLEU', 'chrF', 'copy BLEU'], t.directions.map((d) => [d.direction, d.zeroShot ? 'yes' : 'no', d.sentences, num(d.bleu), num(d.chrf), num(d.copyBleu)])),
    );
    if (t.human.length) p('Human-translated test set, next to apertium (the teacher of the synthetic training data):', table(['direction', 'sentences', 'model BLEU', 'apertium BLEU', 'model chrF', 'apertium chrF'], t.human.map((h) => [h.direction, h.sentences, num(h.modelBleu), num(h.apertiumBleu), num(h.modelChrf), num(h.apertiumChrf)])));
    p('Cross-lingual retrieval with `embed` (is a sentence\'s translation its nearest neighbour by cosine; both directions averaged):', table(['pair', 'sentences', 'accuracy'], t.retrieval.map((x) => [x.pair, x.sentences, pct(x.accuracy)])));
    p(`Speed: ${num(t.speed.greedySentencesPerSecond, 1)} sentences/s greedy, ${num(t.speed.beamSentencesPerSecond, 1)} with beam ${t.beam} (${t.speed.sentences} sentences); ${num(t.sizeMB, 1)} MB of float32 weights.`);
    for (const pl of r.plots.filter((x) => x.file.startsWith('attention-'))) p(image(pl.file, pl.caption));
  }

  if (r.voice) {
    const v = r.voice;
    p(
      '## Voice (synthesizer + WaveNet vocoder)',
      ...carriedNote(r, 'voice'),
      'MCD in dB (c1..c24 of the log-mel cepstrum, DTW aligned): resynthesis = reference mel -> vocoder; synthesis = text -> synthesizer -> vocoder against the reference recording; mel = the synthesizer\'s mel itself. Round-trip CER: the speech encoder on the synthesized speech against the text; reference CER: the speech encoder on the recordings (the ceiling of the round trip). The Griffin-Lim columns: the same synthesis MCD and round-trip CER with Griffin-Lim (no model) turning the synthesizer\'s mel into audio instead of the WaveNet, on the same sentences.',
      table(['language', 'sentences', 'resynthesis MCD', 'resynthesis voiced', 'resynthesis GPE', 'synthesis MCD', 'mel MCD', 'round-trip CER', 'reference CER', 'Griffin-Lim synthesis MCD', 'Griffin-Lim round-trip CER'], [...v.perLanguage, v.overall].map((f) => [f.lang, f.sentences, num(f.resynthesisMcd), pct(f.resynthesisVoicing ?? null), pct(f.resynthesisGpe ?? null), num(f.synthesisMcd), num(f.synthesizerMelMcd), pct(f.roundTripCer), pct(f.referenceCer), num(f.synthesisMcdGriffinLim), pct(f.roundTripCerGriffinLim)])),
      `Vocoder real-time factor: ${num(v.vocoderRtf, 3)}; synthesis through ${v.settings.synthesis}, voice ${v.settings.voice}.`,
    );
    for (const f of v.pngs) p(image(f, `${f}: reference (top), resynthesis (middle), synthesis (bottom)`));
  }

  if (e) {
    p(
      '## End to end: speech -> speech',
      ...carriedNote(r, 'e2e'),
      `Each test recording whose sentence has a reference translation goes through the streaming pipeline (VAD, speech encoder, translator, synthesizer, ${vocoderName(r.settings.vocoder)}; \`--vocoder ${r.settings.vocoder}\`) exactly as the server runs it; the speech encoder then transcribes the translated speech. **ASR-BLEU** scores that transcript against the reference translation (as Translatotron and SeamlessM4T report); **cascade BLEU** scores the pipeline\'s own translation (the translator on the transcript of the source speech); **text-only BLEU** scores the translator on the reference source text: the ceiling of the other two. All three on the same sentences, hypotheses and references normalised as the speech encoder writes (lowercase, no punctuation), sacrebleu 13a corpus BLEU. Source WER: the speech encoder on the source speech.`,
      table(['direction', 'zero-shot', 'recordings', 'ASR-BLEU', 'cascade BLEU', 'text-only BLEU', 'source WER'], e.directions.map((d) => [d.direction, d.zeroShot ? 'yes' : 'no', `${d.sentences} of ${d.available}`, num(d.asrBleu), num(d.cascadeBleu), num(d.textBleu), pct(d.sourceWer)])),
    );
    const failed = e.utterances.filter((u) => u.errors.length);
    if (failed.length) p(`Pipeline errors on ${failed.length} recordings: ${failed.map((u) => `${u.id} (${u.errors.join('; ')})`).join(', ')}.`);
    if (e.skipped.length) p(`Not evaluated: ${e.skipped.map((s) => `${s.direction} (${s.reason})`).join('; ')}.`);
    const examples = e.directions.map((d) => e.utterances.find((u) => u.direction === d.direction)).filter((u): u is NonNullable<typeof u> => !!u);
    if (examples.length) {
      p('One example per direction:', table(['direction', 'source', 'heard (ASR)', 'translated', 'spoken, as heard back', 'reference'], examples.map((u) => [u.direction, u.source, u.sourceTranscript, u.cascadeTranslation, u.outputTranscript, u.reference]), ['l', 'l', 'l', 'l', 'l', 'l']));
    }
    for (const pl of r.plots.filter((x) => x.file.startsWith('spectrogram-'))) p(image(pl.file, pl.caption));

    p(
      '## Speed and latency',
      'From the same runs. Real-time factor = compute seconds per second of audio, one thread: recognition and translation per second of input speech, synthesis and vocoding per second of output speech; the pipeline figure is all compute per input second.',
      table(['stage', 'real-time factor'], [
        ['speech encoder (streaming, 100 ms chunks, and the final decode)', num(e.rtf.asr, 3)],
        ['translator', num(e.rtf.mt, 3)],
        ['synthesizer', num(e.rtf.synthesizer, 3)],
        [`vocoder (${vocoderName(r.settings.vocoder)})`, num(e.rtf.vocoder, 3)],
        ['pipeline', num(e.rtf.total, 3)],
      ], ['l', 'r']),
      `Latency from the end of speech (the VAD's end of the last voiced frame) to the first chunk of translated audio, with the recording fed at real-time pace in 100 ms chunks (recognition slower than real time adds the backlog a live stream would build). It includes the 500 ms endpointing hangover, the last recognition step, translation, synthesis of the whole sentence and the first vocoder block: ${e.latency.count} segments, mean ${num(e.latency.mean)} s, median ${num(e.latency.median)} s, p90 ${num(e.latency.p90)} s, max ${num(e.latency.max)} s.`,
    );
    const hist = r.plots.find((x) => x.file === 'latency-histogram.png');
    if (hist) p(image(hist.file, hist.caption));
  }

  p('## Training curves', ...carriedNote(r, 'curves'));
  if (!r.runs) p('No run folder given.');
  for (const c of r.trainingCurves) {
    const finals = Object.entries(c.final).filter(([k]) => k !== 'step');
    p(
      `### ${c.model}`,
      `\`${shown(c.log)}\`${c.measured ? ` (kept from the report of ${c.measured}: the log is gone)` : ''}: ${c.points} logged points up to step ${c.lastStep}. Last values: ${finals.map(([k, v]) => `${k} ${Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : Number(v.toFixed(4))}`).join(', ')}.`,
    );
    if (c.png) p(image(c.png, `${c.model}: ${c.plotted.join(', ')} against step (colours in that order: blue, orange, green, pink)`));
  }
  if (r.missingCurves.length) p(`No training log (\`<runs>/<model>/log.jsonl\`) for: ${r.missingCurves.join(', ')}.`);
  return out.join('\n');
}
