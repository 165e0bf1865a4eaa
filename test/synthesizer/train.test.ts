import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTrainSynthesizer } from '../../training/synthesizer/train.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import { wavToMono, readManifest } from '../../training/synthesizer/data.ts';
import { Synthesizer } from '../../models/synthesizer/model.ts';
import { readMelFile } from '../../training/vocoder/data.ts';
import { DEFAULT_TRAIN_OPTIONS, trainVocoder } from '../../training/vocoder/train.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const TINY_FLAGS = ['--hidden', '16', '--encoder-layers', '1', '--decoder-layers', '1', '--kernel', '3', '--uniform-steps', '2', '--warmup', '1', '--log-every', '1', '--eval-every', '3', '--checkpoint-every', '2'];

let root = '';

/** A corpus of "speech" where every letter is a 50 ms tone of its own pitch. */
async function toneCorpus(dir: string): Promise<void> {
  const sentences = ['abc', 'bad cab', 'dab', 'ace', 'bed', 'cede'];
  await mkdir(join(dir, 'wav'), { recursive: true });
  const rows: Record<string, string>[] = [];
  sentences.forEach((text, k) => {
    const id = `u${k}`;
    rows.push({ id, audio: `wav/${id}.wav`, lang: 'en', text, speaker: k % 2 ? 'v1' : 'v0', split: k < 4 ? 'train' : 'dev' });
  });
  for (const r of rows) {
    const text = ` ${r.text} `;
    const samples = new Float32Array(text.length * 800);
    let o = 0;
    for (const ch of text) {
      const f = ch === ' ' ? 0 : 200 + 90 * (ch.charCodeAt(0) - 97);
      for (let i = 0; i < 800; i++) samples[o++] = f ? 0.3 * Math.sin((2 * Math.PI * f * i) / 16000) : 0;
    }
    await writeFile(join(dir, r.audio!), encodeWav(samples, 16000));
  }
  await writeFile(join(dir, 'manifest.train.jsonl'), rows.filter((r) => r.split === 'train').map((r) => JSON.stringify(r)).join('\n') + '\n');
  await writeFile(join(dir, 'manifest.dev.jsonl'), rows.filter((r) => r.split === 'dev').map((r) => JSON.stringify(r)).join('\n') + '\n');
}

function steps(logPath: string): number[] {
  return readFileSync(logPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l).step as number);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'synth-train-'));
  await toneCorpus(join(root, 'corpus'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('synthesizer data', () => {
  it('reads the WAVs it wrote and resolves manifest paths next to the manifest', async () => {
    const rows = await readManifest(join(root, 'corpus', 'manifest.train.jsonl'));
    expect(rows).toHaveLength(4);
    const x = wavToMono(readFileSync(rows[0]!.audio), 16000);
    expect(x.length).toBe(5 * 800);
    expect(Math.max(...x)).toBeCloseTo(0.3, 3);
  });
});

describe('train synthesizer', () => {
  it('trains, is killed, resumes at its last checkpoint, exports, and predicts mels', async () => {
    const run = join(root, 'run');
    const out = join(root, 'model');
    const common = ['--corpus', join(root, 'corpus'), '--run', run, '--out', out, '--cache', join(root, 'cache'), ...TINY_FLAGS];
    // A child process trains "forever"; kill it hard once a checkpoint exists.
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'run-train.ts'), ...common, '--steps', '100000'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, BABELFISH_BACKEND: 'cpu' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const latest = join(run, 'checkpoints', 'latest.json');
    const t0 = Date.now();
    while (!existsSync(latest) || JSON.parse(readFileSync(latest, 'utf8')).step < 4) {
      if (Date.now() - t0 > 90_000 || child.exitCode !== null) throw new Error('trainer never checkpointed: ' + stderr);
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const killedAt = JSON.parse(await readFile(latest, 'utf8')).step as number;
    expect(killedAt).toBeGreaterThanOrEqual(4);
    expect(stderr).toMatch(/ETA/);

    const target = killedAt + 3;
    expect(await runTrainSynthesizer([...common, '--steps', String(target), '--resume'])).toBe(0);
    const logged = steps(join(run, 'log.jsonl'));
    // After the resume the log continues from the checkpoint's step, not from 1.
    const resumedPart = logged.slice(logged.lastIndexOf(killedAt + 1));
    expect(resumedPart).toEqual([killedAt + 1, killedAt + 2, killedAt + 3]);
    expect(JSON.parse(await readFile(latest, 'utf8')).step).toBe(target);
    expect(existsSync(join(run, 'samples', `step-${String(target).padStart(8, '0')}.png`))).toBe(true);
    expect(existsSync(join(run, 'samples', `step-${String(target).padStart(8, '0')}.wav`))).toBe(true);

    const model = await Synthesizer.load(out);
    expect(model.voices).toBe(2);
    expect(model.config.voiceNames).toEqual(['v0', 'v1']);
    const mel = await model.synthesize('a bad cab.', { lang: 'en', voice: 1 });
    expect(mel.bins).toBe(80);
    model.dispose();

    const pm = join(root, 'predicted');
    expect(await runTrainSynthesizer([...common, '--predict-mels', pm])).toBe(0);
    const manifest = (await readFile(join(pm, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(manifest).toHaveLength(6);
    const u0 = manifest.find((r) => r.id === 'u0');
    // Frames line up with the recording: 5 x 50 ms minus the analysis window -> frames of the real mel.
    expect(u0.frames).toBe(Math.floor((5 * 800 - 400) / 160) + 1);
    const limited = join(root, 'predicted-2');
    expect(await runTrainSynthesizer([...common, '--predict-mels', limited, '--limit', '3'])).toBe(0);
    const splits = (await readFile(join(limited, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).split);
    expect(splits).toEqual(['train', 'train', 'train', 'dev', 'dev']); // only 2 dev rows exist
    const mel0 = readMelFile(join(pm, u0.mel), 80);
    expect(mel0.frames).toBe(u0.frames);
    // log-mel values (a file misread shows up as huge or NaN floats)
    expect(mel0.data.every((v) => Number.isFinite(v) && v > -30 && v < 20)).toBe(true);

    // The vocoder's stage 2 trains on those files: its mel normalisation is measured on the
    // four training utterances' predicted mels, not on the recordings' own.
    const lines: string[] = [];
    const vocoderRun = join(root, 'vocoder');
    const { vocoder, losses } = await trainVocoder(
      { ...DEFAULT_TRAIN_OPTIONS, out: vocoderRun, finetuneMel: pm, steps: 2, batch: 2, window: 320, checkpointEvery: 2, valBatches: 1, sampleSeconds: 0, seed: 3, model: { dilations: [1, 2], residualChannels: 4, skipChannels: 4, headChannels: 4, condChannels: 4 } },
      (l) => lines.push(l),
    );
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(lines.join('\n')).toContain(`predicted mel from ${pm}`);
    const train = manifest.filter((r) => r.split === 'train').map((r) => readMelFile(join(pm, r.mel), 80).data);
    const values = train.flatMap((d) => Array.from(d));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(vocoder.config.melMean).toBeCloseTo(mean, 4);
    vocoder.dispose();
  });

  it('rejects bad flags and a missing corpus with clear errors', async () => {
    await expect(runTrainSynthesizer(['--steps', 'many'])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(runTrainSynthesizer(['--bogus'])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(runTrainSynthesizer(['--corpus', join(root, 'nope'), '--run', join(root, 'r2')])).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
