/**
 * `babelfish corpus speech`: the synthetic multi-speaker speech corpus.
 *
 *   config -> sentences (text corpus splits) -> voices -> plan of utterances
 *   -> synthesis in child processes (skipping finished files) -> manifests.
 *
 * Output under `--out`: wav/<lang>/<id>.wav (16 kHz mono PCM16),
 * align/<id>.json (espeak word and phoneme timings), manifest.<split>.jsonl,
 * manifest.test-noisy.jsonl, voices.json and summary.json.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { open, mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseCommandArgs } from '../../../src/cli/args.ts';
import { BabelfishError } from '../../../src/errors.ts';
import { sentencesFor } from '../text/parallel.ts';
import { DEFAULT_AUGMENT } from './augment.ts';
import { defaultSpeechCorpusConfig, SIZES, SPEECH_CORPUS_SIZES, type SpeechCorpusConfig, type SpeechCorpusSize } from './config.ts';
import { espeakVariantNames } from './espeak.ts';
import { disjointSplits, planUtterances, SPEECH_SPLITS, type SpeechSplit, type UtteranceJob } from './plan.ts';
import { formatSeconds, ProgressBar } from './progress.ts';
import { buildVoiceBank } from './voices.ts';
import type { WorkerReply, WorkerRequest } from './worker.ts';

/** One line of `manifest.<split>.jsonl`. */
export interface SpeechManifestRow {
  id: string;
  /** Path of the wav, relative to the manifest. */
  audio: string;
  lang: string;
  text: string;
  /** Voice id. */
  speaker: string;
  split: SpeechSplit;
  duration: number;
  sampleRate: number;
  /** What was done to the audio (null: clean espeak output). */
  augment: UtteranceJob['augment'];
  /** espeak language voice (accent) used. */
  accent: string;
  /** Word/phoneme timings, relative to the manifest, when saved. */
  align?: string;
}

export interface SpeechCorpusSummary {
  out: string;
  size: SpeechCorpusSize;
  seed: number;
  /** False while a build is running or was stopped: the manifests then list the finished rows only. */
  complete: boolean;
  utterances: number;
  /** Rows in the manifests. */
  finished: number;
  synthesized: number;
  reused: number;
  seconds: number;
  /** Hours of audio per language and manifest. */
  hours: Record<string, Record<string, number>>;
  counts: Record<string, Record<string, number>>;
  voices: { train: number; test: number };
}

export interface BuildOptions {
  /** No progress bar or log lines (tests). */
  quiet?: boolean;
}

