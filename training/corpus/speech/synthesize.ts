/**
 * One utterance, end to end: espeak-ng at 22.05 kHz -> resample to the corpus
 * rate -> augmentation -> PCM16 WAV and the word/phoneme timings. Both files are
 * written to a temporary name and renamed, so a killed build never leaves a
 * half-written file that looks finished; the wav comes last, marking the job done.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { applyAugment, preventClipping } from './augment.ts';
import { resample } from '../../../src/audio/resample.ts';
import { writeWav } from '../../../src/audio/wav.ts';
import { espeakSynthesize } from './espeak.ts';
import type { UtteranceJob } from './plan.ts';
import { randomVariantFile } from './voices.ts';

export interface SynthesisResult {
  id: string;
  duration: number;
}

export async function synthesizeUtterance(job: UtteranceJob, outDir: string, sampleRate: number): Promise<SynthesisResult> {
  const { voice } = job;
  const spoken = await espeakSynthesize({
    text: job.text,
    language: job.accent,
    variant: voice.variant,
    variantFile: voice.randomSeed !== undefined ? randomVariantFile(voice.variant, voice.randomSeed) : undefined,
    pitch: voice.pitch,
    speed: voice.speed,
  });
  if (spoken.samples.length === 0) throw new Error(`espeak-ng produced no audio for ${job.id}`);
  let audio = resample(spoken.samples, spoken.sampleRate, sampleRate);
  if (job.augment) audio = applyAugment(audio, sampleRate, job.augment);
  audio = preventClipping(audio);

  const wavPath = path.join(outDir, job.wav);
  await mkdir(path.dirname(wavPath), { recursive: true });
  if (job.align) {
    // Speed perturbation plays the audio faster by the factor, so every time shrinks by it.
    const scale = 1 / (job.augment?.speed ?? 1);
    const at = (t: number) => Math.round(t * scale * 1000) / 1000;
    const units = (list: typeof spoken.words) => list.map((u) => ({ label: u.label, start: at(u.start), end: at(u.end) }));
    const alignPath = path.join(outDir, job.align);
    await mkdir(path.dirname(alignPath), { recursive: true });
    const body = JSON.stringify({ id: job.id, text: job.text, words: units(spoken.words), phonemes: units(spoken.phonemes) });
    await writeFile(alignPath + '.tmp', body);
    await rename(alignPath + '.tmp', alignPath);
  }
  await writeWav(wavPath, audio, sampleRate); // atomic: temporary file, then rename
  return { id: job.id, duration: audio.length / sampleRate };
}
