/**
 * `babelfish eval all`: one report of every model and of the whole pipeline, as a folder with
 * REPORT.md, report.json and PNG plots.
 *
 *   speech encoder   CER/WER per language          (training/speech-encoder/eval.ts)
 *   translator       BLEU/chrF, zero-shot, retrieval (training/translator/eval.ts)
 *   voice            MCD, round-trip CER            (training/voice/eval.ts)
 *   end to end       ASR-BLEU next to cascade and text-only BLEU, per-stage real-time
 *                    factors, latency                (training/e2e/)
 *   training curves  from <runs>/<model>/log.jsonl   (training/report/training-curves.ts)
 *
 * The folder is built next to its destination and swapped in at the end, so a reader never
 * sees half a report and a failed run leaves the previous one in place.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCommandArgs } from '../src/cli/args.ts';
import { BabelfishError } from '../src/errors.ts';
import { projectRoot } from '../src/paths.ts';
import { initBackend } from '../src/backend.ts';
import { DEFAULT_STAGE_OPTIONS, defaultModelDirs, loadModels, stagesFromModels, vocoderKind, VOCODER_KINDS, type ModelDirs, type VocoderKind } from '../src/pipeline/load-stages.ts';
import { histogramPng } from '../src/plot/chart.ts';
import { DEFAULT_NON_SPEECH_CLIPS, evaluateSpeechEncoder } from './speech-encoder/eval.ts';
import { readManifest as readEncoderManifest } from './speech-encoder/data.ts';
import { defaultAudioFrontEnd } from './speech-encoder/audio-front-end.ts';
import { evaluateTranslator } from './translator/eval.ts';
import { runVoiceEval } from './voice/eval.ts';
import { readManifest } from './readers/manifest.ts';
import { collect } from './readers/types.ts';
import { evaluateEndToEnd } from './e2e/evaluate.ts';
import { CURVE_MODELS, readTrainingCurve } from './report/training-curves.ts';
import { renderReport, type EvalAllReport } from './report/markdown.ts';
import { hasDigits } from '../models/speech-encoder/vocab.ts';

export const SECTIONS = ['speech-encoder', 'translator', 'voice', 'e2e', 'curves'] as const;
export type Section = (typeof SECTIONS)[number];

export interface EvalAllOptions {
  /** Folder with the four models (`<models>/<name>/` or `<models>/<name>/default/`); default the shipped ones. */
  models?: string;
  /** Speech corpus folder (its manifest.test.jsonl). */
  corpus: string;
  /** Parallel text folder (its *.test.tsv[.gz]). */
  textDir: string;
  out: string;
  /** Training run folders (`<runs>/<model>/log.jsonl`); null: no curves. */
  runs: string | null;
  /** End-to-end recordings per direction. */
  limit: number;
  /** Speech encoder utterances per language. */
  asrLimit: number;
  /** Translator sentences per test file. */
  mtLimit: number;
  /** Voice sentences per language. */
  voiceSentences: number;
  beam: number;
  voice: number;
  /** What turns the synthesizer's mel into audio end to end (default the pipeline's). */
  vocoder?: VocoderKind;
  sections: Section[];
  /** Only these end-to-end directions (`en-es`). */
  directions?: string[];
  /** Keep the sections this run does not measure from the earlier report in `out`, with their plots. */
  update?: boolean;
  command?: string;
  log?: (line: string) => void;
}

export const DEFAULTS = {
  corpus: path.join(projectRoot, 'data', 'corpus', 'speech', 'default'),
  textDir: path.join(projectRoot, 'training', 'data', 'text'),
  out: path.join(projectRoot, 'docs', 'report'),
  runs: path.join(projectRoot, 'runs'),
  limit: 5,
  asrLimit: 200,
  mtLimit: 100,
  voiceSentences: 10,
  beam: 4,
} as const;

async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

function checkModels(dirs: ModelDirs, need: (keyof ModelDirs)[]): void {
  for (const k of need) {
    if (!existsSync(path.join(dirs[k], 'model.json'))) {
      throw new BabelfishError('MODEL_NOT_FOUND', `no ${k} model in ${dirs[k]} (model.json); train one (babelfish train all) or point --models at a folder with speech-encoder/, translator/, synthesizer/, vocoder/`);
    }
  }
}

