/**
 * `babelfish eval voice`: how good the voice (synthesizer + WaveNet vocoder) is, per language,
 * on the speech corpus's test split, whose voices neither model heard in training:
 *
 *  (a) resynthesis MCD: reference recording -> log-mel -> vocoder -> log-mel, against the
 *      reference (the vocoder alone);
 *  (b) synthesis MCD: text -> synthesizer -> vocoder -> log-mel, against the reference
 *      recording of the same sentence (DTW absorbs the different timing); also the MCD of the
 *      synthesizer's mel itself, before the vocoder;
 *  (c) intelligibility: the speech encoder transcribes the synthesized speech; CER against the
 *      text the synthesizer was asked to say (numbers spelled out as it spelled them,
 *      normalised as the encoder's targets). The encoder's CER on the reference recordings is
 *      reported beside it: the round trip cannot be expected to beat it;
 *  (d) PNGs of reference / resynthesis / synthesis spectrograms for a few sentences;
 *  (e) the same synthesis MCD and round-trip CER with Griffin-Lim (no model) in place of the
 *      WaveNet on the synthesizer's mel, so the two can be compared on the same sentences.
 *
 * MCD is src/metrics/mcd.ts (formula there): c_1..c_24, DTW-aligned, mean over sentences.
 * CER is corpus-level (total edits / total reference characters).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PNG } from 'pngjs';
import { initBackend } from '../../src/backend.ts';
import { parseCommandArgs } from '../../src/cli/args.ts';
import { BabelfishError, isBabelfishError } from '../../src/errors.ts';
import { loadAudio } from '../../src/audio/decode.ts';
import { logMelSpectrogram } from '../../src/audio/features.ts';
import { melToAudio } from '../../src/audio/griffin-lim.ts';
import type { FeatureConfig } from '../../src/audio/config.ts';
import type { MelSpectrogram } from '../../src/audio/types.ts';
import { editDistance } from '../../src/metrics/cer.ts';
import { frameCentres, pitchAgreement, trackPitch, type PitchAgreement } from '../../src/audio/pitch.ts';
import { resolveModelDir } from '../../src/cli/model-dir.ts';
import { heatmapPng } from '../../src/plot/heatmap.ts';
import { boundedMcd, vocoderFeatureConfig } from '../../src/cli/commands/vocode.ts';
import { projectRoot } from '../../src/paths.ts';
import { readManifest } from '../readers/manifest.ts';
import { collect, type SpeechItem } from '../readers/types.ts';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import { normalizeTranscript } from '../../models/speech-encoder/vocab.ts';
import { Synthesizer } from '../../models/synthesizer/model.ts';
import { synthesizerFeatureConfig } from '../../models/synthesizer/config.ts';
import { parseTemperature, Vocoder } from '../../models/vocoder/model.ts';

export const EVAL_VOICE_USAGE = `usage: babelfish eval voice [--corpus dir | --manifest file] [--sentences N] [--out dir] [--json]

Per language, on the test split of the speech corpus (voices never heard in training):
  resynthesis MCD   reference -> mel -> WaveNet -> mel, against the reference (dB)
  voiced, GPE       the resynthesis's pitch (NCCF) frame by frame against the reference's: the
                    share of voiced frames that stay voiced, and of those with the period >20% off
  synthesis MCD     text -> synthesizer -> WaveNet, against the reference recording (dB, DTW)
  mel MCD           the synthesizer's mel itself against the reference (dB, DTW)
  round-trip CER    the speech encoder's transcript of the synthesized speech vs the text
  reference CER     the speech encoder on the reference recordings (the ceiling of the above)
  GL synth MCD, GL trip CER   the same two with Griffin-Lim in place of the WaveNet
MCD: c1..c24 of the log-mel's DCT, DTW aligned (src/metrics/mcd.ts states the formula).
Writes <out>/report.json and spectrogram PNGs (reference / resynthesis / synthesis).

  --corpus DIR          speech corpus (default data/corpus/speech/default); reads manifest.test.jsonl
  --manifest FILE       a manifest JSONL (overrides --corpus)
  --sentences N         sentences per language (default 10), spread over the speakers
  --langs a,b           only these languages (default: every language of the synthesizer found)
  --voice N             synthesizer voice (default 0)
  --pngs N              spectrogram PNGs per language (default 2)
  --out DIR             output folder (default runs/eval/voice)
  --models DIR          folder with speech-encoder/, synthesizer/, vocoder/ (default models/)
  --synthesizer DIR, --vocoder DIR, --speech-encoder DIR   one model's folder
  --griffin-lim         synthesize through Griffin-Lim instead of the vocoder (resynthesis still uses it)
                        (the GL columns then repeat the synthesis ones)
  --max-seconds S       skip references longer than S seconds (default 15)
  --seed N              vocoder sampler seed (default 1)
  --temperature T       vocoder sampling temperature (default 1: sample the model; 0 takes the likeliest code)
  --voiced-temperature T   the temperature of frames a pitch-input vocoder's head calls voiced (default: --temperature)
  --floor F             LPCNet's sampling floor: draws below probability F are dropped (default 0; below 1/256)
  --json                print the report as JSON instead of a table`;

export interface VoiceEvalOptions {
  /** Sentences per language (default 10). */
  sentences?: number;
  langs?: string[];
  voice?: number;
  /** PNGs per language (default 2); written only when `outDir` is given. */
  pngs?: number;
  outDir?: string;
  griffinLim?: boolean;
  maxSeconds?: number;
  seed?: number;
  /** The WaveNet's sampling temperature (default 1). */
  temperature?: number;
  /** Long-term prediction: the temperature of voiced frames (default: temperature); see VocodeOptions. */
  voicedTemperature?: number;
  /** LPCNet's probability floor (default 0); see VocodeOptions. */
  floor?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface VoiceLanguageFigures {
  lang: string;
  sentences: number;
  /** Mean over sentences, dB; null when no sentence gave a figure. */
  resynthesisMcd: number | null;
  synthesisMcd: number | null;
  synthesizerMelMcd: number | null;
  /** Corpus-level CER of the transcribed synthesis (null without a speech encoder). */
  roundTripCer: number | null;
  /** Corpus-level CER of the transcribed reference recordings. */
  referenceCer: number | null;
  /** Synthesis MCD and round-trip CER with Griffin-Lim on the synthesizer's mel instead of the WaveNet. */
  synthesisMcdGriffinLim: number | null;
  roundTripCerGriffinLim: number | null;
  /**
   * Resynthesis pitch (src/audio/pitch.ts, NCCF tracks of reference and resynthesis frame by
   * frame): the share of the reference's voiced frames that come out voiced, and the share of
   * those whose period is off by more than 20% (gross pitch error). A vocoder that whispers
   * has the envelope (a fair MCD) but no voicing.
   */
  resynthesisVoicing: number | null;
  resynthesisGpe: number | null;
  /** The same two for the vocoder's pitch head (long-term prediction) on the reference mel; null without one. */
  pitchHeadVoicing: number | null;
  pitchHeadGpe: number | null;
  /** Seconds of reference and of synthesized audio. */
  referenceSeconds: number;
  synthesizedSeconds: number;
}

