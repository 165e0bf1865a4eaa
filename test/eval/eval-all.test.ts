/**
 * `babelfish eval all`: the ASR-BLEU scoring on hand-computed cases, reference matching, the
 * paced (live-clock) pipeline run on deterministic fake stages, the chart helpers, and the whole
 * report on tiny untrained models with a fixture corpus in a temp folder.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { initBackend } from '../../src/backend.ts';
import { isBabelfishError } from '../../src/errors.ts';
import { corpusBleu } from '../../src/metrics/bleu.ts';
import { histogram, histogramPng, lineChartPng, niceTicks } from '../../src/plot/chart.ts';
import { Translator } from '../../models/translator/model.ts';
import { WordTokenizer } from '../../models/translator/tokenizer.ts';
import { normalizedBleu, normalizedWer, scoreDirection } from '../../training/e2e/asr-bleu.ts';
import { matchKey, referenceTable, trainedDirections } from '../../training/e2e/references.ts';
import { translatePaced } from '../../training/e2e/paced-session.ts';
import { summarizeLatency } from '../../training/e2e/evaluate.ts';
import { curveSeries, parseTrainingLog } from '../../training/report/training-curves.ts';
import { evaluateAll, parseEvalAllArgs, plotSection, SECTIONS, type EvalAllOptions } from '../../training/eval-all.ts';
import type { EvalAllReport } from '../../training/report/markdown.ts';
import { command as evalCommand } from '../../src/cli/commands/eval.ts';
import { writeWav } from '../../src/audio/wav.ts';
import { fakeStages } from '../helpers/fake-stages.ts';
import { harmonicTone, saveTinyModels } from '../voice/fixtures.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'babelfish-eval-all-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ASR-BLEU scoring', () => {
  it('matches a hand-computed BLEU after normalising case and punctuation', () => {
    // hyp "the cat sat on a mat" vs ref "the cat sat on the mat": equal lengths (BP = 1),
    // matched n-grams 5/6, 3/5, 2/4, 1/3 -> geometric mean (1/12)^(1/4) = 0.537284965...
    const expected = 100 * Math.pow(1 / 12, 1 / 4);
    expect(normalizedBleu(['The cat sat on a MAT!'], ['the cat, sat on the mat.'])).toBeCloseTo(expected, 6);
    expect(normalizedBleu(['the cat sat on the mat'], ['The cat sat on the mat.'])).toBeCloseTo(100, 9);
    // Raw sacrebleu would not forgive case and punctuation: the normalisation is what makes 100.
    expect(corpusBleu(['the cat sat on the mat'], ['The cat sat on the mat.']).score).toBeLessThan(100);
  });

  it('applies the brevity penalty of the corpus, and skips references empty after normalisation', () => {
    // hyp "the cat sat on" (4 words) vs "the cat sat on the mat" (6): all n-grams match,
    // BP = exp(1 - 6/4) = exp(-0.5).
    expect(normalizedBleu(['the cat sat on'], ['the cat sat on the mat'])).toBeCloseTo(100 * Math.exp(-0.5), 6);
    expect(normalizedBleu(['whatever', 'the cat sat on'], ['?!', 'the cat sat on the mat'])).toBeCloseTo(100 * Math.exp(-0.5), 6);
    expect(normalizedBleu(['x'], ['...'])).toBeNull();
  });

  it('WER counts word edits over reference words on normalised text', () => {
    // "a b c d" -> "a x c": one substitution and one deletion over 4 words; plus "e f" exact.
    expect(normalizedWer(['A x, c', 'e f'], ['a b c d.', 'E F'])).toBeCloseTo(2 / 6, 12);
  });

  it('scores the three columns from their own hypotheses', () => {
    const s = scoreDirection({
      references: ['the cat sat on the mat'],
      outputTranscripts: ['the cat sat on a mat'],
      textTranslations: ['The cat sat on the mat.'],
      cascadeTranslations: ['the cat sat on'],
      sources: ['el gato'],
      sourceTranscripts: ['el pato'],
    });
    expect(s.sentences).toBe(1);
    expect(s.asrBleu).toBeCloseTo(100 * Math.pow(1 / 12, 1 / 4), 6);
    expect(s.textBleu).toBeCloseTo(100, 9);
    expect(s.cascadeBleu).toBeCloseTo(100 * Math.exp(-0.5), 6);
    expect(s.sourceWer).toBeCloseTo(0.5, 12);
  });
});

describe('references and summaries', () => {
  it('maps a recording back to its pair by normalised text, in either column order', async () => {
    const text = path.join(dir, 'refs');
    await mkdir(text, { recursive: true });
    await writeFile(path.join(text, 'en-es.test.tsv'), 'Hello, World!\t¡Hola, mundo!\nGood night.\tBuenas noches.\n');
    await writeFile(path.join(text, 'en-es.train.tsv'), 'a\tb\n');
    await writeFile(path.join(text, 'es-fr.test.tsv'), 'Buenas noches.\tBonne nuit.\n');
    const enEs = await referenceTable(text, 'en', 'es');
    expect(enEs.get(matchKey('hello world'))?.reference).toBe('¡Hola, mundo!');
    const esEn = await referenceTable(text, 'es', 'en');
    expect(esEn.get(matchKey('buenas noches'))?.reference).toBe('Good night.');
    const frEs = await referenceTable(text, 'fr', 'es');
    expect(frEs.get(matchKey('Bonne nuit'))?.reference).toBe('Buenas noches.');
    expect((await referenceTable(text, 'en', 'fr')).size).toBe(0);
    expect([...(await trainedDirections(text))].sort()).toEqual(['en-es', 'es-en']);
  });

  it('latency summary: median and p90 of the sorted values', () => {
    const s = summarizeLatency([0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.4, 0.6, 0.8, 1.0]);
    expect(s.count).toBe(10);
    expect(s.median).toBe(0.6); // floor(0.5 * 10) = index 5 of 0.1..1.0
    expect(s.p90).toBe(1.0);
    expect(s.mean).toBeCloseTo(0.55, 12);
    expect(summarizeLatency([]).median).toBeNull();
  });

  it('training logs: numeric fields of rows with a step, broken lines skipped', () => {
    const rows = parseTrainingLog('{"step":10,"loss":2,"time":"x"}\nnot json\n{"loss":1}\n{"step":20,"loss":1.5,"devLoss":1.7}\n');
    expect(rows).toEqual([{ step: 10, loss: 2 }, { step: 20, loss: 1.5, devLoss: 1.7 }]);
  });

  it("training curves: a resumed run's repeated steps replace the killed run's, in step order", () => {
    // logged to step 30, killed, resumed from the step-20 checkpoint: steps 30 and 40 logged again
    const rows = parseTrainingLog(['{"step":10,"loss":3}', '{"step":20,"loss":2,"valLoss":2.5}', '{"step":30,"loss":1.9}', '{"step":30,"loss":1.8}', '{"step":40,"loss":1.7,"valLoss":2.2}'].join('\n'));
    const series = curveSeries(rows);
    expect(series.find((s) => s.name === 'loss')!.points).toEqual([[10, 3], [20, 2], [30, 1.8], [40, 1.7]]);
    expect(series.find((s) => s.name === 'valLoss')!.points).toEqual([[20, 2.5], [40, 2.2]]);
  });

  it('histogram counts and chart PNGs', () => {
    const h = histogram([0, 0.1, 0.2, 0.9, 1], 2);
    expect(h.edges).toEqual([0, 0.5, 1]);
    expect(h.counts).toEqual([3, 2]);
    expect(niceTicks(0, 1, 6)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const line = PNG.sync.read(lineChartPng([{ name: 'loss', points: [[1, 3], [2, 2], [3, 1.5]] }], { width: 200, height: 100 }));
    expect([line.width, line.height]).toEqual([200, 100]);
    const bars = PNG.sync.read(histogramPng([0.5, 0.6, 0.6, 2], { width: 300, height: 120 }));
    // some pixels carry the bar colour
    let blue = 0;
    for (let i = 0; i < bars.data.length; i += 4) if (bars.data[i] === 0 && bars.data[i + 1] === 114 && bars.data[i + 2] === 178) blue++;
    expect(blue).toBeGreaterThan(100);
    expect(() => lineChartPng([{ name: 'x', points: [[1, NaN]] }])).toThrow();
  });
});

describe('paced pipeline run (fake stages)', () => {
  const speech = harmonicTone(1.0, 150);

  it('runs the session to the end and measures latency from the end of speech', async () => {
    const r = await translatePaced(fakeStages(), speech, { from: 'en', to: 'es' });
    expect(r.utterances).toHaveLength(1);
    const u = r.utterances[0]!;
    expect(u.transcript).toMatch(/^heard \d+ samples$/);
    expect(u.translation).toBe(`[en->es] ${u.transcript}`);
    expect(r.translation).toBe(u.translation);
    expect(r.audio.length).toBeGreaterThan(0);
    // The speech sits at 0.3-1.3 s of the fed stream; the VAD's end is near 1.3 s.
    expect(u.end).toBeGreaterThan(1.1);
    expect(u.end).toBeLessThan(1.45);
    // Fast stages: the wait is the 500 ms endpointing hangover, decided at a 100 ms chunk boundary.
    expect(u.latency).not.toBeNull();
    expect(u.latency!).toBeGreaterThan(0.45);
    expect(u.latency!).toBeLessThan(0.8);
    expect(r.inputSeconds).toBeCloseTo(1, 6);
  });

  it('adds the backlog of a recogniser slower than real time', async () => {
    const fast = (await translatePaced(fakeStages(), speech, { from: 'en', to: 'es' })).utterances[0]!.latency!;
    const stages = fakeStages();
    const open = stages.recognizer.open.bind(stages.recognizer);
    const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
    // 200 ms of work per 100 ms chunk: RTF 2, so the backlog at the end of ~1.2 s of routed
    // audio (pre-roll included) is about a second.
    stages.recognizer = {
      ...stages.recognizer,
      languages: stages.recognizer.languages,
      detectsLanguage: false,
      open(lang) {
        const s = open(lang);
        return { push: async (x) => (await sleep(200), s.push(x)), finish: () => s.finish() };
      },
    };
    const r = await translatePaced(stages, speech, { from: 'en', to: 'es' });
    const slow = r.utterances[0]!.latency!;
    expect(r.asrSeconds).toBeGreaterThan(1.5);
    expect(slow - fast).toBeGreaterThan(0.6);
    expect(slow - fast).toBeLessThan(2.5);
  });
});

describe('babelfish eval all (tiny untrained models, fixture corpus)', () => {
  // Sentences of the text corpus: en-es is trained, en-fr is zero-shot; the speech corpus
  // speaks some of the English and Spanish ones (tones stand in for speech).
  const EN_ES = [
    ['The cat sleeps.', 'El gato duerme.'],
    ['Good night.', 'Buenas noches.'],
    ['The sky is blue.', 'El cielo es azul.'],
    ['It is 42 degrees.', 'Hace 42 grados.'],
  ];
  const EN_FR = [
    ['The cat sleeps.', 'Le chat dort.'],
    ['The bread is warm.', 'Le pain est chaud.'],
  ];
  const SPEECH = [
    { id: 'en-1', lang: 'en', speaker: 'a', text: 'The cat sleeps', f0: 120, seconds: 0.8 },
    { id: 'en-2', lang: 'en', speaker: 'b', text: 'Good night!', f0: 200, seconds: 0.6 },
    { id: 'en-3', lang: 'en', speaker: 'a', text: 'It is 42 degrees.', f0: 140, seconds: 0.7 },
    { id: 'en-4', lang: 'en', speaker: 'b', text: 'Not in the text corpus.', f0: 160, seconds: 0.6 },
    { id: 'es-1', lang: 'es', speaker: 'c', text: 'El cielo es azul.', f0: 180, seconds: 0.7 },
  ];
  let opts: EvalAllOptions;
  let report: EvalAllReport;
  let out: string;

  beforeAll(async () => {
    await initBackend({ log: () => {} });
    const root = path.join(dir, 'full');
    const models = path.join(root, 'models');
    await saveTinyModels(models);
    const textDir = path.join(root, 'text');
    await mkdir(textDir, { recursive: true });
    const tsv = (rows: string[][]) => rows.map((r) => r.join('\t')).join('\n') + '\n';
    await writeFile(path.join(textDir, 'en-es.train.tsv'), tsv(EN_ES.slice(0, 2)));
    await writeFile(path.join(textDir, 'en-es.test.tsv'), tsv(EN_ES));
    await writeFile(path.join(textDir, 'en-fr.test.tsv'), tsv(EN_FR));
    const tok = WordTokenizer.train([...EN_ES, ...EN_FR].flat(), ['en', 'es', 'fr']);
    const tr = Translator.build({ languages: ['en', 'es', 'fr'], embedDim: 8, encoderUnits: 8, decoderUnits: 8, maxTargetLen: 8 }, tok);
    await tr.save(path.join(models, 'translator'));
    tr.dispose();
    const corpus = path.join(root, 'corpus');
    await mkdir(path.join(corpus, 'wav'), { recursive: true });
    const lines: string[] = [];
    for (const r of SPEECH) {
      await writeWav(path.join(corpus, 'wav', `${r.id}.wav`), harmonicTone(r.seconds, r.f0), 16000);
      lines.push(JSON.stringify({ id: r.id, audio: `wav/${r.id}.wav`, lang: r.lang, text: r.text, speaker: r.speaker, split: 'test', duration: r.seconds }));
    }
    await writeFile(path.join(corpus, 'manifest.test.jsonl'), lines.join('\n') + '\n');
    const runs = path.join(root, 'runs');
    await mkdir(path.join(runs, 'translator'), { recursive: true });
    await writeFile(path.join(runs, 'translator', 'log.jsonl'), [10, 20, 30].map((s) => JSON.stringify({ step: s, loss: 9 - s / 10, lr: 1e-3 })).join('\n') + '\n');
    out = path.join(root, 'report');
    opts = {
      ...parseEvalAllArgs(['--models', models, '--corpus', corpus, '--text', textDir, '--runs', runs, '--out', out, '--limit', '2', '--asr-limit', '2', '--mt-limit', '4', '--voice-sentences', '1', '--beam', '2'])!,
      log: () => {},
    };
    report = await evaluateAll(opts);
  }, 180_000);

  it('report.json holds every section with numbers in range', async () => {
    const json = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as EvalAllReport;
    expect(json.settings.sections).toEqual([...SECTIONS]);
    // speech encoder: two per language at most, the digit sentence left out
    expect(json.speechEncoder!.perLanguage.map((l) => [l.lang, l.utterances])).toEqual([['en', 2], ['es', 1]]);
    for (const l of json.speechEncoder!.perLanguage) {
      expect(l.cer).toBeGreaterThanOrEqual(0);
      expect(l.wer).toBeGreaterThanOrEqual(0);
    }
    expect(json.translator!.directions.map((d) => `${d.direction}:${d.zeroShot}`).sort()).toEqual(['en>es:false', 'en>fr:true', 'es>en:false', 'fr>en:true']);
    expect(json.voice!.perLanguage.map((l) => l.lang)).toEqual(['en', 'es']);
    expect(json.voice!.overall.synthesisMcd).toBeGreaterThan(0);
    for (const l of [...json.voice!.perLanguage, json.voice!.overall]) {
      expect(Number.isFinite(l.synthesisMcdGriffinLim)).toBe(true);
      expect(l.synthesisMcdGriffinLim!).toBeGreaterThan(0);
      expect(l.roundTripCerGriffinLim!).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(l.roundTripCerGriffinLim)).toBe(true);
    }
    // the vocoder of the end-to-end stages: the pipeline's default when not given
    expect(json.settings.vocoder).toBe('griffin-lim');
    expect(json.endToEnd!.settings.vocoder).toBe('griffin-lim');

    const e = json.endToEnd!;
    // en-es: "The cat sleeps" and "Good night!" (the digit one and the unmatched one are out);
    // es-en: "El cielo es azul."; en-fr: "The cat sleeps" only; fr-en: no French recording.
    expect(e.directions.map((d) => [d.direction, d.zeroShot, d.sentences, d.available])).toEqual([
      ['en-es', false, 2, 2],
      ['es-en', false, 1, 1],
      ['en-fr', true, 1, 1],
    ]);
    expect(e.skipped.map((s) => s.direction)).toEqual(['fr-en']);
    for (const d of e.directions) {
      for (const v of [d.asrBleu, d.textBleu, d.cascadeBleu]) {
        expect(v).not.toBeNull();
        expect(v!).toBeGreaterThanOrEqual(0);
        expect(v!).toBeLessThanOrEqual(100);
      }
      expect(d.sourceWer!).toBeGreaterThanOrEqual(0);
    }
    const byId = Object.fromEntries(e.utterances.map((u) => [`${u.direction}/${u.id}`, u]));
    expect(byId['en-es/en-2']!.reference).toBe('Buenas noches.');
    expect(byId['es-en/es-1']!.reference).toBe('The sky is blue.');
    expect(byId['en-fr/en-1']!.reference).toBe('Le chat dort.');
    // ASR-BLEU recomputed from the stored transcripts agrees with the table
    const enEs = e.utterances.filter((u) => u.direction === 'en-es');
    expect(e.directions[0]!.asrBleu).toBeCloseTo(normalizedBleu(enEs.map((u) => u.outputTranscript), enEs.map((u) => u.reference))!, 9);
    for (const u of e.utterances) {
      expect(u.errors).toEqual([]);
      expect(u.inputSeconds).toBeGreaterThan(0.5);
      expect(u.segments).toBeGreaterThanOrEqual(1);
    }
    const spoken = e.utterances.filter((u) => u.outputSeconds > 0);
    expect(spoken.length).toBeGreaterThan(0);
    expect(e.latencies.length).toBeGreaterThanOrEqual(spoken.length);
    for (const l of e.latencies) {
      expect(l).toBeGreaterThan(0.3); // at least most of the endpointing hangover
      expect(l).toBeLessThan(60);
    }
    expect(e.latency.median).toBeGreaterThan(0.3);
    for (const k of ['asr', 'mt', 'synthesizer', 'vocoder', 'total'] as const) {
      expect(e.rtf[k]).toBeGreaterThan(0);
      expect(Number.isFinite(e.rtf[k])).toBe(true);
    }
    expect(json.trainingCurves.map((c) => [c.model, c.points, c.lastStep, c.png])).toEqual([['translator', 3, 30, 'curve-translator.png']]);
    expect(json.missingCurves).toEqual(['speech-encoder', 'synthesizer', 'vocoder']);
    expect(report.endToEnd!.directions).toEqual(e.directions);
  });

  it('writes PNGs that decode, and no staging folder is left behind', async () => {
    const files = report.plots.map((p) => p.file);
    expect(files).toContain('latency-histogram.png');
    expect(files).toContain('curve-translator.png');
    expect(files.filter((f) => f.startsWith('spectrogram-'))).toEqual(['spectrogram-en-es.png', 'spectrogram-es-en.png', 'spectrogram-en-fr.png']);
    expect(files.some((f) => f.startsWith('attention-'))).toBe(true);
    expect(files.some((f) => f.startsWith('voice/png/'))).toBe(true);
    for (const f of files) {
      const png = PNG.sync.read(await readFile(path.join(out, f)));
      expect(png.width, f).toBeGreaterThan(0);
      expect(png.height, f).toBeGreaterThan(0);
    }
    expect((await readdir(path.dirname(out))).filter((n) => n.includes('.partial-') || n.includes('.old-'))).toEqual([]);
  });

  it('REPORT.md has a table row per direction and links every plot', async () => {
    const md = await readFile(path.join(out, 'REPORT.md'), 'utf8');
    expect(md).toMatch(/^\| en-es \| no \| 2 of 2 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+% \|$/m);
    expect(md).toMatch(/^\| es-en \| no \| 1 of 1 \| /m);
    expect(md).toMatch(/^\| en-fr \| yes \| 1 of 1 \| /m);
    expect(md).toMatch(/^\| en>fr \| yes \| 2 \| /m); // translator table (en-fr.test has two rows)
    expect(md).toMatch(/^\| en \| 2 \| [\d.]+% \| /m); // speech encoder table
    // voice table: the Griffin-Lim columns after the WaveNet ones, filled for every row
    expect(md).toMatch(/^\| language \| sentences \| resynthesis MCD \| resynthesis voiced \| resynthesis GPE \| .* \| reference CER \| Griffin-Lim synthesis MCD \| Griffin-Lim round-trip CER \|$/m);
    expect(md).toMatch(/^\| all \| 2 \|( [^|]+ \|){7} [\d.]+ \| [\d.]+% \|$/m);
    expect(md).toContain('synthesizer, Griffin-Lim; `--vocoder griffin-lim`)');
    expect(md).toMatch(/^\| vocoder \(Griffin-Lim\) \| [\d.]+ \|$/m);
    for (const p of report.plots) expect(md).toContain(`](${p.file})`);
    expect(md).toContain('fr-en (no fr test recording has a reference translation into en)');
  });

  it('--update measures the chosen sections and keeps the others, with their plots and when they were measured', async () => {
    const copy = path.join(dir, 'full', 'report-update');
    await cp(out, copy, { recursive: true });
    const earlier = JSON.parse(await readFile(path.join(copy, 'report.json'), 'utf8')) as EvalAllReport;
    const updated = await evaluateAll({ ...opts, out: copy, sections: ['translator'], update: true });
    expect(updated.translator).not.toBeNull();
    expect(updated.generated).not.toBe(earlier.generated);
    expect(updated.carried).toEqual({ 'speech-encoder': earlier.generated, voice: earlier.generated, e2e: earlier.generated, curves: earlier.generated });
    expect(updated.speechEncoder).toEqual(earlier.speechEncoder);
    expect(updated.endToEnd).toEqual(earlier.endToEnd);
    expect(updated.trainingCurves).toEqual(earlier.trainingCurves);
    // every plot of the earlier report is there again (no section made new ones), and decodes
    expect(updated.plots.map((p) => p.file).sort()).toEqual(earlier.plots.map((p) => p.file).sort());
    for (const p of updated.plots) expect(PNG.sync.read(await readFile(path.join(copy, p.file))).width, p.file).toBeGreaterThan(0);
    expect(existsSync(path.join(copy, 'voice', 'report.json'))).toBe(true);
    const md = await readFile(path.join(copy, 'REPORT.md'), 'utf8');
    expect(md).toContain(`speech encoder (measured ${earlier.generated})`);
    expect(md).not.toContain('translator (measured');
    for (const p of updated.plots) expect(md).toContain(`](${p.file})`);

    // A second update keeps the date a carried section was measured, not the last report's.
    const again = await evaluateAll({ ...opts, out: copy, sections: ['speech-encoder'], update: true });
    expect(again.carried).toEqual({ translator: updated.generated, voice: earlier.generated, e2e: earlier.generated, curves: earlier.generated });

    // Curves measured again from a run folder without the translator's log keep that curve.
    const emptyRuns = path.join(dir, 'full', 'runs-empty');
    await mkdir(emptyRuns, { recursive: true });
    const curves = await evaluateAll({ ...opts, out: copy, runs: emptyRuns, sections: ['curves'], update: true });
    expect(curves.trainingCurves.map((c) => [c.model, c.lastStep, c.png, c.measured])).toEqual([['translator', 30, 'curve-translator.png', earlier.generated]]);
    expect(curves.missingCurves).toEqual(['speech-encoder', 'synthesizer', 'vocoder']);
    expect(PNG.sync.read(await readFile(path.join(copy, 'curve-translator.png'))).width).toBeGreaterThan(0);
    expect(await readFile(path.join(copy, 'REPORT.md'), 'utf8')).toContain(`(kept from the report of ${earlier.generated}: the log is gone)`);

    const none = path.join(dir, 'full', 'no-earlier');
    const err = await evaluateAll({ ...opts, out: none, sections: ['translator'], update: true }).catch((e) => e);
    expect(isBabelfishError(err) && err.code).toBe('FILE_NOT_FOUND');
    expect(existsSync(none)).toBe(false);
    expect(parseEvalAllArgs(['--update'])!.update).toBe(true);
    expect(plotSection({ file: 'voice/png/x.png' })).toBe('voice');
    expect(plotSection({ file: 'curve-translator.png' })).toBe('curves');
    expect(plotSection({ file: 'attention-en-fr.png' })).toBe('e2e');
    expect(plotSection({ file: 'x.png', section: 'translator' })).toBe('translator');
  }, 120_000);

  it('a rerun replaces the report; a missing model fails before anything is written', async () => {
    await writeFile(path.join(out, 'stale.png'), 'old');
    const r2 = await evaluateAll({ ...opts, vocoder: parseEvalAllArgs(['--vocoder', 'wavenet'])!.vocoder, sections: ['e2e'], directions: ['es-en'] });
    expect(r2.endToEnd!.directions.map((d) => d.direction)).toEqual(['es-en']);
    expect(r2.settings.vocoder).toBe('wavenet');
    expect(r2.endToEnd!.settings.vocoder).toBe('wavenet');
    expect(r2.endToEnd!.utterances.every((u) => u.errors.length === 0)).toBe(true);
    expect(await readFile(path.join(out, 'REPORT.md'), 'utf8')).toContain('synthesizer, WaveNet; `--vocoder wavenet`)');
    expect(r2.speechEncoder).toBeNull();
    expect(existsSync(path.join(out, 'stale.png'))).toBe(false);
    expect(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')).settings.sections).toEqual(['e2e']);

    const err = await evaluateAll({ ...opts, models: path.join(dir, 'nowhere'), out: path.join(dir, 'never') }).catch((e) => e);
    expect(isBabelfishError(err) && err.code).toBe('MODEL_NOT_FOUND');
    expect(existsSync(path.join(dir, 'never'))).toBe(false);

    // A folder that is not an earlier report is never replaced.
    const other = path.join(dir, 'other');
    await mkdir(other, { recursive: true });
    await writeFile(path.join(other, 'notes.txt'), 'mine');
    const err2 = await evaluateAll({ ...opts, out: other }).catch((e) => e);
    expect(isBabelfishError(err2) && err2.code).toBe('BAD_ARGUMENT');
    expect(await readFile(path.join(other, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('flags: bad values are BAD_ARGUMENT; the verb prints its usage', async () => {
    for (const argv of [['--limit', '0'], ['--sections', 'e2e,bogus'], ['--directions', 'english'], ['--bogus'], ['--vocoder', 'bad']]) {
      let err: unknown;
      try {
        parseEvalAllArgs(argv);
      } catch (e) {
        err = e;
      }
      expect(isBabelfishError(err) && err.code, argv.join(' ')).toBe('BAD_ARGUMENT');
    }
    expect(parseEvalAllArgs(['--vocoder', 'griffin-lim'])!.vocoder).toBe('griffin-lim');
    expect(parseEvalAllArgs([])!.vocoder).toBe('griffin-lim');
    const printed: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (printed.push(String(c)), true));
    try {
      expect(await evalCommand.run(['all', '--help'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(printed.join('')).toContain('ASR-BLEU');
  });
});