export async function buildSpeechCorpus(config: SpeechCorpusConfig, options: BuildOptions = {}): Promise<SpeechCorpusSummary> {
  const log = (s: string) => {
    if (!options.quiet) process.stderr.write(s + '\n');
  };
  const t0 = Date.now();
  const size = SIZES[config.size];
  const utterances = { ...size.utterances, ...config.utterances };

  const sentences: Record<string, Record<SpeechSplit, string[]>> = {};
  for (const lang of config.languages) {
    const raw = {} as Record<SpeechSplit, string[]>;
    for (const split of SPEECH_SPLITS) raw[split] = await sentencesFor(lang, split, config.textDir);
    sentences[lang] = disjointSplits(raw);
    for (const split of SPEECH_SPLITS) {
      if (!sentences[lang][split].length && utterances[split] > 0) {
        throw new BabelfishError('FILE_NOT_FOUND', `no ${split} sentences for ${lang} in ${config.textDir} (build the text corpus first: babelfish corpus text)`);
      }
    }
  }

  const voices = buildVoiceBank(config.seed, size.voices, config.languages);
  const available = new Set(await espeakVariantNames());
  for (const v of voices) {
    if (v.randomSeed === undefined && !available.has(v.variant)) {
      throw new BabelfishError('BAD_ARGUMENT', `espeak-ng variant ${v.variant} is not in this build`);
    }
  }
  const jobs = planUtterances({
    seed: config.seed,
    sentences,
    voices,
    utterances,
    trainHours: config.utterances?.train !== undefined ? undefined : size.trainHours,
    augment: config.augment,
    noisyTest: config.noisyTest,
    align: config.align,
  });

  await mkdir(config.out, { recursive: true });
  const durations = new Map<string, number>();
  const pending: UtteranceJob[] = [];
  for (const job of jobs) {
    const d = await finishedDuration(job, config);
    if (d === null) pending.push(job);
    else durations.set(job.id, d);
  }
  // Synthesis order: the small evaluation sets first, then training utterances
  // round-robin over languages, so a build stopped early is balanced and usable.
  const rank = (j: UtteranceJob) => (j.manifest === 'train' ? 1 : 0);
  pending.sort((a, b) => rank(a) - rank(b) || a.index - b.index || config.languages.indexOf(a.lang) - config.languages.indexOf(b.lang));
  log(`speech corpus ${config.size}: ${jobs.length} utterances (${durations.size} already built), ${voices.length} voices, ${config.jobs} jobs -> ${config.out}`);

  const writeOutputs = async (complete: boolean): Promise<SpeechCorpusSummary> => {
    // Each file is written whole, then renamed into place. Until the build is
    // complete the manifests hold the finished rows only and summary.json says so.
    const byManifest = new Map<string, SpeechManifestRow[]>();
    const hours: SpeechCorpusSummary['hours'] = {};
    const counts: SpeechCorpusSummary['counts'] = {};
    for (const job of jobs) {
      const duration = durations.get(job.id);
      if (duration === undefined) continue;
      const row: SpeechManifestRow = {
        id: job.id,
        audio: job.wav,
        lang: job.lang,
        text: job.text,
        speaker: job.voice.id,
        split: job.split,
        duration: Math.round(duration * 1000) / 1000,
        sampleRate: config.sampleRate,
        augment: job.augment,
        accent: job.accent,
        ...(job.align ? { align: job.align } : {}),
      };
      if (!byManifest.has(job.manifest)) byManifest.set(job.manifest, []);
      byManifest.get(job.manifest)!.push(row);
      hours[job.lang] ??= {};
      counts[job.lang] ??= {};
      hours[job.lang][job.manifest] = (hours[job.lang][job.manifest] ?? 0) + duration / 3600;
      counts[job.lang][job.manifest] = (counts[job.lang][job.manifest] ?? 0) + 1;
    }
    for (const [name, rows] of byManifest) {
      await writeAtomic(path.join(config.out, `manifest.${name}.jsonl`), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    }
    await writeAtomic(path.join(config.out, 'voices.json'), JSON.stringify(voices, null, 1) + '\n');
    const summary: SpeechCorpusSummary = {
      out: config.out,
      size: config.size,
      seed: config.seed,
      complete,
      utterances: jobs.length,
      finished: durations.size,
      synthesized: durations.size - reused,
      reused,
      seconds: (Date.now() - t0) / 1000,
      hours,
      counts,
      voices: { train: voices.filter((v) => v.split === 'train').length, test: voices.filter((v) => v.split === 'test').length },
    };
    await writeAtomic(path.join(config.out, 'summary.json'), JSON.stringify({ ...summary, config: { ...config, out: undefined } }, null, 1) + '\n');
    return summary;
  };

  const reused = durations.size;
  if (pending.length) {
    const bar = new ProgressBar('synthesising', pending.length, 'utt', options.quiet ? null : process.stderr);
    let audioSeconds = 0;
    let lastCheckpoint = Date.now();
    let writing: Promise<unknown> = Promise.resolve();
    await runPool(pending, config, (job, duration) => {
      durations.set(job.id, duration);
      audioSeconds += duration;
      bar.tick(1, `${(audioSeconds / 3600).toFixed(2)} h audio`);
      if (Date.now() - lastCheckpoint > CHECKPOINT_MS) {
        lastCheckpoint = Date.now();
        writing = writing.then(() => writeOutputs(false));
      }
    });
    await writing;
  }
  const summary = await writeOutputs(true);
  if (config.prune) {
    const removed = await pruneStale(config.out, jobs);
    if (removed) log(`pruned ${removed} files no row refers to`);
  }
  log(`speech corpus done in ${formatSeconds(summary.seconds)}: ` + Object.entries(summary.hours).map(([l, h]) => `${l} ${(h.train ?? 0).toFixed(2)} h train`).join(', '));
  return summary;
}

/** Delete wav/ and align/ files that belong to no job of the plan. */
async function pruneStale(out: string, jobs: UtteranceJob[]): Promise<number> {
  const keep = new Set<string>();
  for (const j of jobs) {
    keep.add(path.join(out, j.wav));
    if (j.align) keep.add(path.join(out, j.align));
  }
  let removed = 0;
  const sweep = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await sweep(p);
      else if (!keep.has(p)) {
        await unlink(p);
        removed++;
      }
    }
  };
  await sweep(path.join(out, 'wav'));
  await sweep(path.join(out, 'align'));
  return removed;
}