/** The report folder is replaced whole: refuse a folder that holds anything but an earlier report. */
async function checkOutDir(out: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(out);
  } catch {
    return; // absent: created at the end
  }
  if (names.length && !names.includes('report.json')) {
    throw new BabelfishError('BAD_ARGUMENT', `--out ${out} is a folder with other files in it (no report.json); the report folder is replaced whole, so give a new or an earlier report's folder`);
  }
}

/** The earlier report in `out`, for --update. */
async function readEarlierReport(out: string): Promise<EvalAllReport> {
  try {
    return JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as EvalAllReport;
  } catch (e) {
    throw new BabelfishError('FILE_NOT_FOUND', `--update needs an earlier report in ${out} (report.json): ${(e as Error).message}`);
  }
}

/** The section that wrote a plot. Reports made before plots recorded it are told by file name. */
export function plotSection(p: { file: string; section?: string }): Section {
  if (p.section && (SECTIONS as readonly string[]).includes(p.section)) return p.section as Section;
  if (p.file.startsWith('voice/')) return 'voice';
  if (p.file.startsWith('curve-')) return 'curves';
  return 'e2e'; // spectrograms, attention maps and the latency histogram come from the end-to-end run
}

/** Copies a plot of the earlier report folder into the new one. */
async function copyPlot(earlierDir: string, staging: string, file: string): Promise<void> {
  const to = path.join(staging, file);
  if (existsSync(to)) return;
  await mkdir(path.dirname(to), { recursive: true });
  await cp(path.join(earlierDir, file), to);
}

/**
 * Copies into `report` the sections of an earlier one that this run does not measure, with their
 * plots (files copied from `earlierDir` into `staging`), and notes when each was measured.
 */
async function carrySections(report: EvalAllReport, earlier: EvalAllReport, earlierDir: string, staging: string, measured: Set<Section>): Promise<void> {
  const carried = (report.carried ??= {});
  const carry = (s: Section) => {
    carried[s] = earlier.carried?.[s] ?? earlier.generated;
  };
  for (const s of SECTIONS) {
    if (measured.has(s)) continue;
    if (s === 'speech-encoder' && earlier.speechEncoder) (report.speechEncoder = earlier.speechEncoder), carry(s);
    if (s === 'translator' && earlier.translator) (report.translator = earlier.translator), carry(s);
    if (s === 'voice' && earlier.voice) (report.voice = earlier.voice), carry(s);
    if (s === 'e2e' && earlier.endToEnd) (report.endToEnd = earlier.endToEnd), carry(s);
    if (s === 'curves' && earlier.runs) {
      report.runs = earlier.runs;
      report.trainingCurves = earlier.trainingCurves;
      report.missingCurves = earlier.missingCurves;
      carry(s);
    }
  }
  if (carried.voice && existsSync(path.join(earlierDir, 'voice'))) await cp(path.join(earlierDir, 'voice'), path.join(staging, 'voice'), { recursive: true });
  for (const p of earlier.plots) {
    const section = plotSection(p);
    if (!carried[section]) continue;
    await copyPlot(earlierDir, staging, p.file);
    report.plots.push({ ...p, section });
  }
}

