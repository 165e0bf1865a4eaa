import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { pickSentences, runEvalVoice, runVoiceEval, stackPngs, formatVoiceReport } from '../../training/voice/eval.ts';
import type { SpeechItem } from '../../training/readers/types.ts';
import { editDistance } from '../../src/metrics/cer.ts';
import { Vocoder } from '../../models/vocoder/model.ts';
import { saveTinyModels, writeFixtureCorpus, FIXTURE_ROWS, type TinyModelDirs } from './fixtures.ts';

let dir: string;
let models: TinyModelDirs;
let manifest: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'babelfish-voice-eval-'));
  models = await saveTinyModels(path.join(dir, 'models'));
  manifest = await writeFixtureCorpus(path.join(dir, 'corpus'));
});

describe('pickSentences', () => {
  it('takes n per language, round-robin over speakers', () => {
    const items: SpeechItem[] = FIXTURE_ROWS.map((r) => ({ id: r.id, audioPath: r.id, lang: r.lang, text: r.text, speaker: r.speaker }));
    expect(pickSentences(items, 2).map((i) => i.id)).toEqual(['en-a-1', 'en-b-1', 'es-c-1', 'es-c-2']);
    expect(pickSentences(items, 5, ['en']).map((i) => i.id)).toEqual(['en-a-1', 'en-b-1', 'en-a-2']);
  });
});

describe('stackPngs', () => {
  it('puts images one above another with a white gap', () => {
    const img = (w: number, h: number, v: number) => {
      const p = new PNG({ width: w, height: h });
      p.data.fill(v);
      return PNG.sync.write(p);
    };
    const out = PNG.sync.read(stackPngs([img(3, 2, 10), img(5, 1, 20)], 2));
    expect([out.width, out.height]).toEqual([5, 5]);
    expect(out.data[0]).toBe(10); // (0, 0): first image
    expect(out.data[(0 * 5 + 4) * 4]).toBe(255); // right of the narrower first image: background
    expect(out.data[(2 * 5 + 0) * 4]).toBe(255); // the gap
    expect(out.data[(4 * 5 + 4) * 4]).toBe(20); // second image
  });
});

