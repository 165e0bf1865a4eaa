/**
 * End-to-end speech-to-speech evaluation: test recordings whose sentence has a reference
 * translation go through the real pipeline (paced as live, `paced-session.ts`), the speech
 * encoder transcribes the translated speech, and each direction gets ASR-BLEU next to the
 * cascade and text-only BLEU of the same sentences (`asr-bleu.ts`), plus per-stage real-time
 * factors and the latency from the end of speech to the first translated audio.
 */
import { hasDigits } from '../../models/speech-encoder/vocab.ts';
import type { LoadedModels, VocoderKind } from '../../src/pipeline/load-stages.ts';
import type { PipelineStages } from '../../src/pipeline/stages.ts';
import { PIPELINE_SAMPLE_RATE } from '../../src/pipeline/session.ts';
import { loadAudio } from '../../src/audio/decode.ts';
import { resample } from '../../src/audio/resample.ts';
import { logMelSpectrogram } from '../../src/audio/features.ts';
import { heatmapPng } from '../../src/plot/heatmap.ts';
import { vocoderFeatureConfig } from '../../src/cli/commands/vocode.ts';
import type { SpeechItem } from '../readers/types.ts';
import { pickSentences, spectrogramPanels } from '../voice/eval.ts';
import { matchKey, referenceTable, testPairs, trainedDirections } from './references.ts';
import { scoreDirection, type DirectionBleu } from './asr-bleu.ts';
import { translatePaced } from './paced-session.ts';

export interface E2eUtterance {
  id: string;
  direction: string;
  speaker?: string;
  source: string;
  reference: string;
  /** The speech encoder on the source recording (the pipeline's transcript). */
  sourceTranscript: string;
  /** The pipeline's translation of that transcript. */
  cascadeTranslation: string;
  /** The translator on the reference source text. */
  textTranslation: string;
  /** The speech encoder on the translated speech. */
  outputTranscript: string;
  inputSeconds: number;
  outputSeconds: number;
  /** Pipeline utterances the VAD made of the recording (1 when it heard one sentence). */
  segments: number;
  /** Seconds from end of speech to first audio (first segment), simulated live feed. */
  latency: number | null;
  /** Compute seconds per stage. */
  seconds: { asr: number; mt: number; synthesizer: number; vocoder: number };
  errors: string[];
}

export interface E2eDirection extends DirectionBleu {
  direction: string;
  zeroShot: boolean;
  /** Recordings of `from` with a reference translation into `to` (before the limit). */
  available: number;
}

export interface LatencySummary {
  count: number;
  mean: number | null;
  median: number | null;
  p90: number | null;
  max: number | null;
}

export interface E2eReport {
  directions: E2eDirection[];
  utterances: E2eUtterance[];
  /** Compute seconds per second of audio: recognition and translation per input second, synthesis and vocoding per output second. */
  rtf: { asr: number | null; mt: number | null; synthesizer: number | null; vocoder: number | null; total: number | null };
  latency: LatencySummary;
  /** Latency of every segment, seconds (the histogram's data). */
  latencies: number[];
  /** `vocoder`: what the stages turned the mel into audio with (as passed to stagesFromModels; null when not told). */
  settings: { perDirection: number; beam: number; voice: number; chunkMs: number; vocoder: VocoderKind | null };
  /** Directions skipped and why. */
  skipped: { direction: string; reason: string }[];
}

export interface E2ePng {
  name: string;
  data: Buffer;
  caption: string;
}

export interface E2eOptions {
  textDir: string;
  /** Test recordings (the speech corpus's test manifest). */
  items: SpeechItem[];
  /** Recordings per direction. */
  perDirection: number;
  beam: number;
  voice?: number;
  /** The vocoder kind the stages were built with, recorded in the report. */
  vocoder?: VocoderKind;
  /** Only these directions (`en-es`); default every direction with a test file. */
  directions?: string[];
  /** Attention maps to draw (first sentence of the first trained and first zero-shot direction). */
  attentionMaps?: number;
  log?: (line: string) => void;
}

export function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function summarizeLatency(values: number[]): LatencySummary {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  return {
    count: s.length,
    mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : null,
    median: quantile(s, 0.5),
    p90: quantile(s, 0.9),
    max: s.length ? s[s.length - 1]! : null,
  };
}