export interface VoiceSentenceResult {
  id: string;
  lang: string;
  speaker?: string;
  text: string;
  spoken: string;
  resynthesisMcd: number | null;
  resynthesisPitch: PitchAgreement;
  pitchHead: PitchAgreement | null;
  synthesisMcd: number | null;
  synthesizerMelMcd: number | null;
  transcript: string | null;
  referenceTranscript: string | null;
  /** Griffin-Lim on the synthesizer's mel: its MCD against the reference and its transcript. */
  synthesisMcdGriffinLim: number | null;
  transcriptGriffinLim: string | null;
  png?: string;
}

export interface VoiceEvalReport {
  perLanguage: VoiceLanguageFigures[];
  overall: VoiceLanguageFigures;
  sentences: VoiceSentenceResult[];
  /** Vocoder compute seconds per second of audio made, over the whole run. */
  vocoderRtf: number;
  settings: { voice: number; sentencesPerLanguage: number; synthesis: 'wavenet' | 'griffin-lim'; mcdOrder: number; seed: number; temperature: number };
  pngs: string[];
}

export interface VoiceModels {
  synthesizer: Synthesizer;
  vocoder: Vocoder;
  /** Optional: without it the CER columns are null. */
  speechEncoder?: SpeechEncoder | null;
}

/** Up to `n` items per language, taken round-robin over speakers so every test voice is heard. */
export function pickSentences(items: SpeechItem[], n: number, langs?: readonly string[]): SpeechItem[] {
  const byLang = new Map<string, Map<string, SpeechItem[]>>();
  for (const it of items) {
    if (langs && !langs.includes(it.lang)) continue;
    const speakers = byLang.get(it.lang) ?? new Map<string, SpeechItem[]>();
    const s = it.speaker ?? '';
    speakers.set(s, [...(speakers.get(s) ?? []), it]);
    byLang.set(it.lang, speakers);
  }
  const out: SpeechItem[] = [];
  for (const lang of [...byLang.keys()].sort()) {
    const queues = [...byLang.get(lang)!.values()];
    const picked: SpeechItem[] = [];
    for (let round = 0; picked.length < n && queues.some((q) => q.length > round); round++) {
      for (const q of queues) if (round < q.length && picked.length < n) picked.push(q[round]!);
    }
    out.push(...picked);
  }
  return out;
}

