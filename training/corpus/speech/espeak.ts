/**
 * espeak-ng through its Emscripten build (`@echogarden/espeak-ng-emscripten`,
 * GPL-3.0). Training-data generation only: nothing under src/, server/ or
 * models/ may import this file, so the GPL code never reaches the serving path.
 *
 * Determinism, measured here: one instance synthesising the same text twice
 * gives different samples (wave generator state carries over between calls, and
 * noise sources are seeded from the clock at start-up). So the engine pins the
 * clock, warms up once, snapshots the instance's whole memory (17 MB) and
 * restores that snapshot before every utterance: the same request then gives
 * bit-identical audio whatever came before it (checked in the tests), at about
 * a third of the cost of a fresh instance per utterance (which was the first
 * design: ~70 ms to instantiate, and the wasm2js code never warms up).
 */
import espeakFactory, { type ESpeakNGWorker, type EspeakModule, type EspeakRawEvent } from '@echogarden/espeak-ng-emscripten';

export const ESPEAK_SAMPLE_RATE = 22050;
const VARIANT_DIR = '/usr/share/espeak-ng-data/voices/!v';

export interface EspeakRequest {
  text: string;
  /** espeak language voice, e.g. `en-us`, `es-419`, `fr-fr`. */
  language: string;
  /** Built-in variant file name (`m3`, `f2`, `klatt`...) or the name given to `variantFile`. */
  variant?: string;
  /** Contents of a variant definition to install under the name `variant` before speaking. */
  variantFile?: string;
  /** espeak pitch, 0-99 (50 is the voice's own). */
  pitch: number;
  /** Words per minute. */
  speed: number;
}

export interface EspeakTimedUnit {
  /** The word as written, or the phoneme (IPA; `_` for a pause). */
  label: string;
  /** Seconds from the start of the audio. */
  start: number;
  end: number;
}

export interface EspeakResult {
  samples: Float32Array;
  sampleRate: number;
  words: EspeakTimedUnit[];
  phonemes: EspeakTimedUnit[];
}

async function freshModule(): Promise<EspeakModule> {
  return withPinnedClock(() => espeakFactory());
}

interface Engine {
  mod: EspeakModule;
  worker: ESpeakNGWorker;
  snapshot: Uint8Array;
}

let engine: Promise<Engine> | undefined;

async function createEngine(): Promise<Engine> {
  const mod = await freshModule();
  return withPinnedClock(() => {
    const worker = new mod.eSpeakNGWorker();
    // Grow the binding layer's string buffer past any sentence first: it lives
    // in JS, outside the snapshot, and must never reallocate afterwards.
    const long = 'a '.repeat(4096);
    worker.set_voice('en');
    worker.set_voice(long);
    worker.set_voice('en');
    worker.synthesize('Warm up.', () => false);
    return { mod, worker, snapshot: mod.HEAPU8.slice() };
  });
}

async function withPinnedClock<T>(fn: () => Promise<T> | T): Promise<T> {
  const realNow = Date.now;
  Date.now = () => 0;
  try {
    return await fn();
  } finally {
    Date.now = realNow;
  }
}

/** Speak one text; the same request always gives the same samples in this build. */
export async function espeakSynthesize(req: EspeakRequest): Promise<EspeakResult> {
  if (req.text.length > 4000) throw new Error(`text too long for espeak (${req.text.length} chars, max 4000)`);
  engine ??= createEngine();
  const { mod, worker, snapshot } = await engine;
  return withPinnedClock(() => {
    mod.HEAPU8.set(snapshot);
    if (mod.HEAPU8.length > snapshot.length) mod.HEAPU8.fill(0, snapshot.length);
    if (req.variantFile !== undefined) {
      if (!req.variant || !/^[A-Za-z0-9_-]+$/.test(req.variant)) {
        throw new Error(`a variant file needs a plain name, got ${JSON.stringify(req.variant)}`);
      }
      mod.FS.writeFile(`${VARIANT_DIR}/${req.variant}`, req.variantFile);
    }
    const name = req.variant ? `${req.language}+${req.variant}` : req.language;
    if (worker.set_voice(name) !== 0) throw new Error(`espeak-ng rejected voice ${name}`);
    worker.set_rate(req.speed);
    worker.set_pitch(req.pitch);
    const chunks: Int16Array[] = [];
    const events: EspeakRawEvent[] = [];
    worker.synthesize(req.text, (samples, evs) => {
      chunks.push(samples);
      events.push(...evs);
      return false;
    });
    let total = 0;
    for (const c of chunks) total += c.length;
    const samples = new Float32Array(total);
    let offset = 0;
    for (const c of chunks) {
      for (let i = 0; i < c.length; i++) samples[offset + i] = c[i] / 32768;
      offset += c.length;
    }
    const sampleRate = worker.get_samplerate();
    return { samples, sampleRate, ...timings(req.text, events, total / sampleRate) };
  });
}

/**
 * Word and phoneme intervals from espeak's events: each unit runs from its own
 * audio position to the next unit's (or the end of the audio). Text positions
 * are 1-based UTF-16 indices into the input, as measured on accented Spanish.
 */
function timings(text: string, events: EspeakRawEvent[], duration: number) {
  const words: EspeakTimedUnit[] = [];
  const phonemes: EspeakTimedUnit[] = [];
  const close = (list: EspeakTimedUnit[], t: number) => {
    const last = list[list.length - 1];
    if (last && last.end < 0) last.end = Math.max(last.start, t);
  };
  for (const e of events) {
    const t = Math.min(e.audio_position / 1000, duration);
    if (e.type === 'word') {
      close(words, t);
      const label = text.slice(e.text_position - 1, e.text_position - 1 + e.word_length);
      words.push({ label, start: t, end: -1 });
    } else if (e.type === 'phoneme') {
      close(phonemes, t);
      phonemes.push({ label: typeof e.id === 'string' && e.id !== '' ? e.id : '_', start: t, end: -1 });
    } else if (e.type === 'end' || e.type === 'sentence') {
      close(words, t);
    }
  }
  close(words, duration);
  close(phonemes, duration);
  return { words, phonemes };
}

/** Variant files present in this build (`m1`, `f2`, `klatt`, ...). */
export async function espeakVariantNames(): Promise<string[]> {
  const mod = await freshModule();
  return mod.FS.readdir(VARIANT_DIR).filter((f) => f !== '.' && f !== '..');
}

/** Language voices of this build, as `{ identifier, languages }`. */
export async function espeakLanguageVoices(): Promise<{ identifier: string; languages: string[] }[]> {
  const mod = await freshModule();
  const worker = new mod.eSpeakNGWorker();
  return worker.list_voices().map((v) => ({ identifier: v.identifier, languages: v.languages.map((l) => l.name) }));
}