function eta(done: number, total: number, elapsedMs: number): string {
  if (!done) return '?';
  const s = Math.round(((total - done) * elapsedMs) / done / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The recordings of each direction, matched to their references, before running anything. */
export async function planDirections(o: Pick<E2eOptions, 'textDir' | 'items' | 'perDirection' | 'directions'>, stages: Pick<PipelineStages, 'recognizer' | 'translator' | 'synthesizer'>) {
  const trained = await trainedDirections(o.textDir);
  const plans: { from: string; to: string; zeroShot: boolean; available: number; picked: (SpeechItem & { reference: string })[] }[] = [];
  const skipped: { direction: string; reason: string }[] = [];
  for (const [a, b] of await testPairs(o.textDir)) {
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const direction = `${from}-${to}`;
      if (o.directions && !o.directions.includes(direction)) continue;
      if (!stages.recognizer.languages.includes(from) || !stages.translator.languages.includes(from)) {
        skipped.push({ direction, reason: `the models do not take ${from}` });
        continue;
      }
      if (!stages.translator.languages.includes(to) || !stages.synthesizer.languages.includes(to)) {
        skipped.push({ direction, reason: `the models cannot translate into and speak ${to}` });
        continue;
      }
      const table = await referenceTable(o.textDir, from, to);
      const matched = o.items
        .filter((it) => it.lang === from && !hasDigits(it.text))
        .map((it) => ({ ...it, reference: table.get(matchKey(it.text))?.reference ?? '' }))
        // Digits are spoken as words by the synthesizer and the encoder writes no digits: such
        // references cannot be matched word for word.
        .filter((it) => it.reference && !hasDigits(it.reference) && matchKey(it.reference));
      if (!matched.length) {
        skipped.push({ direction, reason: `no ${from} test recording has a reference translation into ${to}` });
        continue;
      }
      const picked = pickSentences(matched, o.perDirection) as (SpeechItem & { reference: string })[];
      plans.push({ from, to, zeroShot: !trained.has(direction), available: matched.length, picked });
    }
  }
  return { plans, skipped };
}

export async function evaluateEndToEnd(models: LoadedModels, stages: PipelineStages, o: E2eOptions): Promise<{ report: E2eReport; pngs: E2ePng[] }> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const voice = o.voice ?? 0;
  const chunkMs = 100;
  const { plans, skipped } = await planDirections(o, stages);
  for (const s of skipped) log(`eval e2e: ${s.direction} skipped: ${s.reason}`);
  const total = plans.reduce((n, p) => n + p.picked.length, 0);
  log(`eval e2e: ${total} recordings over ${plans.length} directions (${plans.map((p) => `${p.from}-${p.to}`).join(', ')})`);

  const features = vocoderFeatureConfig(models.vocoder.config);
  const mel = (x: Float32Array) => logMelSpectrogram(x, features);
  const encoderRate = models.speechEncoder.sampleRate;
  const utterances: E2eUtterance[] = [];
  const directions: E2eDirection[] = [];
  const latencies: number[] = [];
  const pngs: E2ePng[] = [];
  let done = 0;
  const started = performance.now();
  const attentionWanted = o.attentionMaps ?? 2;
  const attentionDrawn = { trained: false, zeroShot: false };

  for (const plan of plans) {
    const direction = `${plan.from}-${plan.to}`;
    const rows: E2eUtterance[] = [];
    const textTranslations = (await models.translator.translate(plan.picked.map((p) => p.text), { from: plan.from, to: plan.to, beam: o.beam })).map((t) => t.text);
    for (const [k, item] of plan.picked.entries()) {
      log(`eval e2e: ${done + 1}/${total} ${direction} ${item.id}, ETA ${eta(done, total, performance.now() - started)}`);
      const input = (await loadAudio(item.audioPath, PIPELINE_SAMPLE_RATE)).samples;
      const r = await translatePaced(stages, input, { from: plan.from, to: plan.to, voice, chunkMs });
      const heard = r.audio.length ? (await models.speechEncoder.transcribe(r.sampleRate === encoderRate ? r.audio : resample(r.audio, r.sampleRate, encoderRate), { lang: plan.to })).text : '';
      const segLatencies = r.utterances.map((u) => u.latency).filter((x): x is number => x !== null);
      latencies.push(...segLatencies);
      const sum = (f: (t: NonNullable<(typeof r.utterances)[number]['timings']>) => number) => r.utterances.reduce((s, u) => s + (u.timings ? f(u.timings) : 0), 0) / 1000;
      const row: E2eUtterance = {
        id: item.id,
        direction,
        ...(item.speaker !== undefined ? { speaker: item.speaker } : {}),
        source: item.text,
        reference: item.reference,
        sourceTranscript: r.transcript,
        cascadeTranslation: r.translation,
        textTranslation: textTranslations[k] ?? '',
        outputTranscript: heard,
        inputSeconds: r.inputSeconds,
        outputSeconds: r.audio.length / r.sampleRate,
        segments: r.utterances.length,
        latency: r.utterances.find((u) => u.latency !== null)?.latency ?? null,
        seconds: { asr: r.asrSeconds, mt: sum((t) => t.mt), synthesizer: sum((t) => t.tts), vocoder: sum((t) => t.vocoder) },
        errors: r.errors.map((e) => `${e.code}: ${e.message}`),
      };
      rows.push(row);
      if (k === 0) {
        const panels = [mel(input), ...(r.audio.length ? [mel(r.audio)] : [])].filter((m) => m.frames > 0);
        if (panels.length) pngs.push({ name: `spectrogram-${direction}.png`, data: spectrogramPanels(panels), caption: `${direction}: source recording (top) and translated speech (bottom), one colour scale. "${item.text}" -> "${r.translation}"` });
      }
      done++;
    }
    utterances.push(...rows);
    const scores = scoreDirection({
      references: rows.map((r) => r.reference),
      outputTranscripts: rows.map((r) => r.outputTranscript),
      textTranslations: rows.map((r) => r.textTranslation),
      cascadeTranslations: rows.map((r) => r.cascadeTranslation),
      sources: rows.map((r) => r.source),
      sourceTranscripts: rows.map((r) => r.sourceTranscript),
    });
    const d: E2eDirection = { direction, zeroShot: plan.zeroShot, available: plan.available, ...scores };
    directions.push(d);
    const f = (v: number | null) => (v === null ? '-' : v.toFixed(2));
    log(`eval e2e: ${direction}${d.zeroShot ? ' (zero-shot)' : ''}: ASR-BLEU ${f(d.asrBleu)}, cascade ${f(d.cascadeBleu)}, text ${f(d.textBleu)} over ${d.sentences}`);

    const kind = plan.zeroShot ? 'zeroShot' : 'trained';
    if (!attentionDrawn[kind] && pngs.filter((p) => p.name.startsWith('attention-')).length < attentionWanted) {
      const first = plan.picked[0]!;
      const [t] = await models.translator.translate([first.text], { from: plan.from, to: plan.to, beam: o.beam, attention: true });
      if (t?.attention?.length && t.attention[0]!.length) {
        const piece = (id: number) => models.translator.tokenizer.piece(id);
        const rowsA = t.attention.length;
        const cols = t.attention[0]!.length;
        pngs.push({
          name: `attention-${direction}.png`,
          data: heatmapPng(t.attention, rowsA, cols, { cellWidth: 12, cellHeight: 12, min: 0, max: 1 }),
          caption: `${direction}${plan.zeroShot ? ' (zero-shot)' : ''} attention, target pieces (rows, top down): ${[...t.tokens.map(piece), ...(rowsA > t.tokens.length ? ['</s>'] : [])].join(' ')} | source pieces (columns): ${(t.sourceTokens ?? []).map(piece).join(' ')}`,
        });
        attentionDrawn[kind] = true;
      }
    }
  }

  const totals = utterances.reduce(
    (a, u) => ({ in: a.in + u.inputSeconds, out: a.out + u.outputSeconds, asr: a.asr + u.seconds.asr, mt: a.mt + u.seconds.mt, syn: a.syn + u.seconds.synthesizer, voc: a.voc + u.seconds.vocoder }),
    { in: 0, out: 0, asr: 0, mt: 0, syn: 0, voc: 0 },
  );
  const per = (x: number, secs: number) => (secs > 0 ? x / secs : null);
  return {
    report: {
      directions,
      utterances,
      rtf: {
        asr: per(totals.asr, totals.in),
        mt: per(totals.mt, totals.in),
        synthesizer: per(totals.syn, totals.out),
        vocoder: per(totals.voc, totals.out),
        total: per(totals.asr + totals.mt + totals.syn + totals.voc, totals.in),
      },
      latency: summarizeLatency(latencies),
      latencies,
      settings: { perDirection: o.perDirection, beam: o.beam, voice, chunkMs, vocoder: o.vocoder ?? null },
      skipped,
    },
    pngs,
  };
}
