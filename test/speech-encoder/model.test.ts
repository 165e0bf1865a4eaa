import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import { lookaheadFrames, outputFrames, receptiveFieldFrames, speechEncoderConfig, DEFAULT_SPEECH_ENCODER_CONFIG } from '../../models/speech-encoder/config.ts';
import { defaultVocab } from '../../models/speech-encoder/vocab.ts';
import { mulberry32 } from '../../src/random.ts';
import { prefixBeamSearch } from '../../src/ctc/decode.ts';
import type { FeatureSource, LogMelFrames } from '../../models/speech-encoder/features.ts';
import { DEFAULT_LEVEL_CONFIG } from '../../src/audio/level.ts';

beforeAll(async () => {
  await initBackend({ log: () => {} });
});

const tiny = { numMels: 8, frontEndChannels: 12, hidden: 16, dilations: [1, 2, 4], seed: 3 };
/** The same with lookahead: the first two blocks centred, 1 + 2 = 3 encoder frames ahead. */
const ahead = { ...tiny, futureTaps: [1, 1] };

function randomFeatures(frames: number, bins: number, seed: number): LogMelFrames {
  const r = mulberry32(seed);
  const data = new Float32Array(frames * bins);
  for (let i = 0; i < data.length; i++) data[i] = 4 * r() - 2;
  return { data, frames, bins };
}

function logSoftmax(r: Float32Array): Float32Array {
  const m = Math.max(...r);
  const z = m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0));
  return r.map((v) => v - z);
}

function slice(f: LogMelFrames, from: number, to: number): LogMelFrames {
  return { data: f.data.slice(from * f.bins, to * f.bins), frames: to - from, bins: f.bins };
}

/** A toy front end: one frame per 40 samples (mean |x| in 8 bands of 5 samples). Streaming-consistent by construction. */
function toyFeatures(): FeatureSource {
  const hop = 40;
  const frame = (x: Float32Array, start: number, out: Float32Array, o: number) => {
    for (let b = 0; b < 8; b++) {
      let s = 0;
      for (let i = 0; i < 5; i++) s += Math.abs(x[start + b * 5 + i]);
      out[o + b] = Math.log(1e-3 + s);
    }
  };
  const compute = (x: Float32Array): LogMelFrames => {
    const frames = Math.floor(x.length / hop);
    const data = new Float32Array(frames * 8);
    for (let f = 0; f < frames; f++) frame(x, f * hop, data, f * 8);
    return { data, frames, bins: 8 };
  };
  return {
    sampleRate: 16000,
    bins: 8,
    compute,
    stream() {
      let buf = new Float32Array(0);
      return {
        push(chunk: Float32Array) {
          const joined = new Float32Array(buf.length + chunk.length);
          joined.set(buf);
          joined.set(chunk, buf.length);
          const out = compute(joined);
          buf = joined.slice(out.frames * hop);
          return out;
        },
      };
    },
  };
}

/**
 * Per output frame, how far its log-probabilities move when every feature frame from `from` on
 * is raised by 5: zero for the outputs that cannot see that far ahead.
 */
function changeFrom(enc: SpeechEncoder, f: LogMelFrames, from: number): (t: number) => number {
  const g = { ...f, data: f.data.slice() };
  for (let i = from * f.bins; i < g.data.length; i++) g.data[i] += 5;
  const a = enc.logProbs(f).rows;
  const b = enc.logProbs(g).rows;
  return (t) => Math.max(...a[t].map((v, i) => Math.abs(v - b[t][i])));
}

