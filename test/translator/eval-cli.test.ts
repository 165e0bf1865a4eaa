import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { PNG } from 'pngjs';
import { initBackend } from '../../src/backend.ts';
import { corpusBleu } from '../../src/metrics/bleu.ts';
import { Translator } from '../../models/translator/model.ts';
import { WordTokenizer } from '../../models/translator/tokenizer.ts';
import { evaluateTranslator, formatReport, retrievalAccuracy } from '../../training/translator/eval.ts';
import { command } from '../../src/cli/commands/translate-text.ts';
import { isBabelfishError } from '../../src/errors.ts';
import { toySentencePairs } from '../../training/translator/toy-corpus.ts';

let dir = '';
const rows = toySentencePairs(12, 9);

beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), 'translator-eval-'));
  const tsv = (r: string[][]) => r.map((x) => x.join('\t')).join('\n') + '\n';
  await writeFile(join(dir, 'aa-bb.train.tsv'), tsv(rows));
  await writeFile(join(dir, 'aa-bb.test.tsv'), tsv(rows));
  await writeFile(join(dir, 'aa-bb.dev.tsv'), tsv(rows.slice(0, 5)));
  await writeFile(join(dir, 'aa-cc.test.tsv'), tsv(rows.map(([a, b]) => [a, b.replaceAll('b', 'c')])));
  // en-es human layout: source, human reference, apertium forward, apertium backward
  await writeFile(join(dir, 'aa-bb.test-human.tsv'), tsv(rows.map(([a, b]) => [a, b, b, 'a0 a0'])));
  const words = rows.flatMap(([a, b]) => [a, b, b.replaceAll('b', 'c')]);
  const tok = WordTokenizer.train(words, ['aa', 'bb', 'cc']);
  const m = Translator.build({ languages: ['aa', 'bb', 'cc'], embedDim: 8, encoderUnits: 8, decoderUnits: 8, maxTargetLen: 12 }, tok);
  await m.save(join(dir, 'model'));
  m.dispose();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('translator eval', () => {
  it('retrieval accuracy counts rows whose nearest column by cosine is their own', () => {
    const a = tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
    const b = tf.tensor2d([[2, 0.1], [1, 1.1], [0, 3]]); // row 1's nearest is column 2, row 2's is column 1
    expect(retrievalAccuracy(a, b)).toBeCloseTo(1 / 3, 12);
    expect(retrievalAccuracy(a, tf.mul(a, 5) as tf.Tensor2D)).toBe(1);
    tf.dispose([a, b]);
  });

  it('scores every test direction, marks zero-shot pairs, and compares with copy and apertium baselines', async () => {
    const r = await evaluateTranslator({ modelDir: join(dir, 'model'), dataDir: dir, beam: 2, limit: 0, log: () => {} });
    expect(r.directions.map((d) => `${d.direction}:${d.zeroShot}`).sort()).toEqual(['aa>bb:false', 'aa>cc:true', 'bb>aa:false', 'cc>aa:true']);
    const ab = r.directions.find((d) => d.direction === 'aa>bb')!;
    expect(ab.copyBleu).toBeCloseTo(corpusBleu(rows.map((x) => x[0]), rows.map((x) => x[1])).score, 9);
    for (const d of r.directions) {
      expect(d.sentences).toBe(12);
      expect(d.bleu).toBeGreaterThanOrEqual(0);
      expect(d.chrf).toBeGreaterThanOrEqual(0);
    }
    expect(r.human.map((h) => h.direction)).toEqual(['aa>bb', 'bb>aa']);
    expect(r.human[0].apertiumBleu).toBeCloseTo(100, 6); // the apertium column equals the reference here
    expect(r.retrieval.map((x) => x.pair).sort()).toEqual(['aa-bb', 'aa-cc']);
    for (const x of r.retrieval) expect(x.accuracy).toBeGreaterThanOrEqual(0);
    expect(r.speed.greedySentencesPerSecond).toBeGreaterThan(0);
    const supervised = r.directions.filter((d) => !d.zeroShot);
    expect(r.trainedMean.directions).toBe(2);
    expect(r.trainedMean.bleu).toBeCloseTo((supervised[0].bleu + supervised[1].bleu) / 2, 9);
    expect(r.trainedMean.chrf).toBeCloseTo((supervised[0].chrf + supervised[1].chrf) / 2, 9);
    const table = formatReport(r);
    expect(table).toContain('aa>cc       yes');
    expect(table).toContain('retrieval');
    expect(table).toContain('test split, beam 2, length penalty 1, no-repeat 4');
  });

  it('--split dev scores the dev files only (no zero-shot or human rows) with the decoding settings given', async () => {
    const r = await evaluateTranslator({ modelDir: join(dir, 'model'), dataDir: dir, beam: 2, limit: 0, split: 'dev', lengthPenalty: 0.3, noRepeatNgram: 0, log: () => {} });
    expect(r.split).toBe('dev');
    expect(r.directions.map((d) => d.direction).sort()).toEqual(['aa>bb', 'bb>aa']);
    expect(r.directions.every((d) => d.sentences === 5 && !d.zeroShot)).toBe(true);
    expect(r.human).toEqual([]);
    expect(r.retrieval.map((x) => x.pair)).toEqual(['aa-bb']);
    expect([r.lengthPenalty, r.noRepeatNgram]).toEqual([0.3, 0]);
    // the copy baseline is computed on the dev rows, so it must equal BLEU of the dev sources against the dev references
    const dev = rows.slice(0, 5);
    expect(r.directions.find((d) => d.direction === 'aa>bb')!.copyBleu).toBeCloseTo(corpusBleu(dev.map((x) => x[0]), dev.map((x) => x[1])).score, 9);
    await expect(evaluateTranslator({ modelDir: join(dir, 'model'), dataDir: join(dir, 'nothing-here'), beam: 1, limit: 0, split: 'dev', log: () => {} })).rejects.toThrow();
  });
});