describe('runVoiceEval', () => {
  it('returns finite figures per language on a fixture corpus and writes the JSON and PNGs', async () => {
    const out = path.join(dir, 'out');
    const lines: string[] = [];
    const report = await runVoiceEval({
      manifest,
      synthesizerDir: models.synthesizer,
      vocoderDir: models.vocoder,
      speechEncoderDir: models.speechEncoder,
      sentences: 2,
      pngs: 1,
      outDir: out,
      log: (l) => lines.push(l),
    });
    expect(report.perLanguage.map((f) => [f.lang, f.sentences])).toEqual([['en', 2], ['es', 2]]);
    for (const f of [...report.perLanguage, report.overall]) {
      for (const v of [f.resynthesisMcd, f.synthesisMcd, f.synthesizerMelMcd, f.roundTripCer, f.referenceCer, f.synthesisMcdGriffinLim, f.roundTripCerGriffinLim]) {
        expect(v).not.toBeNull();
        expect(Number.isFinite(v)).toBe(true);
        expect(v!).toBeGreaterThanOrEqual(0);
      }
      expect(f.referenceSeconds).toBeGreaterThan(0);
      expect(f.synthesizedSeconds).toBeGreaterThan(0);
    }
    expect(report.overall.sentences).toBe(4);
    // the pitch figures pool the sentences' frame counts
    const counts = report.sentences.map((r) => r.resynthesisPitch);
    const voiced = counts.reduce((a, c) => a + c.referenceVoiced, 0);
    const both = counts.reduce((a, c) => a + c.bothVoiced, 0);
    const gross = counts.reduce((a, c) => a + c.grossErrors, 0);
    expect(voiced).toBeGreaterThan(20); // the reference recordings are speech
    for (const c of counts) expect(c.grossErrors <= c.bothVoiced && c.bothVoiced <= c.referenceVoiced).toBe(true);
    expect(report.overall.resynthesisVoicing).toBeCloseTo(both / voiced, 12);
    expect(report.overall.resynthesisGpe).toBe(both ? gross / both : null);
    expect(report.overall.pitchHeadVoicing).toBeNull(); // a vocoder without a pitch head
    // Griffin-Lim beside the WaveNet: its own audio, so its own MCD; CER is corpus-level over its transcripts.
    for (const s of report.sentences) {
      expect(Number.isFinite(s.synthesisMcdGriffinLim)).toBe(true);
      expect(typeof s.transcriptGriffinLim).toBe('string');
    }
    expect(report.overall.synthesisMcdGriffinLim).not.toBe(report.overall.synthesisMcd);
    const glEdits = report.sentences.reduce((n, s) => n + editDistance([...s.spoken], [...s.transcriptGriffinLim!]), 0);
    const glChars = report.sentences.reduce((n, s) => n + [...s.spoken].length, 0);
    expect(report.overall.roundTripCerGriffinLim).toBeCloseTo(glEdits / glChars, 12);
    // An untrained encoder hears mostly nothing or noise: CER is at least 0 and at most about 1 (insertions aside).
    expect(report.overall.roundTripCerGriffinLim!).toBeLessThanOrEqual(5);
    // Untrained models: synthesis is nothing like the tones, so the distortion is well above zero.
    expect(report.overall.synthesisMcd!).toBeGreaterThan(0.1);
    // The CER reference is what the synthesizer was asked to say, numbers spelled out.
    const n42 = report.sentences.find((s) => s.id === 'en-b-1')!;
    expect(n42.spoken).not.toMatch(/\d/);
    expect(n42.spoken).toMatch(/^it is .+ degrees$/);
    expect(lines.some((l) => /ETA/.test(l))).toBe(true);

    const json = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'));
    expect(json.perLanguage).toHaveLength(2);
    expect(json.manifest).toBe(manifest);
    for (const f of [...json.perLanguage, json.overall]) {
      expect(Number.isFinite(f.synthesisMcdGriffinLim)).toBe(true);
      expect(f.roundTripCerGriffinLim).toBeGreaterThanOrEqual(0);
      // the fields that were there before stay
      for (const k of ['resynthesisMcd', 'synthesisMcd', 'synthesizerMelMcd', 'roundTripCer', 'referenceCer']) expect(f).toHaveProperty(k);
    }
    expect(report.pngs).toHaveLength(2);
    for (const p of report.pngs) {
      const png = PNG.sync.read(await readFile(p));
      // reference, resynthesis, synthesis: three 80-bin panels (3 px a bin) and two 6 px gaps
      expect(png.height).toBe(3 * 240 + 2 * 6);
      expect(png.width).toBeGreaterThan(40);
    }
    expect(formatVoiceReport(report)).toMatch(/^lang .*GL-MCD +GL-CER\nen .*\nes .*\nall /);
    // Each row ends with the two Griffin-Lim figures: an MCD and a percentage.
    for (const row of formatVoiceReport(report).split('\n').slice(1, 4)) expect(row).toMatch(/ \d+\.\d\d +\d+\.\d%$/);
  });

  it('without a speech encoder, leaves the CER out and still measures MCD (Griffin-Lim synthesis)', async () => {
    const lines: string[] = [];
    const report = await runVoiceEval({
      manifest,
      synthesizerDir: models.synthesizer,
      vocoderDir: models.vocoder,
      speechEncoderDir: path.join(dir, 'no-encoder'),
      sentences: 1,
      langs: ['en'],
      griffinLim: true,
      pngs: 0,
      outDir: path.join(dir, 'out-gl'),
      log: (l) => lines.push(l),
    });
    expect(report.settings.synthesis).toBe('griffin-lim');
    expect(report.perLanguage).toHaveLength(1);
    expect(report.overall.roundTripCer).toBeNull();
    expect(report.overall.referenceCer).toBeNull();
    expect(Number.isFinite(report.overall.synthesisMcd)).toBe(true);
    // Synthesis is Griffin-Lim already: its columns are the same figures; no encoder, no CER.
    expect(report.overall.synthesisMcdGriffinLim).toBe(report.overall.synthesisMcd);
    expect(report.overall.roundTripCerGriffinLim).toBeNull();
    expect(report.pngs).toEqual([]);
    expect(lines.some((l) => /intelligibility \(CER\) is left out/.test(l))).toBe(true);
  });

  it('passes the sampling temperature to the WaveNet: at 0 (argmax) the sampler seed no longer matters', async () => {
    const run = (temperature: number, seed: number) =>
      runVoiceEval({ manifest, synthesizerDir: models.synthesizer, vocoderDir: models.vocoder, speechEncoderDir: path.join(dir, 'no-encoder'), sentences: 1, langs: ['en'], pngs: 0, temperature, seed, log: () => {} });
    const [greedy1, greedy2, sampled1, sampled2] = [await run(0, 1), await run(0, 2), await run(1, 1), await run(1, 2)];
    expect(greedy1.settings.temperature).toBe(0);
    expect(sampled1.settings.temperature).toBe(1);
    expect(greedy2.overall.resynthesisMcd).toBe(greedy1.overall.resynthesisMcd);
    // Sampling at temperature 1 does depend on the seed, so the equality above is the temperature's doing.
    expect(sampled2.overall.resynthesisMcd).not.toBe(sampled1.overall.resynthesisMcd);
    expect(formatVoiceReport(greedy1)).toMatch(/synthesis through wavenet \(temperature 0\)/);
    expect(formatVoiceReport(sampled1)).toMatch(/synthesis through wavenet, voice/);
  });

  it('with a long-term-prediction vocoder, also scores its pitch head against the reference pitch', async () => {
    const plain = await Vocoder.load(models.vocoder);
    const ltp = plain.withConfig({ excitation: 'lpc', pitchBins: 8, pitchHidden: 4 });
    const ltpDir = path.join(dir, 'ltp-vocoder');
    await ltp.save(ltpDir);
    const report = await runVoiceEval({ manifest, synthesizerDir: models.synthesizer, vocoderDir: ltpDir, speechEncoderDir: path.join(dir, 'no-encoder'), sentences: 1, langs: ['en'], pngs: 0, log: () => {} });
    const counts = report.sentences.map((r) => r.pitchHead!);
    const voiced = counts.reduce((a, c) => a + c.referenceVoiced, 0);
    const both = counts.reduce((a, c) => a + c.bothVoiced, 0);
    expect(voiced).toBeGreaterThan(0);
    expect(report.overall.pitchHeadVoicing).toBeCloseTo(both / voiced, 12);
    expect(formatVoiceReport(report)).toMatch(/pitch head on the reference mel: [\d.]+% of voiced frames voiced/);
    plain.dispose();
    ltp.dispose();
  });

  it('the command refuses a sampling floor of 1/256 or more', async () => {
    await expect(runEvalVoice(['--floor', '0.5', '--manifest', manifest])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(runEvalVoice(['--floor', 'x', '--manifest', manifest])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('reports a missing manifest and an unsupported language with their codes', async () => {
    const base = { synthesizerDir: models.synthesizer, vocoderDir: models.vocoder, speechEncoderDir: models.speechEncoder, outDir: path.join(dir, 'o2'), log: () => {} };
    await expect(runVoiceEval({ ...base, manifest: path.join(dir, 'nope.jsonl') })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(runVoiceEval({ ...base, manifest, langs: ['xx'] })).rejects.toMatchObject({ code: 'UNSUPPORTED_LANGUAGE' });
  });
});