/** Runs the chosen sections and writes the report folder; returns the report. */
export async function evaluateAll(o: EvalAllOptions): Promise<EvalAllReport> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const sections = new Set(o.sections);
  const vocoder = o.vocoder ?? DEFAULT_STAGE_OPTIONS.vocoder;
  const dirs = defaultModelDirs(o.models ? path.resolve(o.models) : undefined);
  const need = new Set<keyof ModelDirs>();
  if (sections.has('speech-encoder') || sections.has('e2e')) need.add('speechEncoder');
  if (sections.has('translator') || sections.has('e2e')) need.add('translator');
  if (sections.has('voice') || sections.has('e2e')) (need.add('synthesizer'), need.add('vocoder'));
  checkModels(dirs, [...need]);
  const manifest = path.join(o.corpus, 'manifest.test.jsonl');
  if ((sections.has('speech-encoder') || sections.has('voice') || sections.has('e2e')) && !existsSync(manifest)) {
    throw new BabelfishError('FILE_NOT_FOUND', `no test manifest ${manifest} (build the speech corpus: babelfish corpus speech, or pass --corpus)`);
  }

  const out = path.resolve(o.out);
  await checkOutDir(out);
  const earlier = o.update ? await readEarlierReport(out) : null;
  const staging = `${out}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const t0 = performance.now();
  const sectionSeconds: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const s0 = performance.now();
    log(`[eval all] ${name} ...`);
    try {
      return await f();
    } finally {
      sectionSeconds[name] = (performance.now() - s0) / 1000;
      log(`[eval all] ${name}: ${sectionSeconds[name]!.toFixed(0)} s`);
    }
  };
  const plots: EvalAllReport['plots'] = [];
  const savePng = async (file: string, data: Buffer, caption: string, section: Section) => {
    await writeAtomic(path.join(staging, file), data);
    plots.push({ file, caption, section });
  };

  const report: EvalAllReport = {
    generated: new Date().toISOString(),
    seconds: 0,
    sectionSeconds,
    command: o.command ?? 'babelfish eval all',
    models: dirs,
    corpus: o.corpus,
    textDir: o.textDir,
    runs: sections.has('curves') ? o.runs : null,
    settings: { limit: o.limit, asrLimit: o.asrLimit, mtLimit: o.mtLimit, voiceSentences: o.voiceSentences, beam: o.beam, voice: o.voice, vocoder, sections: [...sections] },
    speechEncoder: null,
    translator: null,
    voice: null,
    endToEnd: null,
    trainingCurves: [],
    missingCurves: [],
    plots,
    carried: {},
  };

  try {
    await initBackend({ log });
    if (sections.has('speech-encoder')) {
      report.speechEncoder = await timed('speech encoder', async () => {
        const { SpeechEncoder } = await import('../models/speech-encoder/model.ts');
        const encoder = await SpeechEncoder.load(dirs.speechEncoder);
        const front = defaultAudioFrontEnd(encoder.config.features, encoder.config.inputLevel);
        try {
          const perLang = new Map<string, number>();
          const rows = (await readEncoderManifest(manifest)).filter((r) => {
            if (hasDigits(r.text)) return false;
            const n = perLang.get(r.lang) ?? 0;
            perLang.set(r.lang, n + 1);
            return n < o.asrLimit;
          });
          log(`[eval all] speech encoder: ${rows.length} utterances (${[...perLang.keys()].join(', ')})`);
          return await evaluateSpeechEncoder(encoder, rows, front, { nonSpeechClips: DEFAULT_NON_SPEECH_CLIPS });
        } finally {
          encoder.dispose();
        }
      });
    }

    if (sections.has('translator')) {
      report.translator = await timed('translator', () => evaluateTranslator({ modelDir: dirs.translator, dataDir: o.textDir, beam: o.beam, limit: o.mtLimit, log }));
    }

    if (sections.has('voice')) {
      const v = await timed('voice', () =>
        runVoiceEval({ corpus: o.corpus, synthesizerDir: dirs.synthesizer, vocoderDir: dirs.vocoder, speechEncoderDir: dirs.speechEncoder, sentences: o.voiceSentences, pngs: 1, voice: o.voice, outDir: path.join(staging, 'voice'), log }),
      );
      const rel = (f: string) => path.relative(staging, f).split(path.sep).join('/');
      report.voice = { ...v, pngs: v.pngs.map(rel), sentences: v.sentences.map((s) => (s.png ? { ...s, png: rel(s.png) } : s)) };
      for (const f of report.voice.pngs) plots.push({ file: f, caption: 'voice: reference / resynthesis / synthesis spectrograms', section: 'voice' });
    }

    if (sections.has('e2e')) {
      report.endToEnd = await timed('end to end', async () => {
        const models = await loadModels(dirs);
        try {
          const stages = stagesFromModels(models, { beam: o.beam, vocoder });
          const items = await collect(readManifest(manifest).items());
          const { report: e, pngs } = await evaluateEndToEnd(models, stages, { textDir: o.textDir, items, perDirection: o.limit, beam: o.beam, voice: o.voice, vocoder, directions: o.directions, log });
          for (const p of pngs) await savePng(p.name, p.data, p.caption, 'e2e');
          if (e.latencies.length) await savePng('latency-histogram.png', histogramPng(e.latencies), `latency, seconds from end of speech to first translated audio (x), segments per bin (y); ${e.latencies.length} segments`, 'e2e');
          return e;
        } finally {
          for (const m of Object.values(models)) m.dispose();
        }
      });
    }

    if (sections.has('curves') && o.runs) {
      await timed('training curves', async () => {
        for (const model of CURVE_MODELS) {
          const c = await readTrainingCurve(o.runs!, model);
          // --update: a model whose run log is gone keeps the earlier report's curve
          const kept = c ? undefined : earlier?.trainingCurves.find((x) => x.model === model);
          if (kept) {
            if (kept.png) {
              await copyPlot(out, staging, kept.png);
              plots.push({ ...(earlier!.plots.find((p) => p.file === kept.png) ?? { file: kept.png, caption: `${model} training curve` }), section: 'curves' });
            }
            report.trainingCurves.push({ ...kept, measured: kept.measured ?? earlier!.carried?.curves ?? earlier!.generated });
            continue;
          }
          if (!c) {
            report.missingCurves.push(model);
            continue;
          }
          let png: string | null = null;
          if (c.png) {
            png = `curve-${model}.png`;
            await savePng(png, c.png, `${model}: ${c.curve.plotted.join(', ')} against step`, 'curves');
          }
          report.trainingCurves.push({ ...c.curve, png });
        }
      });
    }

    if (earlier) await carrySections(report, earlier, out, staging, sections);
    report.seconds = (performance.now() - t0) / 1000;
    await writeAtomic(path.join(staging, 'report.json'), JSON.stringify(report, null, 1) + '\n');
    await writeAtomic(path.join(staging, 'REPORT.md'), renderReport(report));
    // Swap the finished folder in; the previous report goes only once the new one is in place.
    await mkdir(path.dirname(out), { recursive: true });
    const old = `${out}.old-${process.pid}`;
    if (existsSync(out)) await rename(out, old);
    await rename(staging, out);
    await rm(old, { recursive: true, force: true });
    log(`[eval all] wrote ${path.join(out, 'REPORT.md')}, report.json and ${plots.length} PNGs in ${(report.seconds / 60).toFixed(1)} min`);
    return report;
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}

export const EVAL_ALL_USAGE = `usage: babelfish eval all [--models DIR] [--corpus DIR] [--out DIR] [--limit N] [--runs DIR] [options]