/**
 * Spectrograms as one PNG, one panel above another (frames left to right, low frequencies at
 * the bottom), on one colour scale taken from the first (the reference), so louder or quieter
 * output shows as such, and one time scale, wide enough to see short sentences.
 */
export function spectrogramPanels(mels: MelSpectrogram[], gap = 6): Buffer {
  const shown = mels.filter((m) => m.frames > 0);
  if (!shown.length) throw new BabelfishError('BAD_ARGUMENT', 'no spectrogram has frames');
  let max = -Infinity;
  for (const v of shown[0]!.data) if (v > max) max = v;
  const cellWidth = Math.min(8, Math.max(1, Math.ceil(400 / Math.max(...shown.map((m) => m.frames)))));
  const panels = shown.map((m) => {
    const transposed = new Float32Array(m.frames * m.bins);
    for (let t = 0; t < m.frames; t++) for (let b = 0; b < m.bins; b++) transposed[b * m.frames + t] = m.data[t * m.bins + b]!;
    // 12 nats (~52 dB) of range below the reference's peak, as `babelfish features` draws.
    return heatmapPng(transposed, m.bins, m.frames, { origin: 'lower', cellWidth, cellHeight: 3, min: max - 12, max });
  });
  return stackPngs(panels, gap);
}

/** PNGs one above another with a white band between them, left aligned on a white canvas. */
export function stackPngs(buffers: Buffer[], gap = 6): Buffer {
  const imgs = buffers.map((b) => PNG.sync.read(b));
  const width = Math.max(...imgs.map((i) => i.width));
  const height = imgs.reduce((s, i) => s + i.height, 0) + gap * (imgs.length - 1);
  const out = new PNG({ width, height });
  out.data.fill(255);
  let y0 = 0;
  for (const img of imgs) {
    for (let y = 0; y < img.height; y++) img.data.copy(out.data, ((y0 + y) * width) * 4, y * img.width * 4, (y + 1) * img.width * 4);
    y0 += img.height + gap;
  }
  return PNG.sync.write(out);
}

