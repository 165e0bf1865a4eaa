/**
 * Speech corpus throughput on one core: espeak-ng synthesis with the snapshot
 * restore the builder uses, against a fresh instance per sentence (the obvious
 * deterministic alternative; ratio measured in the same run), the whole
 * per-utterance pipeline (synthesis, resampling, augmentation, wav and
 * alignment files), and augmentation alone. All as multiples of real time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import espeakFactory from '@echogarden/espeak-ng-emscripten';
import { applyAugment } from '../training/corpus/speech/augment.ts';
import { espeakSynthesize } from '../training/corpus/speech/espeak.ts';
import type { UtteranceJob } from '../training/corpus/speech/plan.ts';
import { synthesizeUtterance } from '../training/corpus/speech/synthesize.ts';
import type { Voice } from '../training/corpus/speech/voices.ts';
import type { BenchResult } from './types.ts';

const SENTENCES: [string, string][] = [
  ['en-us', 'The children of the village walked along the river every morning.'],
  ['es', 'Mañana por la mañana iremos al mercado a comprar pan y fruta.'],
  ['fr', 'Le jardin de ma grand-mère est plein de fleurs au printemps.'],
  ['de', 'Der Zug nach Berlin fährt heute eine Stunde später ab.'],
];

/** Best of `reps` runs (seconds): the least disturbed by other work on a shared machine. */
async function best(fn: () => Promise<number>, reps = 3): Promise<{ seconds: number; audio: number }> {
  let audio = await fn(); // warm-up
  let b = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    audio = await fn();
    b = Math.min(b, (performance.now() - t0) / 1000);
  }
  return { seconds: b, audio };
}

export default async function (): Promise<BenchResult[]> {
  const snapshot = await best(async () => {
    let audio = 0;
    for (const [language, text] of SENTENCES) {
      const r = await espeakSynthesize({ text, language, variant: 'm3', pitch: 50, speed: 175 });
      audio += r.samples.length / r.sampleRate;
    }
    return audio;
  });
  const fresh = await best(async () => {
    let audio = 0;
    for (const [language, text] of SENTENCES) {
      const mod = await espeakFactory();
      const w = new mod.eSpeakNGWorker();
      w.set_voice(`${language}+m3`);
      w.set_rate(175);
      w.set_pitch(50);
      w.synthesize(text, (samples) => {
        audio += samples.length / w.get_samplerate();
        return false;
      });
    }
    return audio;
  });

  const dir = await mkdtemp(path.join(os.tmpdir(), 'babelfish-bench-speech-'));
  const voice: Voice = { id: 'm3.p50.s175', split: 'train', variant: 'm3', pitch: 50, speed: 175, accents: {} };
  let n = 0;
  const pipeline = await best(async () => {
    let audio = 0;
    for (const [accent, text] of SENTENCES) {
      const job: UtteranceJob = {
        id: `u${n++}`, lang: accent.slice(0, 2), split: 'train', manifest: 'train', index: 0, text, voice, accent,
        augment: { seed: 1, noise: { colour: 'pink', snrDb: 15 }, reverb: { rt60: 0.4, wet: 0.5 } },
        wav: `wav/u${n}.wav`, align: `align/u${n}.json`,
      };
      audio += (await synthesizeUtterance(job, dir, 16000)).duration;
    }
    return audio;
  });
  await rm(dir, { recursive: true, force: true });

  const x = new Float32Array(16000 * 10).map((_, i) => 0.3 * Math.sin(i / 7));
  const augment = await best(async () => {
    applyAugment(x, 16000, { seed: 2, speed: 1.1, reverb: { rt60: 0.5, wet: 0.5 }, telephone: true, noise: { colour: 'white', snrDb: 10 } });
    return 10;
  });

  return [
    { name: 'speech_corpus.espeak_snapshot.x_realtime', value: snapshot.audio / snapshot.seconds, unit: 'x realtime', higherIsBetter: true },
    { name: 'speech_corpus.espeak_fresh_instance.x_realtime', value: fresh.audio / fresh.seconds, unit: 'x realtime', higherIsBetter: true },
    { name: 'speech_corpus.snapshot_vs_fresh', value: fresh.seconds / snapshot.seconds, unit: 'ratio', higherIsBetter: true, note: 'speed-up of restoring a memory snapshot over a new instance per sentence' },
    { name: 'speech_corpus.pipeline.x_realtime', value: pipeline.audio / pipeline.seconds, unit: 'x realtime', higherIsBetter: true, note: 'synthesis, 16 kHz, noise+reverb, wav and alignment files; one core' },
    { name: 'speech_corpus.augment_all.x_realtime', value: augment.audio / augment.seconds, unit: 'x realtime', higherIsBetter: true, note: 'speed, reverb 0.5 s, telephone, noise' },
  ];
}
