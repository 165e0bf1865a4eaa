/**
 * `babelfish train all`: rebuild the corpus and retrain every default model, in order,
 * with the documented settings. Each step is resumable (the step's own checkpoints), and
 * finished steps are recorded in `<run>/train-all.json` so a rerun after a kill starts
 * where it stopped.
 *
 * `--size tiny` is the same path at toy scale (a 40-utterance corpus, tiny models, a few
 * steps each): it finishes in CI time, and the end-to-end test serves its models, so the
 * training -> serving path is exercised on every change.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseCommandArgs } from '../src/cli/args.ts';
import { BabelfishError } from '../src/errors.ts';
import { projectRoot } from '../src/paths.ts';

export type TrainSize = 'tiny' | 'default';

export interface TrainAllConfig {
  size: TrainSize;
  /** Where the four models go: `<out>/<name>/` (default: models/<name>/default). */
  out?: string;
  /** Run folders (checkpoints, logs) and the state file. */
  run: string;
  corpus: string;
  /** Rebuild the parallel text corpus from Debian's packages (needs apt; see training/CORPUS.md). */
  rebuildText: boolean;
  seed: number;
}

interface Step {
  name: string;
  run: () => Promise<number>;
}

/** Flags per model and size: the documented settings of the shipped defaults, and toy ones. */
function stepFlags(size: TrainSize) {
  if (size === 'tiny') {
    return {
      speech: ['--size', 'tiny'],
      // A high rate with a short warm-up: at the default schedule 60 steps leave the model
      // predicting end-of-sentence first, an empty translation that silences the pipeline.
      translator: ['--size', 'tiny', '--steps', '150', '--lr', '0.01', '--warmup', '10', '--eval-every', '1000', '--dev-sentences', '8', '--checkpoint-every', '75', '--log-every', '50'],
      speechLm: ['--order', '3', '--max-sentences', '300', '--tune-utterances', '8', '--beam', '4'],
      speechEncoder: ['--steps', '40', '--non-speech-clips', '40', '--hidden', '32', '--front-end-channels', '32', '--dilations', '1,2', '--eval-every', '1000', '--dev-utterances', '4', '--checkpoint-every', '20', '--log-every', '20'],
      synthesizer: ['--steps', '40', '--hidden', '32', '--encoder-layers', '1', '--decoder-layers', '1', '--uniform-steps', '20', '--eval-every', '1000', '--checkpoint-every', '20', '--log-every', '20'],
      vocoder: ['--steps', '20', '--warmup', '2', '--batch', '2', '--window', '1600', '--residual', '8', '--skip', '16', '--head', '16', '--cond-channels', '8', '--dilations', '1,2,4,8', '--checkpoint-every', '10', '--log-every', '10', '--sample-seconds', '0.1'],
    };
  }
  return { speech: ['--size', 'default'], translator: ['--size', 'default'], speechEncoder: [], speechLm: [], synthesizer: [], vocoder: [] };
}

export function trainSteps(c: TrainAllConfig): Step[] {
  const f = stepFlags(c.size);
  const modelDir = (name: string) => (c.out ? path.join(c.out, name) : path.join(projectRoot, 'models', name, 'default'));
  const runDir = (name: string) => path.join(c.run, name);
  const seed = ['--seed', String(c.seed)];
  const steps: Step[] = [];
  if (c.rebuildText) steps.push({ name: 'corpus text', run: async () => (await import('./corpus/text/build.ts')).runCorpusText(seed) });
  steps.push(
    { name: 'corpus speech', run: async () => (await import('./corpus/speech/build.ts')).runCorpusSpeech([...f.speech, '--out', c.corpus, ...seed]) },
    {
      name: 'train translator',
      run: async () => (await import('./translator/train.ts')).runTrainTranslator([...f.translator, '--run', runDir('translator'), '--out', modelDir('translator'), ...resumeFlag(runDir('translator')), ...seed]),
    },
    {
      name: 'train speech-encoder',
      run: async () =>
        (await import('./speech-encoder/train.ts')).runTrainSpeechEncoder([...f.speechEncoder, '--corpus', c.corpus, '--run-dir', runDir('speech-encoder'), '--out', modelDir('speech-encoder'), ...resumeFlag(runDir('speech-encoder')), ...seed]),
    },
    {
      name: 'train speech-lm',
      run: async () => (await import('./speech-encoder/train-lm.ts')).runTrainSpeechLm([...f.speechLm, '--model', modelDir('speech-encoder'), '--corpus', c.corpus, '--run-dir', runDir('speech-lm')]),
    },
    {
      name: 'train synthesizer',
      run: async () => (await import('./synthesizer/train.ts')).runTrainSynthesizer([...f.synthesizer, '--corpus', c.corpus, '--run', runDir('synthesizer'), '--out', modelDir('synthesizer'), ...resumeFlag(runDir('synthesizer')), ...seed]),
    },
    {
      name: 'train vocoder',
      run: async () => (await import('./vocoder/train.ts')).runTrainVocoder([...f.vocoder, '--corpus', c.corpus, '--out', runDir('vocoder'), '--export', modelDir('vocoder'), ...resumeFlag(runDir('vocoder')), ...seed]),
    },
  );
  return steps;
}

