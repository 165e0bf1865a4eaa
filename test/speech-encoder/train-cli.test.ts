import { resample } from '../../src/audio/resample.ts';
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtemp, readdir, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { runTrainSpeechEncoder, type AudioFrontEnd } from '../../training/speech-encoder/train.ts';
import { runEvalSpeechEncoder } from '../../training/speech-encoder/eval.ts';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import { editDistance } from '../../src/metrics/cer.ts';
import { logMelFeatureSource } from '../../models/speech-encoder/log-mel-source.ts';

beforeAll(async () => {
  await initBackend({ log: () => {} });
});

/** "Speech" where each letter is a 0.15 s tone of its own pitch. */
function toneFor(text: string): Float32Array {
  const sr = 16000;
  const per = 0.15 * sr;
  const out = new Float32Array(text.length * per + 800);
  [...text].forEach((ch, i) => {
    const f = 200 + 60 * (ch.charCodeAt(0) - 96);
    for (let n = 0; n < per; n++) out[i * per + n] = 0.3 * Math.sin((2 * Math.PI * f * n) / sr);
  });
  return out;
}

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n++;
  return n;
}

describe('runTrainSpeechEncoder', () => {
  it('reads manifests, caches features, trains, resumes by flag, exports a loadable model, and evaluates it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'se-cli-'));
    const texts = { train: ['abc', 'cab', "b'a c", 'room 42', 'acca'], dev: ['bca'], test: ['cab', 'abba'] };
    const audioByPath = new Map<string, Float32Array>();
    for (const [split, list] of Object.entries(texts)) {
      const rows = list.map((text, i) => {
        const audio = join(dir, `${split}-${i}.wav`);
        audioByPath.set(audio, toneFor(text.replace(/[^a-z]/g, '')));
        return JSON.stringify({ audio: `${split}-${i}.wav`, lang: i % 2 ? 'es' : 'en', text, speaker: 's', split, duration: 1 });
      });
      await writeFile(join(dir, `manifest.${split}.jsonl`), rows.join('\n') + '\n');
      for (const r of rows) await writeFile(join(dir, JSON.parse(r).audio), 'x');
    }
    // A second corpus, trained together with the first through a comma-separated --train-manifest.
    audioByPath.set(join(dir, 'extra-0.wav'), toneFor('bab'));
    await writeFile(join(dir, 'extra-0.wav'), 'x');
    await writeFile(join(dir, 'extra.jsonl'), JSON.stringify({ audio: 'extra-0.wav', lang: 'en', text: 'bab', speaker: 't', split: 'train', duration: 1 }) + '\n');
    const front: AudioFrontEnd = { features: logMelFeatureSource(), featureKey: 'test', loadAudio: async (p) => audioByPath.get(p)! };
    const runDir = join(dir, 'run');
    const cache = join(dir, 'cache');
    const out = join(dir, 'model');
    const flags = ['--corpus', dir, '--run-dir', runDir, '--cache-dir', cache, '--out', out, '--steps', '4', '--hidden', '16',
      '--front-end-channels', '16', '--dilations', '1,2', '--checkpoint-every', '2', '--eval-every', '2', '--log-every', '1', '--batch-frames', '400',
      '--non-speech-clips', '4', '--train-manifest', `${join(dir, 'manifest.train.jsonl')},${join(dir, 'extra.jsonl')}`];
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (stderr.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await runTrainSpeechEncoder([...flags, '--stop-after', '2'], front)).toBe(0);
      // 4 + 1 train rows kept (one has digits) + 1 dev row, each cached once.
      expect(await countFiles(cache)).toBe(6);
      expect(stderr.join('')).toMatch(/5 train \/ 1 dev utterances/);
      expect(stderr.join('')).toMatch(/skipped .*"digits":1/);
      await expect(readdir(out)).rejects.toThrow(); // not exported before the last step
      // --float16 given on resume: the export (not the checkpoints) stores half floats
      expect(await runTrainSpeechEncoder([...flags, '--resume', '--float16'], front)).toBe(0);
    } finally {
      process.stderr.write = write;
    }
    const text = stderr.join('');
    expect(text).toMatch(/resuming .* at step 2/);
    expect(text).toMatch(/step 4\/4 .*dev CER \d+\.\d%.*steps\/s.*ETA/);
    expect(await countFiles(cache)).toBe(6);
    const log = (await readFile(join(runDir, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((e) => e.step)).toEqual([1, 2, 3, 4]);
    expect(typeof log[1].devCer).toBe('number');

    const manifest = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
    expect(manifest.weightsManifest[0].weights.every((w: { quantization?: { dtype: string } }) => w.quantization?.dtype === 'float16')).toBe(true);
    const checkpointManifest = JSON.parse(await readFile(join(runDir, 'checkpoints', 'step-00000004', 'model.json'), 'utf8'));
    expect(checkpointManifest.weightsManifest[0].weights.some((w: { quantization?: unknown }) => w.quantization)).toBe(false);
    const model = await SpeechEncoder.load(out);
    expect(model.config.featureMean).toHaveLength(80);
    expect(model.vocab.symbols.length).toBe(model.config.vocabSize);
    model.dispose();

    const stdout: string[] = [];
    const writeOut = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (stdout.push(String(s)), true)) as typeof process.stdout.write;
    try {
      expect(await runEvalSpeechEncoder(['--model', out, '--corpus', dir, '--non-speech', '8', '--out', join(dir, 'hyps.jsonl')], front)).toBe(0);
    } finally {
      process.stdout.write = writeOut;
    }
    expect(stdout.join('')).toMatch(/^en\s+1\s/m);
    expect(stdout.join('')).toMatch(/^es\s+1\s/m);
    expect(stdout.join('')).toMatch(/real-time factor/);
    expect(stdout.join('')).toMatch(/non-speech clips with text: \d\/8 \(noise \d\/2, hum \d\/2, silence \d\/2, bursts \d\/2\)/);
    // --out: one line per scored test row, whose edits add up to the printed overall CER
    const hyps = (await readFile(join(dir, 'hyps.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(hyps.map((h) => [h.lang, h.ref])).toEqual([['en', 'cab'], ['es', 'abba']]);
    for (const h of hyps) expect(h.charEdits).toBe(editDistance([...h.ref], [...h.hyp]));
    const cer = hyps.reduce((a, h) => a + h.charEdits, 0) / hyps.reduce((a, h) => a + h.refChars, 0);
    expect(stdout.join('')).toMatch(new RegExp(`^all\\s+2\\s+${(100 * cer).toFixed(1).replace('.', '\\.')}%`, 'm'));

    // --gain-db scales each recording before it reaches the model's front end.
    const peaks: number[] = [];
    const inner = logMelFeatureSource();
    const spy: AudioFrontEnd = { ...front, features: { ...inner, compute: (x) => (peaks.push(x.reduce((m, v) => Math.max(m, Math.abs(v)), 0)), inner.compute(x)) } };
    process.stdout.write = ((s: string) => (stdout.push(String(s)), true)) as typeof process.stdout.write;
    try {
      expect(await runEvalSpeechEncoder(['--model', out, '--corpus', dir, '--non-speech', '0'], spy)).toBe(0);
      expect(await runEvalSpeechEncoder(['--model', out, '--corpus', dir, '--gain-db=-20', '--non-speech', '0'], spy)).toBe(0);
      await expect(runEvalSpeechEncoder(['--model', out, '--corpus', dir, '--gain-db', 'loud'], spy)).rejects.toThrow(/--gain-db/);
    } finally {
      process.stdout.write = writeOut;
    }
    expect(peaks.length).toBe(4); // two test rows, twice
    expect(peaks[2] / peaks[0]).toBeCloseTo(0.1, 5);
    expect(peaks[3] / peaks[1]).toBeCloseTo(0.1, 5);

    // --through-rate passes each recording through a lower sample rate and back (the project's resampler).
    const seen: Float32Array[] = [];
    const keep: AudioFrontEnd = { ...front, features: { ...inner, compute: (x) => (seen.push(Float32Array.from(x)), inner.compute(x)) } };
    process.stdout.write = ((s: string) => (stdout.push(String(s)), true)) as typeof process.stdout.write;
    try {
      expect(await runEvalSpeechEncoder(['--model', out, '--corpus', dir, '--non-speech', '0'], keep)).toBe(0);
      expect(await runEvalSpeechEncoder(['--model', out, '--corpus', dir, '--through-rate', '8000', '--non-speech', '0'], keep)).toBe(0);
      await expect(runEvalSpeechEncoder(['--model', out, '--corpus', dir, '--through-rate', '8k'], keep)).rejects.toThrow(/--through-rate/);
    } finally {
      process.stdout.write = writeOut;
    }
    expect(seen.length).toBe(4);
    for (const i of [0, 1]) {
      const expected = resample(resample(seen[i], 16000, 8000), 8000, 16000);
      expect(seen[2 + i].length).toBe(expected.length);
      let diff = 0;
      let changed = 0;
      for (let k = 0; k < expected.length; k++) {
        diff = Math.max(diff, Math.abs(seen[2 + i][k] - expected[k]));
        changed = Math.max(changed, Math.abs(seen[2 + i][k] - seen[i][k]));
      }
      expect(diff).toBeLessThan(1e-6);
      expect(changed).toBeGreaterThan(1e-3); // the band limit did something
    }
  });
});