/** Duration of a finished utterance, or null if its files are missing or broken. */
async function finishedDuration(job: UtteranceJob, config: SpeechCorpusConfig): Promise<number | null> {
  const seconds = await finishedWavSeconds(path.join(config.out, job.wav), config.sampleRate);
  if (seconds === null) return null;
  if (job.align && !(await stat(path.join(config.out, job.align)).catch(() => null))) return null;
  return seconds;
}

/**
 * Seconds of the wav a previous run of a corpus builder finished at `file` (16-bit mono at
 * `sampleRate`, as writeWav writes them atomically), or null when it must be made (again).
 */
export async function finishedWavSeconds(file: string, sampleRate: number): Promise<number | null> {
  const info = await wavHeader(file);
  if (!info || info.sampleRate !== sampleRate || info.channels !== 1 || info.bitsPerSample !== 16 || info.frames === 0) return null;
  return info.frames / info.sampleRate;
}

/** The fmt and data chunks of a PCM WAV file, checked against the file's size. */
export async function wavHeader(file: string): Promise<{ sampleRate: number; channels: number; bitsPerSample: number; frames: number } | null> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(Math.min(size, 4096));
    await fh.read(head, 0, head.length, 0);
    if (head.length < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') return null;
    let pos = 12;
    let fmt: { channels: number; sampleRate: number; bitsPerSample: number } | null = null;
    while (pos + 8 <= head.length) {
      const id = head.toString('ascii', pos, pos + 4);
      const len = head.readUInt32LE(pos + 4);
      if (id === 'fmt ' && pos + 24 <= head.length) {
        fmt = { channels: head.readUInt16LE(pos + 10), sampleRate: head.readUInt32LE(pos + 12), bitsPerSample: head.readUInt16LE(pos + 22) };
      } else if (id === 'data') {
        if (!fmt || pos + 8 + len > size) return null;
        return { ...fmt, frames: len / (fmt.channels * (fmt.bitsPerSample / 8)) };
      }
      pos += 8 + len + (len % 2);
    }
    return null;
  } finally {
    await fh.close();
  }
}

async function writeAtomic(file: string, body: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, body);
  await rename(tmp, file);
}

/** Manifests of the finished rows are rewritten this often during a long build. */
const CHECKPOINT_MS = 5 * 60 * 1000;

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.ts');

/** tsx's loader, so child processes run the TypeScript worker whoever started us (CLI, vitest). */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/** Synthesise jobs on `config.jobs` child processes; a job that fails twice fails the build. */
async function runPool(jobs: UtteranceJob[], config: SpeechCorpusConfig, done: (job: UtteranceJob, duration: number) => void): Promise<void> {
  const queue = jobs.slice();
  const attempts = new Map<string, number>();
  const failures: string[] = [];
  const loader = tsxLoader();
  const workers = Math.max(1, Math.min(config.jobs, jobs.length));

  const children: ChildProcess[] = [];
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const child: ChildProcess = fork(WORKER, [], { execArgv: ['--import', loader], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      let current: UtteranceJob | undefined;
      const next = () => {
        current = queue.shift();
        if (!current) {
          child.disconnect();
          return;
        }
        child.send({ job: current, outDir: config.out, sampleRate: config.sampleRate } satisfies WorkerRequest);
      };
      child.on('message', (reply: WorkerReply) => {
        const job = current!;
        if ('error' in reply) {
          const n = (attempts.get(job.id) ?? 0) + 1;
          attempts.set(job.id, n);
          if (n < 2) queue.push(job);
          else failures.push(`${job.id}: ${reply.error}`);
        } else {
          done(job, reply.duration);
        }
        next();
      });
      child.on('exit', (code, signal) => {
        if (code === 0 && !current) resolve();
        else reject(new Error(`speech worker exited with ${signal ?? code} while on ${current?.id ?? 'nothing'}`));
      });
      child.on('error', reject);
      next();
    });

  try {
    await Promise.all(Array.from({ length: workers }, runWorker));
  } catch (e) {
    // One worker died: stop the others too, or their open channels keep this process alive.
    for (const c of children) if (c.exitCode === null) c.kill();
    throw e;
  }
  if (failures.length) {
    throw new BabelfishError('INTERNAL', `${failures.length} utterances failed to synthesise:\n${failures.slice(0, 5).join('\n')}`);
  }
}