describe('SpeechEncoder network', () => {
  it('subsamples time 4x, causally', async () => {
    expect(outputFrames(1)).toBe(1);
    expect(outputFrames(8)).toBe(2);
    expect(outputFrames(9)).toBe(3);
    expect(receptiveFieldFrames(DEFAULT_SPEECH_ENCODER_CONFIG)).toBeGreaterThan(100);
    const enc = SpeechEncoder.build(tiny);
    const f = randomFeatures(37, 8, 1);
    expect(enc.logProbs(f).rows.length).toBe(outputFrames(37));
    // Change the future (frames >= 20): outputs before frame 20/4 must not move.
    const diff = changeFrom(enc, f, 20);
    for (let t = 0; t < 5; t++) expect(diff(t)).toBeLessThan(5e-6);
    expect(diff(7)).toBeGreaterThan(1e-4);
    enc.dispose();
  });

  it('looks exactly lookaheadFrames ahead with future taps, and checks them', () => {
    expect(lookaheadFrames(speechEncoderConfig(ahead))).toBe(3);
    expect(lookaheadFrames(DEFAULT_SPEECH_ENCODER_CONFIG)).toBe(0);
    // centring a block trades past frames for future ones
    expect(receptiveFieldFrames(speechEncoderConfig(ahead))).toBe(receptiveFieldFrames(speechEncoderConfig(tiny)) - 4 * 3);
    expect(() => speechEncoderConfig({ ...tiny, futureTaps: [3] })).toThrow(/0\.\.2/);
    expect(() => speechEncoderConfig({ ...tiny, futureTaps: [0, 0, 0, 1] })).toThrow(/4 entries for 3 blocks/);
    const enc = SpeechEncoder.build(ahead);
    // Change feature frames >= 40: encoder frame u sees features up to 4u + 3, so frames >= 10
    // move, and output t sees encoder frames up to t + 3: outputs 0..6 must not move, 7 must.
    const diff = changeFrom(enc, randomFeatures(60, 8, 2), 40);
    for (let t = 0; t <= 6; t++) expect(diff(t)).toBeLessThan(1e-5);
    expect(diff(7)).toBeGreaterThan(1e-4);
    enc.dispose();
  });

  it.each([['causal', tiny], ['with lookahead', ahead]])('masks padding (%s): a padded batch gives each example its own outputs', (_, config) => {
    const enc = SpeechEncoder.build(config);
    const f1 = randomFeatures(30, 8, 5);
    const f2 = randomFeatures(13, 8, 6);
    const padded = new Float32Array(2 * 30 * 8);
    padded.set(f1.data);
    padded.set(f2.data, 30 * 8);
    for (let i = 30 * 8 + 13 * 8; i < padded.length; i++) padded[i] = 99; // garbage padding
    const out = tf.tidy(() => {
      const r = enc.apply(tf.tensor3d(padded, [2, 30, 8]), [30, 13]);
      return { lp: tf.logSoftmax(r.logits).arraySync() as number[][][], lang: tf.softmax(r.langLogits!).arraySync() as number[][], lens: r.outputLengths };
    });
    expect(out.lens).toEqual([8, 4]);
    const alone = enc.logProbs(f2);
    for (let t = 0; t < 4; t++) for (let v = 0; v < 5; v++) expect(out.lp[1][t][v]).toBeCloseTo(alone.rows[t][v], 4);
    const first = enc.logProbs(f1);
    for (let t = 0; t < 8; t++) for (let v = 0; v < 5; v++) expect(out.lp[0][t][v]).toBeCloseTo(first.rows[t][v], 4);
    for (let l = 0; l < 4; l++) expect(out.lang[1][l]).toBeCloseTo(alone.langProbs![l], 4);
    enc.dispose();
  });

  it('grows: appended blocks (centred ones give lookahead) leave the outputs as they were until trained', () => {
    const enc = SpeechEncoder.build(tiny);
    const grown = enc.grow([{ dilation: 1, futureTaps: 1 }, { dilation: 2, futureTaps: 1 }]);
    expect(grown.config.dilations).toEqual([1, 2, 4, 1, 2]);
    expect(lookaheadFrames(grown.config)).toBe(3);
    expect(Object.keys(grown.weights).length).toBe(Object.keys(enc.weights).length + 12);
    const f = randomFeatures(50, 8, 4);
    const a = enc.logProbs(f).rows;
    const b = grown.logProbs(f).rows;
    for (let t = 0; t < a.length; t++) for (let v = 0; v < a[t].length; v++) expect(b[t][v]).toBeCloseTo(a[t][v], 5);
    // once the new blocks' projections move, the grown model sees 3 frames ahead
    // (random, not constant: LayerNorm would remove a shift shared by every channel)
    for (const i of [3, 4]) grown.weights[`block${i}/proj/w`]!.assign(tf.randomNormal([16, 16], 0, 0.3, 'float32', i));
    const diff = changeFrom(grown, f, 40);
    expect(diff(6)).toBeLessThan(1e-5);
    expect(diff(7)).toBeGreaterThan(1e-4);
    const c = grown.logProbs(f).rows;
    expect(Math.max(...c[5].map((v, i) => Math.abs(v - a[5][i])))).toBeGreaterThan(1e-4);
    enc.dispose();
    grown.dispose();
  });

  it('saves and loads to identical outputs; rejects a missing or broken folder', async () => {
    const enc = SpeechEncoder.build(ahead);
    const dir = await mkdtemp(join(tmpdir(), 'se-'));
    await enc.save(dir);
    const back = await SpeechEncoder.load(dir);
    expect(back.config).toEqual(enc.config);
    const f = randomFeatures(25, 8, 9);
    const a = enc.logProbs(f).rows;
    const b = back.logProbs(f).rows;
    for (let t = 0; t < a.length; t++) for (let v = 0; v < a[t].length; v++) expect(b[t][v]).toBe(a[t][v]);
    await expect(SpeechEncoder.load(join(dir, 'nope'))).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    enc.dispose();
    back.dispose();
  });

  it('saves float16 weights at half the size; they load as float32 and give nearly the same log-probabilities', async () => {
    const enc = SpeechEncoder.build(ahead);
    const dir = await mkdtemp(join(tmpdir(), 'se-f16-'));
    await enc.save(join(dir, 'f32'));
    await enc.save(join(dir, 'f16'), { float16: true });
    const size = async (d: string) => (await readFile(join(dir, d, 'weights.bin'))).byteLength;
    expect(await size('f16')).toBe((await size('f32')) / 2);
    const back = await SpeechEncoder.load(join(dir, 'f16'));
    expect(back.config).toEqual(enc.config);
    expect(Object.values(back.weights).every((w) => w.dtype === 'float32')).toBe(true);
    const f = randomFeatures(25, 8, 9);
    const a = enc.logProbs(f).rows;
    const b = back.logProbs(f).rows;
    let maxDiff = 0;
    for (let t = 0; t < a.length; t++) for (let v = 0; v < a[t].length; v++) maxDiff = Math.max(maxDiff, Math.abs(b[t][v] - a[t][v]));
    expect(maxDiff).toBeGreaterThan(0); // the weights were rounded...
    expect(maxDiff).toBeLessThan(0.02); // ...by no more than half precision's 3 decimal digits carry through the layers
    enc.dispose();
    back.dispose();
  });

  it('transcribes to vocabulary text, handles empty input, and rejects unknown languages', async () => {
    const enc = SpeechEncoder.build(tiny, defaultVocab(), toyFeatures());
    const r = await enc.transcribe(new Float32Array(4000).map((_, i) => Math.sin(i / 7)));
    expect(typeof r.text).toBe('string');
    expect(['en', 'es', 'fr', 'de']).toContain(r.lang);
    expect(r.frames).toBe(outputFrames(100));
    const empty = await enc.transcribe(new Float32Array(10));
    expect(empty.text).toBe('');
    await expect(enc.transcribe(new Float32Array(100), { lang: 'xx' })).rejects.toMatchObject({ code: 'UNSUPPORTED_LANGUAGE' });
    expect((await enc.transcribe(new Float32Array(800), { lang: 'fr' })).lang).toBe('fr');
    enc.dispose();
  });
});