function mean(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

function eta(done: number, total: number, elapsedMs: number): string {
  if (!done) return '?';
  const s = Math.round(((total - done) * elapsedMs) / done / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

/** The figures (a)-(d) for `items` (already picked); PNGs go to `<outDir>/png/`. */
export async function evaluateVoice(models: VoiceModels, items: SpeechItem[], options: VoiceEvalOptions = {}): Promise<VoiceEvalReport> {
  const { synthesizer, vocoder } = models;
  const encoder = models.speechEncoder ?? null;
  const voice = options.voice ?? 0;
  const seed = options.seed ?? 1;
  const temperature = options.temperature ?? 1;
  const pngsPerLang = options.pngs ?? 2;
  const maxSeconds = options.maxSeconds ?? 15;
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  synthesizer.checkVoice(voice);
  if (vocoder.config.numMels !== synthesizer.config.numMels || vocoder.config.sampleRate !== synthesizer.config.sampleRate) {
    throw new BabelfishError('MODEL_INVALID', 'the vocoder and the synthesizer disagree on the mel bins or the sample rate');
  }
  const features: FeatureConfig = vocoderFeatureConfig(vocoder.config);
  const glFeatures: FeatureConfig = synthesizerFeatureConfig(synthesizer.config);
  const sr = features.sampleRate;
  const mel = (x: Float32Array): MelSpectrogram => logMelSpectrogram(x, features);
  const pngDir = options.outDir ? path.join(options.outDir, 'png') : null;
  if (pngDir) await mkdir(pngDir, { recursive: true });

  const results: VoiceSentenceResult[] = [];
  const pngs: string[] = [];
  const pngCount = new Map<string, number>();
  const seconds = new Map<string, { ref: number; syn: number }>();
  let vocoderMs = 0;
  let vocodedSeconds = 0;
  const vocode = async (m: MelSpectrogram): Promise<Float32Array> => {
    const t0 = performance.now();
    const y = await vocoder.vocode(m, { seed, temperature, voicedTemperature: options.voicedTemperature, floor: options.floor, maxSeconds: (m.frames * features.hopLength + features.winLength) / sr + 1 });
    vocoderMs += performance.now() - t0;
    vocodedSeconds += y.length / sr;
    return y;
  };
  const transcribe = async (x: Float32Array, lang: string): Promise<string | null> => {
    if (!encoder) return null;
    const samples = encoder.sampleRate === sr ? x : (await import('../../src/audio/resample.ts')).resample(x, sr, encoder.sampleRate);
    return (await encoder.transcribe(samples, { lang: encoder.languages.includes(lang) ? lang : undefined })).text;
  };

  const started = performance.now();
  for (let k = 0; k < items.length; k++) {
    const item = items[k]!;
    log(`eval voice: ${k + 1}/${items.length} ${item.lang} ${item.id}, ETA ${eta(k, items.length, performance.now() - started)}`);
    const ref = (await loadAudio(item.audioPath, sr)).samples;
    if (ref.length / sr > maxSeconds) {
      log(`eval voice: skipped ${item.id}: ${(ref.length / sr).toFixed(1)} s is longer than ${maxSeconds} s`);
      continue;
    }
    const refMel = mel(ref);
    if (refMel.frames === 0) {
      log(`eval voice: skipped ${item.id}: too short for one analysis window`);
      continue;
    }
    // (a) the vocoder alone
    const resyn = await vocode(refMel);
    const resynMel = mel(resyn);
    const centres = frameCentres(refMel.frames, features.hopLength, features.winLength);
    const refPitch = trackPitch(ref, centres).period;
    const resynthesisPitch = pitchAgreement(refPitch, trackPitch(resyn, centres).period);
    const pitchHead = vocoder.config.pitchBins > 0 ? pitchAgreement(refPitch, vocoder.pitchPeriods(refMel)) : null;
    // (b) the whole voice
    const plans = synthesizer.plan(item.text, item.lang);
    const spoken = normalizeTranscript(plans.map((p) => p.sentence).join(' '));
    const synMel = await synthesizer.synthesize(item.text, { lang: item.lang, voice });
    const gl = synMel.frames > 0 ? melToAudio(synMel, glFeatures) : new Float32Array(0);
    let syn: Float32Array = new Float32Array(0);
    if (synMel.frames > 0) syn = options.griffinLim ? gl : await vocode(synMel);
    const synAudioMel = mel(syn);
    const glMel = options.griffinLim ? synAudioMel : mel(gl);
    // (c) round trip
    const transcript = syn.length ? await transcribe(syn, item.lang) : encoder ? '' : null;
    // (e) the same through Griffin-Lim (already done when it is the synthesis)
    const transcriptGriffinLim = options.griffinLim ? transcript : gl.length ? await transcribe(gl, item.lang) : encoder ? '' : null;
    const referenceTranscript = await transcribe(ref, item.lang);
    const r: VoiceSentenceResult = {
      id: item.id,
      lang: item.lang,
      ...(item.speaker !== undefined ? { speaker: item.speaker } : {}),
      text: item.text,
      spoken,
      resynthesisMcd: boundedMcd(refMel, resynMel),
      resynthesisPitch,
      pitchHead,
      synthesisMcd: boundedMcd(refMel, synAudioMel),
      synthesizerMelMcd: boundedMcd(refMel, synMel),
      transcript,
      referenceTranscript,
      synthesisMcdGriffinLim: boundedMcd(refMel, glMel),
      transcriptGriffinLim,
    };
    // (d) pictures
    const done = pngCount.get(item.lang) ?? 0;
    if (pngDir && done < pngsPerLang) {
      const file = path.join(pngDir, `${item.id.replace(/[^\w.-]+/g, '_')}.png`);
      await writeAtomic(file, spectrogramPanels([refMel, resynMel, synAudioMel]));
      r.png = file;
      pngs.push(file);
      pngCount.set(item.lang, done + 1);
    }
    results.push(r);
    const s = seconds.get(item.lang) ?? { ref: 0, syn: 0 };
    s.ref += ref.length / sr;
    s.syn += syn.length / sr;
    seconds.set(item.lang, s);
  }

  const figures = (lang: string, rs: VoiceSentenceResult[]): VoiceLanguageFigures => {
    const cerOf = (pick: (r: VoiceSentenceResult) => string | null): number | null => {
      if (!encoder) return null;
      let edits = 0;
      let chars = 0;
      for (const r of rs) {
        const ref = [...r.spoken];
        chars += ref.length;
        edits += editDistance(ref, [...(pick(r) ?? '')]);
      }
      return chars ? edits / chars : null;
    };
    const secs = lang === 'all' ? [...seconds.values()].reduce((a, s) => ({ ref: a.ref + s.ref, syn: a.syn + s.syn }), { ref: 0, syn: 0 }) : (seconds.get(lang) ?? { ref: 0, syn: 0 });
    return {
      lang,
      sentences: rs.length,
      resynthesisMcd: mean(rs.map((r) => r.resynthesisMcd)),
      ...pitchFigures(rs.map((r) => r.resynthesisPitch), 'resynthesis'),
      ...pitchFigures(rs.flatMap((r) => (r.pitchHead ? [r.pitchHead] : [])), 'pitchHead'),
      synthesisMcd: mean(rs.map((r) => r.synthesisMcd)),
      synthesizerMelMcd: mean(rs.map((r) => r.synthesizerMelMcd)),
      roundTripCer: cerOf((r) => r.transcript),
      referenceCer: cerOf((r) => r.referenceTranscript),
      synthesisMcdGriffinLim: mean(rs.map((r) => r.synthesisMcdGriffinLim)),
      roundTripCerGriffinLim: cerOf((r) => r.transcriptGriffinLim),
      referenceSeconds: secs.ref,
      synthesizedSeconds: secs.syn,
    };
  };
  const langs = [...new Set(results.map((r) => r.lang))].sort();
  return {
    perLanguage: langs.map((l) => figures(l, results.filter((r) => r.lang === l))),
    overall: figures('all', results),
    sentences: results,
    vocoderRtf: vocodedSeconds ? vocoderMs / 1000 / vocodedSeconds : 0,
    settings: { voice, sentencesPerLanguage: options.sentences ?? 10, synthesis: options.griffinLim ? 'griffin-lim' : 'wavenet', mcdOrder: 24, seed, temperature },
    pngs,
  };
}

function parseFloor(flag: string): number {
  const floor = Number(flag);
  if (!(floor >= 0 && floor < 1 / 256)) throw new BabelfishError('BAD_ARGUMENT', '--floor must be a number in [0, 1/256)');
  return floor;
}

/** Voicing recall and gross pitch error over sentences' frame counts (null without voiced frames). */
function pitchFigures<K extends string>(counts: PitchAgreement[], key: K): Record<`${K}Voicing` | `${K}Gpe`, number | null> {
  const sum = (k: keyof PitchAgreement) => counts.reduce((a, c) => a + c[k], 0);
  const [voiced, both, gross] = [sum('referenceVoiced'), sum('bothVoiced'), sum('grossErrors')];
  return { [`${key}Voicing`]: voiced ? both / voiced : null, [`${key}Gpe`]: both ? gross / both : null } as Record<`${K}Voicing` | `${K}Gpe`, number | null>;
}

export function formatVoiceReport(r: VoiceEvalReport): string {
  const db = (v: number | null, w = 10) => (v === null ? '-' : v.toFixed(2)).padStart(w);
  const pct = (v: number | null, w = 10) => (v === null ? '-' : `${(100 * v).toFixed(1)}%`).padStart(w);
  const lines = ['lang  sents  resyn-MCD  voiced    GPE  synth-MCD    mel-MCD  trip-CER   ref-CER  GL-MCD   GL-CER'];
  for (const f of [...r.perLanguage, r.overall]) {
    lines.push(`${f.lang.padEnd(4)} ${String(f.sentences).padStart(6)} ${db(f.resynthesisMcd)}${pct(f.resynthesisVoicing, 8)}${pct(f.resynthesisGpe, 7)} ${db(f.synthesisMcd)} ${db(f.synthesizerMelMcd)}${pct(f.roundTripCer)}${pct(f.referenceCer)}${db(f.synthesisMcdGriffinLim, 8)}${pct(f.roundTripCerGriffinLim, 9)}`);
  }
  if (r.overall.pitchHeadVoicing !== null) lines.push(`the vocoder's pitch head on the reference mel: ${pct(r.overall.pitchHeadVoicing, 0)} of voiced frames voiced, gross pitch error ${pct(r.overall.pitchHeadGpe, 0)}`);
  lines.push(`MCD in dB (c1..c24, DTW); synthesis through ${r.settings.synthesis}${r.settings.synthesis === 'wavenet' && r.settings.temperature !== 1 ? ` (temperature ${r.settings.temperature})` : ''}, voice ${r.settings.voice}; GL = Griffin-Lim on the synthesizer's mel; vocoder real-time factor ${r.vocoderRtf.toFixed(3)}`);
  return lines.join('\n');
}

export interface RunVoiceEvalOptions extends VoiceEvalOptions {
  /** Manifest file (default <corpus>/manifest.test.jsonl). */
  manifest?: string;
  corpus?: string;
  models?: string;
  synthesizerDir?: string;
  vocoderDir?: string;
  speechEncoderDir?: string;
}

/**
 * The library entry (`eval all` calls this): loads the models and the manifest, evaluates,
 * writes `<outDir>/report.json` and the PNGs, and returns the report.
 */
export async function runVoiceEval(options: RunVoiceEvalOptions = {}): Promise<VoiceEvalReport> {
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const outDir = options.outDir ?? path.join(projectRoot, 'runs', 'eval', 'voice');
  const dir = (name: string, given?: string) => given ?? (options.models ? path.join(options.models, name) : resolveModelDir(name));
  const manifest = options.manifest ?? path.join(options.corpus ?? path.join(projectRoot, 'data', 'corpus', 'speech', 'default'), 'manifest.test.jsonl');
  const items = await collect(readManifest(manifest).items()).catch((e) => {
    if (isBabelfishError(e)) throw e;
    throw new BabelfishError('FILE_NOT_FOUND', `cannot read the manifest ${manifest} (build the corpus with \`babelfish corpus speech\`)`, { cause: e });
  });
  await initBackend({ log });
  const synthesizer = await Synthesizer.load(dir('synthesizer', options.synthesizerDir));
  let vocoder: Vocoder | null = null;
  let speechEncoder: SpeechEncoder | null = null;
  try {
    vocoder = await Vocoder.load(dir('vocoder', options.vocoderDir));
    try {
      speechEncoder = await SpeechEncoder.load(dir('speech-encoder', options.speechEncoderDir));
    } catch (e) {
      if (!(isBabelfishError(e) && e.code === 'MODEL_NOT_FOUND')) throw e;
      log(`eval voice: ${e.message}; intelligibility (CER) is left out`);
    }
    for (const l of options.langs ?? []) synthesizer.checkLanguage(l);
    const langs = (options.langs ?? synthesizer.languages).filter((l) => synthesizer.languages.includes(l));
    const picked = pickSentences(items, options.sentences ?? 10, langs);
    if (!picked.length) throw new BabelfishError('BAD_ARGUMENT', `${manifest} has no sentences in ${langs.join(', ')}`);
    log(`eval voice: ${picked.length} sentences (${langs.join(', ')}) from ${manifest}`);
    const report = await evaluateVoice({ synthesizer, vocoder, speechEncoder }, picked, { ...options, outDir, log });
    await mkdir(outDir, { recursive: true });
    await writeAtomic(path.join(outDir, 'report.json'), JSON.stringify({ manifest, ...report }, null, 1) + '\n');
    return report;
  } finally {
    synthesizer.dispose();
    vocoder?.dispose();
    speechEncoder?.dispose();
  }
}

function intFlag(v: string | undefined, name: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new BabelfishError('BAD_ARGUMENT', `--${name} needs an integer >= ${min}`);
  return n;
}

/** `babelfish eval voice <flags>`; the exit code. */
export async function runEvalVoice(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    corpus: { type: 'string' },
    manifest: { type: 'string' },
    sentences: { type: 'string' },
    langs: { type: 'string' },
    voice: { type: 'string' },
    pngs: { type: 'string' },
    out: { type: 'string' },
    models: { type: 'string' },
    synthesizer: { type: 'string' },
    vocoder: { type: 'string' },
    'speech-encoder': { type: 'string' },
    'griffin-lim': { type: 'boolean', default: false },
    'max-seconds': { type: 'string' },
    seed: { type: 'string' },
    temperature: { type: 'string' },
    'voiced-temperature': { type: 'string' },
    floor: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(EVAL_VOICE_USAGE + '\n');
    return 0;
  }
  const maxSeconds = values['max-seconds'] === undefined ? 15 : Number(values['max-seconds']);
  if (!(maxSeconds > 0)) throw new BabelfishError('BAD_ARGUMENT', '--max-seconds must be positive');
  const report = await runVoiceEval({
    corpus: values.corpus,
    manifest: values.manifest,
    sentences: intFlag(values.sentences, 'sentences', 10, 1),
    langs: values.langs ? values.langs.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    voice: intFlag(values.voice, 'voice', 0, 0),
    pngs: intFlag(values.pngs, 'pngs', 2, 0),
    outDir: values.out,
    models: values.models,
    synthesizerDir: values.synthesizer,
    vocoderDir: values.vocoder,
    speechEncoderDir: values['speech-encoder'],
    griffinLim: values['griffin-lim'],
    maxSeconds,
    seed: intFlag(values.seed, 'seed', 1, 0),
    temperature: parseTemperature(values.temperature),
    ...(values['voiced-temperature'] !== undefined ? { voicedTemperature: parseTemperature(values['voiced-temperature']) } : {}),
    ...(values.floor !== undefined ? { floor: parseFloor(values.floor) } : {}),
  });
  process.stdout.write((values.json ? JSON.stringify(report, null, 1) : formatVoiceReport(report)) + '\n');
  return 0;
}
