/**
 * The shipped default models (models/<name>/default/) behind a real server: held-out
 * sentences spoken by a held-out voice go in as live PCM16, and what comes back must be
 * right, not just well-formed:
 *
 * - input CER: the server's transcript against the sentence that was spoken;
 * - round-trip CER: the translated speech, transcribed back by the same speech encoder,
 *   against the translation event's text (is the audio saying what the text says?).
 *
 * The input is synthesized here with the espeak-ng WASM build the corpus builder uses
 * (the corpus itself is not in git, so CI has none), in a voice of the corpus's test
 * split, from sentences of the text corpus's test split: neither was heard in training.
 *
 * Skipped, saying why, until the four defaults exist. BABELFISH_MODELS_ROOT=<dir> runs it
 * against another model root (`<dir>/<name>/` or `<dir>/<name>/default/`), e.g. candidate
 * models before they are committed.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startServer, type BabelfishServer } from '../../server/server.ts';
import { defaultModelDirs, loadModels, stagesFromModels, type LoadedModels } from '../../src/pipeline/load-stages.ts';
import { float32ToPcm16, pcm16ToFloat32 } from '../../src/audio/pcm.ts';
import { resample } from '../../src/audio/resample.ts';
import { cer } from '../../src/metrics/cer.ts';
import { modelsDir } from '../../src/paths.ts';
import { hasDigits, normalizeTranscript } from '../../models/speech-encoder/vocab.ts';
import { buildVoiceBank, randomVariantFile } from '../../training/corpus/speech/voices.ts';
import { SIZES } from '../../training/corpus/speech/config.ts';
import { LANGUAGE_CODES } from '../../training/corpus/languages.ts';
import { readParallel } from '../../training/corpus/text/parallel.ts';
import { TestClient } from '../helpers/ws-client.ts';

// ---- the bar the shipped models must clear (set from their measured scores) ----------
// Measured 2026-11-29 on the shipped models (speech encoder 2850 steps with its character LMs,
// translator 4200 steps, synthesizer 2200 steps, Griffin-Lim voice): input CER 0.298,
// round-trip CER 0.218 (0.368 / 0.506 with the first, shorter-trained models). The bounds leave room for run-to-run
// noise but catch a broken stage (the under-trained WaveNet instead of Griffin-Lim gives ~0.9).

/** Corpus CER of the server's transcripts against the spoken sentences. */
const MAX_INPUT_CER = 0.4;
/** Corpus CER of the translated speech, transcribed back, against the translation text. */
const MAX_ROUND_TRIP_CER = 0.35;
/** Direction and how many test sentences (4 to 12 words, no digits) go through. */
const FROM = 'en';
const TO = 'es';
const SENTENCES = 3;
/** The corpus seed: its voice bank's test voices are the held-out speakers. */
const CORPUS_SEED = 1;

// ------------------------------------------------------------------------------------------

const root = process.env.BABELFISH_MODELS_ROOT ? path.resolve(process.env.BABELFISH_MODELS_ROOT) : modelsDir;
const dirs = defaultModelDirs(root);
const missing = Object.entries(dirs)
  .filter(([, d]) => !existsSync(path.join(d, 'model.json')))
  .map(([, d]) => path.relative(process.cwd(), d) || d);
const title = missing.length
  ? `shipped default models (skipped: not trained yet, no model.json in ${missing.join(', ')})`
  : `shipped default models (${path.relative(process.cwd(), root) || root})`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Utterance {
  transcript: string;
  translation: string;
  audio: Float32Array;
  sampleRate: number;
}

/** One live session: the audio in 20 ms PCM16 frames at real time, then stop; what came back, per utterance. */
async function translateLive(port: number, audio: Float32Array): Promise<{ utterances: Utterance[]; errors: unknown[]; partials: number }> {
  const client = await TestClient.open(`ws://127.0.0.1:${port}/ws`);
  const byUtterance = new Map<number, { transcript: string; translation: string; chunks: Float32Array[]; sampleRate: number }>();
  const at = (i: number) => {
    let u = byUtterance.get(i);
    if (!u) byUtterance.set(i, (u = { transcript: '', translation: '', chunks: [], sampleRate: 16000 }));
    return u;
  };
  let speaking = -1;
  client.ws.on('message', (data, isBinary) => {
    if (isBinary) {
      at(speaking).chunks.push(pcm16ToFloat32(new Uint8Array(data as Buffer)));
      return;
    }
    const e = JSON.parse(String(data));
    if (e.type === 'transcript') at(e.utterance).transcript = e.text;
    if (e.type === 'translation') at(e.utterance).translation = e.text;
    if (e.type === 'audio-start') {
      speaking = e.utterance;
      at(e.utterance).sampleRate = e.sampleRate;
    }
  });
  client.json({ type: 'start', from: FROM, to: TO, sampleRate: 16000, format: 'pcm16' });
  await client.waitFor('ready');
  const pcm = float32ToPcm16(audio);
  const t0 = performance.now();
  for (let i = 0; i < pcm.length; i += 320) {
    client.ws.send(Buffer.from(pcm.buffer, pcm.byteOffset + 2 * i, 2 * Math.min(320, pcm.length - i)));
    const ahead = ((i + 320) / 16000) * 1000 - (performance.now() - t0);
    if (ahead > 0) await sleep(ahead);
  }
  client.json({ type: 'stop' });
  await client.waitFor('done', undefined, 180_000);
  await client.close();
  const utterances = [...byUtterance.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, u]) => {
      const total = u.chunks.reduce((n, c) => n + c.length, 0);
      const samples = new Float32Array(total);
      let off = 0;
      for (const c of u.chunks) {
        samples.set(c, off);
        off += c.length;
      }
      return { transcript: u.transcript, translation: u.translation, audio: samples, sampleRate: u.sampleRate };
    });
  const ev = client.received.events;
  return { utterances, errors: ev.filter((e) => e.type === 'error'), partials: ev.filter((e) => e.type === 'partial').length };
}