describe('StreamingRecognizer', () => {
  it.each([['causal', tiny], ['with lookahead', ahead]])('gives the same logits and text in chunks of any size as on the whole signal, without leaking tensors (%s)', (name, config) => {
    const enc = SpeechEncoder.build(config);
    const lag = lookaheadFrames(enc.config);
    const f = randomFeatures(203, 8, 11);
    const whole = enc.logProbs(f);
    const wholeText = enc.decodeRows(whole.rows);
    for (const sizes of [[10], [1], [3, 7, 1, 13], [203]]) {
      const before = tf.memory().numTensors;
      const s = enc.stream();
      let at = 0;
      let k = 0;
      let mid = 0;
      while (at < f.frames) {
        const n = Math.min(sizes[k++ % sizes.length], f.frames - at);
        s.pushFeatures(slice(f, at, at + n));
        at += n;
        // once the blocks that look ahead hold their frames, the state's tensor count stays put
        const settled = lag ? 24 : 5;
        if (k === settled) mid = tf.memory().numTensors;
        if (k > settled) expect(tf.memory().numTensors).toBe(mid);
      }
      // the frames whose future has not arrived come out at the end
      expect(s.logits().length).toBe(whole.rows.length - lag);
      const done = s.finishSync();
      const rows = s.logits();
      expect(rows.length).toBe(whole.rows.length);
      const lse = (r: Float32Array) => {
        const m = Math.max(...r);
        return m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0));
      };
      for (let t = 0; t < rows.length; t++) {
        const z = lse(rows[t]);
        for (let v = 0; v < rows[t].length; v++) expect(rows[t][v] - z, `${name}, frame ${t}`).toBeCloseTo(whole.rows[t][v], 4);
      }
      expect(done.text).toBe(wholeText);
      expect(done.langProbs!.en).toBeCloseTo(whole.langProbs![0], 4);
      expect(tf.memory().numTensors).toBe(before);
    }
    enc.dispose();
  });

  it.each([['causal', tiny], ['with lookahead', ahead]])('streams raw audio in 100 ms chunks to the same final text as the whole signal, with partials along the way (%s)', async (_, config) => {
    const enc = SpeechEncoder.build({ ...config, seed: 8 }, defaultVocab(), toyFeatures());
    const r = mulberry32(4);
    const audio = new Float32Array(16000 * 2 + 123).map(() => r() - 0.5);
    for (const beamWidth of [1, 4]) {
      const whole = await enc.transcribe(audio, { beamWidth });
      const s = enc.stream({ beamWidth });
      const partials: { text: string; frames: number }[] = [];
      for (let i = 0; i < audio.length; i += 1600) {
        const text = await s.push(audio.subarray(i, i + 1600));
        partials.push({ text, frames: s.logits().length });
      }
      const rows = s.logits().map(logSoftmax);
      const done = await s.finish();
      expect(done.text).toBe(whole.text);
      expect(done.lang).toBe(whole.lang);
      expect(partials.length).toBe(21);
      // An untrained model emits something.
      expect(partials.at(-1)!.text.length).toBeGreaterThan(0);
      for (let i = 1; i < partials.length; i++) {
        const seen = rows.slice(0, partials[i].frames);
        if (beamWidth === 1) {
          // greedy partials only ever grow by appending
          expect(partials[i].text.startsWith(partials[i - 1].text.trimEnd())).toBe(true);
          expect(partials[i].text).toBe(enc.decodeRows(seen, 1));
        } else {
          // a beam partial is the leading prefix of the search over the frames heard so far
          expect(partials[i].text).toBe(enc.vocab.decode(prefixBeamSearch(seen, enc.beamSearchOptions(beamWidth))[0].labels));
        }
      }
    }
    enc.dispose();
  });

  it('with the real log-mel front end: 100 ms chunks of random audio give the whole-signal logits and text', async () => {
    const enc = SpeechEncoder.build({ frontEndChannels: 16, hidden: 24, dilations: [1, 2, 4], seed: 5 });
    expect(enc.features?.bins).toBe(80);
    const r = mulberry32(21);
    const audio = new Float32Array(16000 * 3 + 77).map(() => 0.3 * (r() - 0.5));
    const whole = await enc.transcribe(audio);
    const wholeRows = enc.logProbs(enc.features!.compute(audio)).rows;
    const s = enc.stream();
    for (let i = 0; i < audio.length; i += 1600) await s.push(audio.subarray(i, i + 1600));
    const rows = s.logits();
    expect(rows.length).toBe(wholeRows.length);
    const { winLength, hopLength } = enc.config.features;
    expect(rows.length).toBe(outputFrames(Math.floor((audio.length - winLength) / hopLength) + 1));
    for (let t = 0; t < rows.length; t++) {
      const m = Math.max(...rows[t]);
      const z = m + Math.log(rows[t].reduce((a, v) => a + Math.exp(v - m), 0));
      for (let v = 0; v < rows[t].length; v++) expect(rows[t][v] - z).toBeCloseTo(wholeRows[t][v], 4);
    }
    const done = await s.finish();
    expect(done.text).toBe(whole.text);
    expect(done.lang).toBe(whole.lang);
    enc.dispose();
  });
  it('brings the input to its training level: 20 dB quieter speech gives the same logits after the onset', async () => {
    const enc = SpeechEncoder.build({ frontEndChannels: 16, hidden: 24, dilations: [1, 2, 4], seed: 5 });
    expect(enc.config.inputLevel).toEqual(DEFAULT_LEVEL_CONFIG);
    const r = mulberry32(4);
    const audio = new Float32Array(16000 * 4);
    for (let i = 1600; i < audio.length; i++) audio[i] = 0.2 * (r() - 0.5) * (1 + Math.sin(i / 800));
    const quiet = audio.map((v) => v * 0.1);
    // Samples before 1600 + 2 blocks differ (the first speech block sets the level); feature
    // frames up to 12 see them; output frames that see no such input frame must agree.
    const firstClean = Math.ceil((receptiveFieldFrames(enc.config) + 12) / 4);
    const maxDiff = (a: Float32Array[], b: Float32Array[]) => {
      let worst = 0;
      for (let t = firstClean; t < a.length; t++) for (let v = 0; v < a[t].length; v++) worst = Math.max(worst, Math.abs(a[t][v] - b[t][v]));
      return worst;
    };
    const rows = (x: Float32Array) => enc.logProbs(enc.requireFeatures().compute(x)).rows;
    expect(rows(audio).length).toBeGreaterThan(firstClean + 50);
    expect(maxDiff(rows(audio), rows(quiet))).toBeLessThan(1e-3);
    enc.setInputLevel(null);
    expect(maxDiff(rows(audio), rows(quiet))).toBeGreaterThan(0.1);
    // A model saved without the field (trained before it existed) loads without normalisation.
    const dir = await mkdtemp(join(tmpdir(), 'se-level-'));
    await enc.save(dir);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.config.inputLevel).toBeNull();
    delete json.config.inputLevel;
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    const old = await SpeechEncoder.load(dir);
    expect(old.config.inputLevel).toBeNull();
    enc.setInputLevel(DEFAULT_LEVEL_CONFIG);
    await enc.save(dir);
    const back = await SpeechEncoder.load(dir);
    expect(back.config.inputLevel).toEqual(DEFAULT_LEVEL_CONFIG);
    expect(maxDiff(back.logProbs(back.requireFeatures().compute(audio)).rows, rows(quiet))).toBeLessThan(1e-3);
    enc.dispose();
    old.dispose();
    back.dispose();
  });
});