Evaluates every model and the whole speech-to-speech pipeline and writes a report folder:
REPORT.md (tables and pictures), report.json (every figure and sentence) and PNGs.

  speech encoder   CER/WER per language on the test voices
  translator       BLEU/chrF per direction, zero-shot directions, human test set, retrieval
  voice            synthesizer + vocoder MCD and round-trip CER (WaveNet and Griffin-Lim), spectrograms
  end to end       test recordings through the streaming pipeline: ASR-BLEU (the translated
                   speech transcribed by the speech encoder) next to cascade BLEU (the
                   pipeline's text translation) and text-only BLEU (the translator on the
                   reference source), per-stage real-time factors, latency from end of speech
                   to first audio (histogram), spectrograms, attention maps
  training curves  from <runs>/<model>/log.jsonl, where present

  --models DIR          the four models, <DIR>/<name>/ or <DIR>/<name>/default/ (default models/)
  --corpus DIR          speech corpus; reads manifest.test.jsonl (default data/corpus/speech/default)
  --text DIR            parallel text with *.test.tsv[.gz] (default training/data/text)
  --out DIR             report folder, replaced when done (default docs/report)
  --runs DIR            training run folders (default runs/)
  --limit N             end-to-end recordings per direction (default ${DEFAULTS.limit})
  --asr-limit N         speech encoder utterances per language (default ${DEFAULTS.asrLimit})
  --mt-limit N          translator sentences per test file (default ${DEFAULTS.mtLimit})
  --voice-sentences N   voice sentences per language (default ${DEFAULTS.voiceSentences})
  --beam N              translator beam, as the pipeline (default ${DEFAULTS.beam})
  --voice N             synthesizer voice (default 0)
  --vocoder KIND        end to end, the mel goes to audio through ${VOCODER_KINDS.join(' or ')} (default ${DEFAULT_STAGE_OPTIONS.vocoder}, as the pipeline)
  --directions a-b,...  only these end-to-end directions
  --sections a,b        only these of ${SECTIONS.join(', ')} (default all)
  --update              keep the other sections (and their plots) from the report already in
                        --out, each marked with the date it was measured: re-measure one
                        retrained model without running everything, or keep training curves
                        whose run logs are gone