/** A step killed half-way resumes from its own checkpoint. */
function resumeFlag(dir: string): string[] {
  return existsSync(dir) ? ['--resume'] : [];
}

async function loadState(file: string): Promise<{ done: string[] }> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return { done: [] };
  }
}

export async function trainAll(c: TrainAllConfig, log: (l: string) => void = (l) => process.stderr.write(l + '\n')): Promise<number> {
  await mkdir(c.run, { recursive: true });
  const stateFile = path.join(c.run, 'train-all.json');
  const state = await loadState(stateFile);
  const steps = trainSteps(c);
  const t0 = performance.now();
  for (const [i, step] of steps.entries()) {
    const tag = `[train all ${i + 1}/${steps.length}] ${step.name}`;
    if (state.done.includes(step.name)) {
      log(`${tag}: done earlier, skipped`);
      continue;
    }
    log(`${tag} ...`);
    const s0 = performance.now();
    const code = await step.run();
    if (code !== 0) {
      log(`${tag} failed with exit code ${code}; fix it and rerun the same command to resume`);
      return code;
    }
    state.done.push(step.name);
    await writeFile(stateFile + '.tmp', JSON.stringify(state, null, 1));
    await rename(stateFile + '.tmp', stateFile);
    log(`${tag}: finished in ${((performance.now() - s0) / 1000).toFixed(0)} s (total ${((performance.now() - t0) / 60000).toFixed(1)} min)`);
  }
  log(`train all (${c.size}): every model trained in ${((performance.now() - t0) / 60000).toFixed(1)} min` + (c.out ? `; models in ${c.out}` : ''));
  return 0;
}

export const TRAIN_ALL_USAGE = `usage: babelfish train all [--size tiny|default] [--out DIR] [--run DIR] [--corpus DIR] [--rebuild-text]

Builds the speech corpus and trains the translator, speech encoder, synthesizer and
vocoder in order. Rerun the same command after a kill: finished steps are skipped and
the interrupted one resumes from its checkpoint.
  --size S         default: the shipped models' settings; tiny: a toy run for CI (minutes)
  --out DIR        models go to DIR/<name>/ (default: models/<name>/default/)
  --run DIR        checkpoints and logs (default runs/<size>)
  --corpus DIR     speech corpus folder (default data/corpus/speech/<size>)
  --rebuild-text   also rebuild the parallel text corpus from Debian's packages (apt)
  --seed N`;

export async function runTrainAll(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    size: { type: 'string', default: 'default' },
    out: { type: 'string' },
    run: { type: 'string' },
    corpus: { type: 'string' },
    'rebuild-text': { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
  });
  if (values.help) {
    process.stdout.write(TRAIN_ALL_USAGE + '\n');
    return 0;
  }
  if (values.size !== 'tiny' && values.size !== 'default') throw new BabelfishError('BAD_ARGUMENT', '--size is tiny or default');
  const size = values.size as TrainSize;
  return trainAll({
    size,
    out: values.out ? path.resolve(values.out) : undefined,
    run: path.resolve(values.run ?? path.join(projectRoot, 'runs', size)),
    corpus: path.resolve(values.corpus ?? path.join(projectRoot, 'data/corpus/speech', size)),
    rebuildText: values['rebuild-text']!,
    seed: Number(values.seed),
  });
}
