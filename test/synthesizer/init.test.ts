/** `train synthesizer --init DIR` (continue from an exported model) and the dev batches' spread over languages. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devEvalBatches, runTrainSynthesizer } from '../../training/synthesizer/train.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import { Synthesizer } from '../../models/synthesizer/model.ts';

const TINY = ['--hidden', '16', '--encoder-layers', '1', '--decoder-layers', '1', '--kernel', '3', '--warmup', '2', '--lr', '0.01',
  '--log-every', '1', '--eval-every', '1000', '--checkpoint-every', '1000'];

let root = '';

/** Every letter is a 50 ms tone of its own pitch; speakers v0 and v1. */
async function toneCorpus(dir: string, speakers = ['v0', 'v1']): Promise<void> {
  const sentences = ['abc', 'bad cab', 'dab', 'ace', 'bed', 'cede'];
  await mkdir(join(dir, 'wav'), { recursive: true });
  const rows = sentences.map((text, k) => ({ id: `u${k}`, audio: `wav/u${k}.wav`, lang: 'en', text, speaker: speakers[k % speakers.length]!, split: k < 4 ? 'train' : 'dev' }));
  for (const r of rows) {
    const text = ` ${r.text} `;
    const samples = new Float32Array(text.length * 800);
    let o = 0;
    for (const ch of text) {
      const f = ch === ' ' ? 0 : 200 + 90 * (ch.charCodeAt(0) - 97);
      for (let i = 0; i < 800; i++) samples[o++] = f ? 0.3 * Math.sin((2 * Math.PI * f * i) / 16000) : 0;
    }
    await writeFile(join(dir, r.audio), encodeWav(samples, 16000));
  }
  for (const split of ['train', 'dev']) {
    await writeFile(join(dir, `manifest.${split}.jsonl`), rows.filter((r) => r.split === split).map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
}

const losses = (run: string): number[] => readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).loss as number);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'synth-init-'));
  await toneCorpus(join(root, 'corpus'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('train synthesizer --init', () => {
  it('starts from the export: first loss near the export\'s, config and voices kept; --resume wins; bad folders refused', async () => {
    const common = ['--corpus', join(root, 'corpus'), '--cache', join(root, 'cache'), ...TINY];
    const exported = join(root, 'model');
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (stderr.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await runTrainSynthesizer([...common, '--run', join(root, 'a'), '--out', exported, '--steps', '40', '--uniform-steps', '2'])).toBe(0);
      const first = losses(join(root, 'a'));
      const fresh = first[0]!;
      const trained = first.slice(-5).reduce((a, b) => a + b) / 5;
      expect(trained).toBeLessThan(0.7 * fresh);

      // Model flags that would build another model are overruled by the init's config.
      const run = join(root, 'b');
      const cont = ['--run', run, '--out', join(root, 'model-b'), '--init', exported, '--hidden', '8', '--checkpoint-every', '3'];
      expect(await runTrainSynthesizer([...common, ...cont, '--steps', '3'])).toBe(0);
      const text = stderr.join('');
      expect(text).toContain(`initialised from ${exported}`);
      expect(text).toMatch(/0 uniform-duration steps/);
      const second = losses(run);
      expect(second).toHaveLength(3);
      expect(Math.abs(second[0]! - trained)).toBeLessThan(0.5 * Math.abs(fresh - trained));
      const a = await Synthesizer.load(exported);
      const b = await Synthesizer.load(join(root, 'model-b'));
      expect(b.config).toEqual(a.config);
      expect(b.config.voiceNames).toEqual(['v0', 'v1']);
      a.dispose();
      b.dispose();

      // --resume with a checkpoint wins over --init, and says so.
      stderr.length = 0;
      expect(await runTrainSynthesizer([...common, ...cont, '--steps', '4', '--resume'])).toBe(0);
      expect(stderr.join('')).toMatch(/--init .* ignored/);
      expect(stderr.join('')).toMatch(/resumed from .* at step 3/);
      expect(losses(run)).toHaveLength(4);

      // --resume alone trains on with the run's saved config (corpus, cache, sizes, checkpoint interval), not the defaults.
      stderr.length = 0;
      expect(await runTrainSynthesizer(['--run', run, '--steps', '5', '--resume'])).toBe(0);
      expect(stderr.join('')).toMatch(/--resume: the run's config from/);
      expect(losses(run)).toHaveLength(5);
      const latest = JSON.parse(readFileSync(join(run, 'checkpoints', 'latest.json'), 'utf8')).dir as string;
      const state = JSON.parse(readFileSync(join(run, 'checkpoints', latest, 'state.json'), 'utf8'));
      expect([state.step, state.config.steps, state.config.checkpointEvery, state.config.corpus, state.config.cacheDir]).toEqual([5, 5, 3, join(root, 'corpus'), join(root, 'cache')]);
    } finally {
      process.stderr.write = write;
    }
    await expect(runTrainSynthesizer([...common, '--run', join(root, 'c'), '--init', join(root, 'nope')])).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    // A corpus with a speaker the model does not have is refused clearly.
    await toneCorpus(join(root, 'corpus3'), ['v0', 'v1', 'v2']);
    await expect(
      runTrainSynthesizer(['--corpus', join(root, 'corpus3'), '--cache', join(root, 'cache'), ...TINY, '--run', join(root, 'd'), '--init', exported, '--steps', '1']),
    ).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/3 speakers, the model 2/) });
  });
});

describe('synthesizer dev batches', () => {
  it('cover every language of a language-sorted dev set, about the asked frame budget, deterministically', () => {
    // 40 en, 20 es, 10 fr, 6 de utterances, sorted by language, lengths varying within each.
    const dev = [[0, 40], [1, 20], [2, 10], [3, 6]].flatMap(([lang, n]) => Array.from({ length: n! }, (_, i) => ({ lang: lang!, frames: 100 + ((i * 37) % 300) })));
    const batches = devEvalBatches(dev, 2000, 8, 2);
    const picked = batches.flat();
    expect(new Set(picked).size).toBe(picked.length);
    expect(new Set(picked.map((i) => dev[i]!.lang))).toEqual(new Set([0, 1, 2, 3]));
    const frames = picked.reduce((s, i) => s + dev[i]!.frames, 0);
    expect(frames).toBeLessThanOrEqual(2 * 2000);
    expect(frames).toBeGreaterThan(0.7 * 2 * 2000);
    for (const b of batches) expect(b.length).toBeLessThanOrEqual(8);
    expect(devEvalBatches(dev, 2000, 8, 2)).toEqual(batches);
    // The old choice, the first length batches, took only the shortest utterances.
    expect(Math.max(...picked.map((i) => dev[i]!.frames))).toBeGreaterThan(300);
    expect(devEvalBatches(dev, 2000, 8, 0)).toEqual([]);
    expect(devEvalBatches(dev.slice(0, 3), 2000, 8, 2).flat().sort()).toEqual([0, 1, 2]);
  });
});