With the defaults the whole report takes about 10 minutes on one core.`;

function intFlag(v: string | undefined, name: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new BabelfishError('BAD_ARGUMENT', `--${name} needs an integer >= ${min}, got '${v}'`);
  return n;
}

export function parseEvalAllArgs(argv: string[]): EvalAllOptions | null {
  const { values } = parseCommandArgs(argv, {
    models: { type: 'string' },
    corpus: { type: 'string' },
    text: { type: 'string' },
    out: { type: 'string' },
    runs: { type: 'string' },
    limit: { type: 'string' },
    'asr-limit': { type: 'string' },
    'mt-limit': { type: 'string' },
    'voice-sentences': { type: 'string' },
    beam: { type: 'string' },
    voice: { type: 'string' },
    vocoder: { type: 'string' },
    directions: { type: 'string' },
    sections: { type: 'string' },
    update: { type: 'boolean' },
  });
  if (values.help) return null;
  const list = (s: string | undefined) => s?.split(',').map((x) => x.trim()).filter(Boolean);
  const sections = (list(values.sections) ?? [...SECTIONS]) as Section[];
  for (const s of sections) if (!SECTIONS.includes(s)) throw new BabelfishError('BAD_ARGUMENT', `unknown section '${s}'; one of ${SECTIONS.join(', ')}`);
  if (!sections.length) throw new BabelfishError('BAD_ARGUMENT', '--sections names no section');
  const directions = list(values.directions);
  for (const d of directions ?? []) if (!/^[a-z]{2,3}-[a-z]{2,3}$/.test(d)) throw new BabelfishError('BAD_ARGUMENT', `--directions takes from-to pairs like en-es, got '${d}'`);
  return {
    models: values.models,
    corpus: path.resolve(values.corpus ?? DEFAULTS.corpus),
    textDir: path.resolve(values.text ?? DEFAULTS.textDir),
    out: path.resolve(values.out ?? DEFAULTS.out),
    runs: path.resolve(values.runs ?? DEFAULTS.runs),
    limit: intFlag(values.limit, 'limit', DEFAULTS.limit, 1),
    asrLimit: intFlag(values['asr-limit'], 'asr-limit', DEFAULTS.asrLimit, 1),
    mtLimit: intFlag(values['mt-limit'], 'mt-limit', DEFAULTS.mtLimit, 1),
    voiceSentences: intFlag(values['voice-sentences'], 'voice-sentences', DEFAULTS.voiceSentences, 1),
    beam: intFlag(values.beam, 'beam', DEFAULTS.beam, 1),
    voice: intFlag(values.voice, 'voice', 0, 0),
    vocoder: vocoderKind(values.vocoder) ?? DEFAULT_STAGE_OPTIONS.vocoder,
    sections,
    directions,
    update: values.update === true,
    command: ['babelfish eval all', ...argv].join(' '),
  };
}

/** `babelfish eval all <flags>`; the exit code. */
export async function runEvalAll(argv: string[]): Promise<number> {
  const o = parseEvalAllArgs(argv);
  if (!o) {
    process.stdout.write(EVAL_ALL_USAGE + '\n');
    return 0;
  }
  const r = await evaluateAll(o);
  process.stdout.write(`${path.join(o.out, 'REPORT.md')}\n`);
  const failed = r.endToEnd?.utterances.filter((u) => u.errors.length).length ?? 0;
  if (failed) process.stderr.write(`[eval all] ${failed} recordings met pipeline errors (listed in report.json)\n`);
  return 0;
}