describe('translate-text command', () => {
  async function run(argv: string[]): Promise<{ out: string; code: number | void }> {
    const write = process.stdout.write.bind(process.stdout);
    let out = '';
    process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
    try {
      const code = await command.run(argv);
      return { out, code };
    } finally {
      process.stdout.write = write;
    }
  }

  it('translates positional text, prints JSON and draws the attention PNG', async () => {
    const png = join(dir, 'att.png');
    const { out, code } = await run(['--model', join(dir, 'model'), '--from', 'aa', '--to', 'bb', '--json', '--attention', png, 'a1 a2 a3']);
    expect(code).toBe(0);
    const j = JSON.parse(out.trim());
    expect(typeof j.text).toBe('string');
    expect(Array.isArray(j.tokens)).toBe(true);
    const img = PNG.sync.read(await readFile(png));
    expect(img.width).toBe(5 * 12); // <2bb> a1 a2 a3 </s>
    // one row per output token, plus </s> unless the output was cut at its length bound
    expect([j.tokens.length * 12, (j.tokens.length + 1) * 12]).toContain(img.height);
  });

  it('gives clear errors for unknown languages, a missing model and a bad beam', async () => {
    const cases: [string[], string][] = [
      [['--model', join(dir, 'model'), '--to', 'zz', 'a1'], 'UNSUPPORTED_LANGUAGE'],
      [['--model', join(dir, 'model'), '--from', 'zz', '--to', 'bb', 'a1'], 'UNSUPPORTED_LANGUAGE'],
      [['--model', join(dir, 'nope'), '--to', 'bb', 'a1'], 'MODEL_NOT_FOUND'],
      [['--model', join(dir, 'model'), '--to', 'bb', '--beam', '0', 'a1'], 'BAD_ARGUMENT'],
      [['--model', join(dir, 'model'), 'a1'], 'BAD_ARGUMENT'],
    ];
    for (const [argv, code] of cases) {
      const e = await run(argv).catch((x) => x);
      expect(isBabelfishError(e) && e.code).toBe(code);
    }
  });

  it('batch mode keeps one output line per input line, empty lines empty, and survives emoji and 500 words', () => {
    const long = Array.from({ length: 500 }, (_, i) => `a${i % 24}`).join(' ');
    const input = ['a1 a2', '', '😀 ☃ a3', long, ''].join('\n') + '\n';
    const r = spawnSync(process.execPath, ['bin/babelfish.js', 'translate-text', '--model', join(dir, 'model'), '--to', 'bb', '--beam', '2'], {
      input,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe('');
    expect(lines[4]).toBe('');
  });
});
