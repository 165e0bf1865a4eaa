/**
 * Audio with no speech in it: noise, mains hum, near-silence, noise bursts.
 *
 * The corpus has only utterances, so a recogniser trained on it alone has never been
 * told that a stretch of sound can mean "no text": on a room's noise (which the input
 * level normalisation raises towards speech level) it invents words. Training mixes
 * some of these clips, with empty targets, into its batches; evaluation counts what the
 * model writes on clips from another seed.
 *
 * Each clip is a pure function of (seed, index), so a resumed run sees the same clips.
 */
import { colouredNoise, type NoiseColour } from '../corpus/speech/augment.ts';
import { createRng, gaussian, hashSeed, pick, randRange, type Rng } from '../corpus/speech/random.ts';

export type NonSpeechKind = 'noise' | 'hum' | 'silence' | 'bursts';
export const NON_SPEECH_KINDS: readonly NonSpeechKind[] = ['noise', 'hum', 'silence', 'bursts'];

export interface NonSpeechClip {
  kind: NonSpeechKind;
  samples: Float32Array;
}

export interface NonSpeechOptions {
  sampleRate: number;
  minSeconds?: number;
  maxSeconds?: number;
}

const dbToAmp = (db: number) => Math.pow(10, db / 20);
const COLOURS: readonly NoiseColour[] = ['white', 'pink', 'brown'];

/** Noise whose RMS is `db` dBFS, with a slow random swell (fans, traffic are not stationary). */
function steadyNoise(n: number, db: number, sampleRate: number, rng: Rng): Float32Array {
  const out = colouredNoise(n, pick(rng, COLOURS), rng);
  const depth = randRange(rng, 0, 0.5);
  const rate = randRange(rng, 0.1, 1) / sampleRate;
  const phase = randRange(rng, 0, 2 * Math.PI);
  const a = dbToAmp(db);
  for (let i = 0; i < n; i++) out[i] *= a * (1 + depth * Math.sin(2 * Math.PI * rate * i + phase));
  return out;
}

function hum(n: number, db: number, sampleRate: number, rng: Rng): Float32Array {
  const f0 = pick(rng, [50, 60]);
  const out = new Float32Array(n);
  // Harmonics falling off at a random slope, random phases: a buzz more than a sine.
  const slope = randRange(rng, 0.3, 0.8);
  const harmonics = Array.from({ length: 8 }, (_, k) => ({ amp: Math.pow(slope, k), phase: randRange(rng, 0, 2 * Math.PI) }));
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let k = 0; k < harmonics.length; k++) v += harmonics[k].amp * Math.sin((2 * Math.PI * f0 * (k + 1) * i) / sampleRate + harmonics[k].phase);
    out[i] = v;
  }
  let sq = 0;
  for (let i = 0; i < n; i++) sq += out[i] * out[i];
  const scale = dbToAmp(db) / Math.sqrt(sq / n);
  const floor = dbToAmp(db - 40);
  for (let i = 0; i < n; i++) out[i] = out[i] * scale + floor * gaussian(rng);
  return out;
}

/** A quiet noise bed with a few loud 30-300 ms noise bursts (knocks, rustle, breath). */
function bursts(n: number, sampleRate: number, rng: Rng): Float32Array {
  const out = steadyNoise(n, randRange(rng, -70, -55), sampleRate, rng);
  const count = 1 + Math.floor(rng() * Math.max(1, (n / sampleRate) * 1.5));
  for (let b = 0; b < count; b++) {
    const len = Math.round(randRange(rng, 0.03, 0.3) * sampleRate);
    const start = Math.floor(rng() * Math.max(1, n - len));
    const burst = colouredNoise(len, pick(rng, COLOURS), rng);
    const a = dbToAmp(randRange(rng, -30, -10));
    const decay = randRange(rng, 1, 6) / len;
    for (let i = 0; i < len && start + i < n; i++) out[start + i] += a * burst[i] * Math.exp(-decay * i);
  }
  return out;
}

/** The `index`-th clip of the set named by `seed`. */
export function nonSpeechClip(seed: number, index: number, options: NonSpeechOptions): NonSpeechClip {
  const { sampleRate, minSeconds = 0.5, maxSeconds = 6 } = options;
  const rng = createRng(hashSeed('non-speech', seed, index));
  const kind = NON_SPEECH_KINDS[index % NON_SPEECH_KINDS.length];
  const n = Math.max(1, Math.round(randRange(rng, minSeconds, maxSeconds) * sampleRate));
  let samples: Float32Array;
  if (kind === 'noise') samples = steadyNoise(n, randRange(rng, -60, -20), sampleRate, rng);
  else if (kind === 'hum') samples = hum(n, randRange(rng, -55, -25), sampleRate, rng);
  else if (kind === 'silence') samples = steadyNoise(n, randRange(rng, -95, -70), sampleRate, rng);
  else samples = bursts(n, sampleRate, rng);
  // Never clip: a loud swell or burst stays inside [-1, 1] as a real recording would.
  for (let i = 0; i < n; i++) samples[i] = Math.max(-1, Math.min(1, samples[i]));
  return { kind, samples };
}

export function nonSpeechClips(seed: number, count: number, options: NonSpeechOptions): NonSpeechClip[] {
  return Array.from({ length: count }, (_, i) => nonSpeechClip(seed, i, options));
}