describe.skipIf(missing.length > 0)(title, () => {
  let models: LoadedModels;
  let server: BabelfishServer;

  beforeAll(async () => {
    models = await loadModels(dirs);
    server = await startServer({ config: { port: 0, host: '127.0.0.1' }, loadStages: async () => stagesFromModels(models), log: () => {} });
    await server.ready;
  });
  afterAll(async () => {
    await server?.close(100);
  });

  it(`${FROM}->${TO}: held-out sentences in a held-out voice are heard, translated and spoken intelligibly`, async () => {
    const voice = buildVoiceBank(CORPUS_SEED, SIZES.default.voices, LANGUAGE_CODES).find((v) => v.split === 'test');
    if (!voice) throw new Error('the voice bank has no test voice');
    const pairs = (await readParallel(FROM, TO, 'test'))
      .filter(([s, t]) => {
        const n = s.split(/\s+/).length;
        return n >= 4 && n <= 12 && !hasDigits(s) && !hasDigits(t);
      })
      .slice(0, SENTENCES);
    expect(pairs).toHaveLength(SENTENCES);

    const spoken: string[] = [];
    const heard: string[] = [];
    const translations: string[] = [];
    const heardBack: string[] = [];
    // The GPL espeak-ng build, loaded only when the test runs (training-side code).
    const { espeakSynthesize } = await import('../../training/corpus/speech/espeak.ts');
    for (const [sentence] of pairs) {
      const said = await espeakSynthesize({
        text: sentence,
        language: voice.accents[FROM]!,
        variant: voice.variant,
        variantFile: voice.randomSeed !== undefined ? randomVariantFile(voice.variant, voice.randomSeed) : undefined,
        pitch: voice.pitch,
        speed: voice.speed,
      });
      // Half a second of silence before, one after (the VAD ends the utterance by itself).
      const speech = resample(said.samples, said.sampleRate, 16000);
      const input = new Float32Array(speech.length + 24000);
      input.set(speech, 8000);

      const r = await translateLive(server.port, input);
      expect(r.errors).toEqual([]);
      expect(r.partials).toBeGreaterThan(0);
      expect(r.utterances.length).toBeGreaterThan(0);
      spoken.push(sentence);
      heard.push(r.utterances.map((u) => u.transcript).join(' '));
      for (const u of r.utterances) {
        if (!normalizeTranscript(u.translation)) continue;
        expect(u.audio.length).toBeGreaterThan(0);
        const back = await models.speechEncoder.transcribe(u.sampleRate === 16000 ? u.audio : resample(u.audio, u.sampleRate, 16000), { lang: TO });
        translations.push(u.translation);
        heardBack.push(back.text);
      }
    }
    const norm = (xs: string[]) => xs.map(normalizeTranscript);
    const inputCer = cer(norm(heard), norm(spoken));
    const roundTripCer = translations.length ? cer(norm(heardBack), norm(translations)) : Infinity;
    const report = [
      `input CER ${inputCer.toFixed(3)} (bound ${MAX_INPUT_CER}), round-trip CER ${roundTripCer.toFixed(3)} (bound ${MAX_ROUND_TRIP_CER}), voice ${voice.id}`,
      ...spoken.map((s, i) => `  said: ${s}\n  heard: ${heard[i]}`),
      ...translations.map((t, i) => `  translation: ${t}\n  heard back: ${heardBack[i]}`),
    ].join('\n');
    process.stderr.write(`default-models: ${report}\n`);
    expect(inputCer, report).toBeLessThanOrEqual(MAX_INPUT_CER);
    expect(roundTripCer, report).toBeLessThanOrEqual(MAX_ROUND_TRIP_CER);
  }, 5 * 60_000);
});