// ---- command line

const USAGE = `babelfish corpus speech [options]

Synthesises the speech corpus with espeak-ng (GPL-3, used only here to make
training data) from the sentences of the text corpus.

  --size tiny|default|full   how much (default: default)
  --out DIR                  output folder (default: data/corpus/speech/<size>)
  --seed N                   everything random derives from it (default: 1)
  --jobs N                   synthesis processes (default: 2)
  --text-dir DIR             parallel text corpus (default: training/data/text)
  --languages en,es,...      languages to speak (default: all configured)
  --train N --dev N --test N utterances per language and split (override the size)
  --augment-fraction F       fraction of training utterances augmented (default: ${DEFAULT_AUGMENT.fraction}; 0 for none)
  --snr LO:HI                noise SNR range in dB (default: ${DEFAULT_AUGMENT.snrDb.join(':')})
  --no-noisy-test            skip the noisy copy of the test set
  --no-align                 do not save word/phoneme timings
  --prune                    after a complete build, delete wav/align files no row refers to
`;

export function parseSpeechCorpusArgs(argv: string[]): SpeechCorpusConfig | null {
  const { values } = parseCommandArgs(argv, {
    size: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
    jobs: { type: 'string' },
    'text-dir': { type: 'string' },
    languages: { type: 'string' },
    train: { type: 'string' },
    dev: { type: 'string' },
    test: { type: 'string' },
    'augment-fraction': { type: 'string' },
    snr: { type: 'string' },
    'no-noisy-test': { type: 'boolean' },
    'no-align': { type: 'boolean' },
    prune: { type: 'boolean' },
  });
  if (values.help) return null;
  const size = (values.size ?? 'default') as SpeechCorpusSize;
  if (!SPEECH_CORPUS_SIZES.includes(size)) throw new BabelfishError('BAD_ARGUMENT', `--size must be one of ${SPEECH_CORPUS_SIZES.join(', ')}, got ${values.size}`);
  const config = defaultSpeechCorpusConfig(size);
  const int = (name: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new BabelfishError('BAD_ARGUMENT', `--${name} must be an integer >= ${min}, got ${v}`);
    return n;
  };
  if (values.out) config.out = path.resolve(values.out);
  config.seed = int('seed', values.seed, 0) ?? config.seed;
  config.jobs = int('jobs', values.jobs, 1) ?? config.jobs;
  if (values['text-dir']) config.textDir = path.resolve(values['text-dir']);
  if (values.languages) config.languages = values.languages.split(',').map((s) => s.trim()).filter(Boolean);
  const counts: SpeechCorpusConfig['utterances'] = {};
  for (const split of SPEECH_SPLITS) {
    const n = int(split, values[split], 0);
    if (n !== undefined) counts[split] = n;
  }
  if (Object.keys(counts).length) config.utterances = counts;
  const augment = { ...config.augment };
  if (values['augment-fraction'] !== undefined) {
    const f = Number(values['augment-fraction']);
    if (!(f >= 0 && f <= 1)) throw new BabelfishError('BAD_ARGUMENT', `--augment-fraction must be in [0, 1], got ${values['augment-fraction']}`);
    augment.fraction = f;
  }
  if (values.snr !== undefined) {
    const m = /^(-?\d+(?:\.\d+)?):(-?\d+(?:\.\d+)?)$/.exec(values.snr);
    if (!m || Number(m[1]) > Number(m[2])) throw new BabelfishError('BAD_ARGUMENT', `--snr must be LO:HI in dB, got ${values.snr}`);
    augment.snrDb = [Number(m[1]), Number(m[2])];
  }
  config.augment = augment;
  if (values['no-noisy-test']) config.noisyTest = false;
  if (values['no-align']) config.align = false;
  if (values.prune) config.prune = true;
  return config;
}

export async function runCorpusSpeech(argv: string[]): Promise<number> {
  const config = parseSpeechCorpusArgs(argv);
  if (!config) {
    process.stdout.write(USAGE);
    return 0;
  }
  const summary = await buildSpeechCorpus(config);
  process.stdout.write(JSON.stringify({ out: summary.out, utterances: summary.utterances, hours: summary.hours, voices: summary.voices }, null, 1) + '\n');
  return 0;
}

