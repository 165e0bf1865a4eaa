/**
 * `babelfish eval translator`: the model card's table.
 *
 * - BLEU (sacrebleu defaults) and chrF per direction on every `<a>-<b>.test` file, both directions
 *   (or on the dev files with `--split dev`, the split to choose decoding settings and checkpoints on),
 *   and their mean over the trained directions;
 * - zero-shot directions (pairs with no training file) next to a copy-the-source baseline;
 * - en->es (and es->en) on the human-translated test set next to apertium's output, the
 *   teacher the synthetic training data came from (columns: en, es human, apertium en->es, apertium es->en);
 * - cross-lingual retrieval with `embed`: for each sentence, is its translation the nearest
 *   neighbour by cosine among all the pair's test translations (both directions averaged);
 * - sentences per second, greedy and with the beam.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { BabelfishError } from '../../src/errors.ts';
import { parseCommandArgs } from '../../src/cli/args.ts';
import { projectRoot } from '../../src/paths.ts';
import { corpusBleu } from '../../src/metrics/bleu.ts';
import { corpusChrf } from '../../src/metrics/chrf.ts';
import { listParallelFiles } from '../corpus/text/parallel.ts';
import { readTsv } from '../corpus/text/tsv.ts';
import { Translator } from '../../models/translator/model.ts';
import { DEFAULT_DECODING } from '../../models/translator/config.ts';

export interface DirectionScore {
  direction: string;
  sentences: number;
  zeroShot: boolean;
  bleu: number;
  chrf: number;
  /** Copy-the-source BLEU (the zero-shot baseline). */
  copyBleu: number;
}

export interface EvalReport {
  model: string;
  split: EvalSplit;
  beam: number;
  lengthPenalty: number;
  noRepeatNgram: number;
  directions: DirectionScore[];
  /** Mean BLEU and chrF over the trained (not zero-shot) directions. */
  trainedMean: { directions: number; bleu: number; chrf: number };
  human: { direction: string; sentences: number; modelBleu: number; apertiumBleu: number; modelChrf: number; apertiumChrf: number }[];
  retrieval: { pair: string; sentences: number; accuracy: number }[];
  speed: { greedySentencesPerSecond: number; beamSentencesPerSecond: number; sentences: number };
  sizeMB: number;
}

/** Fraction of rows i whose nearest column by cosine is i, for a [n, d] x [n, d] pair of embeddings. */
export function retrievalAccuracy(a: tf.Tensor2D, b: tf.Tensor2D): number {
  return tf.tidy(() => {
    const na = tf.div(a, tf.add(tf.norm(a, 2, 1, true), 1e-9));
    const nb = tf.div(b, tf.add(tf.norm(b, 2, 1, true), 1e-9));
    const sim = tf.matMul(na, tf.transpose(nb)) as tf.Tensor2D;
    const best = tf.argMax(sim, 1).dataSync();
    let hit = 0;
    best.forEach((j, i) => (hit += +(j === i)));
    return hit / Math.max(1, best.length);
  });
}

/** `test` is what the model card reports; `dev` is where settings are chosen. */
export type EvalSplit = 'test' | 'dev';

export interface EvalOptions {
  modelDir: string;
  dataDir: string;
  beam: number;
  /** Sentences per direction (0 = all). */
  limit: number;
  split?: EvalSplit;
  /** GNMT alpha and the no-repeat n-gram size; the model's defaults (DEFAULT_DECODING) when absent. */
  lengthPenalty?: number;
  noRepeatNgram?: number;
  log?: (line: string) => void;
}

export async function evaluateTranslator(o: EvalOptions): Promise<EvalReport> {
  await initBackend();
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const model = await Translator.load(o.modelDir);
  const files = await listParallelFiles(o.dataDir);
  const trained = new Set(files.filter((f) => f.split === 'train').flatMap((f) => [`${f.src}-${f.tgt}`, `${f.tgt}-${f.src}`]));
  const cut = <T>(rows: T[]) => (o.limit > 0 ? rows.slice(0, o.limit) : rows);
  const split = o.split ?? 'test';
  const decoding = { beam: o.beam, lengthPenalty: o.lengthPenalty ?? DEFAULT_DECODING.lengthPenalty, noRepeatNgram: o.noRepeatNgram ?? DEFAULT_DECODING.noRepeatNgram };
  const report: EvalReport = {
    model: o.modelDir,
    split,
    beam: o.beam,
    lengthPenalty: decoding.lengthPenalty,
    noRepeatNgram: decoding.noRepeatNgram,
    directions: [],
    trainedMean: { directions: 0, bleu: 0, chrf: 0 },
    human: [],
    retrieval: [],
    speed: { greedySentencesPerSecond: 0, beamSentencesPerSecond: 0, sentences: 0 },
    sizeMB: 0,
  };
  report.sizeMB = Object.values(model.weights).reduce((n, w) => n + w.size * 4, 0) / 1e6;
  const known = new Set(model.languages);
  const evalFiles = files.filter((x) => x.split === split && known.has(x.src) && known.has(x.tgt));
  if (!evalFiles.length) throw new BabelfishError('FILE_NOT_FOUND', `no ${split} files for the model's languages (${model.languages.join(', ')}) in ${o.dataDir}`);

  for (const f of evalFiles) {
    const rows = cut(await readTsv(f.path)).filter((r) => r.length >= 2 && r[0] && r[1]);
    for (const [from, to, si, ti] of [[f.src, f.tgt, 0, 1], [f.tgt, f.src, 1, 0]] as const) {
      const src = rows.map((r) => r[si]);
      const ref = rows.map((r) => r[ti]);
      const hyp = (await model.translate(src, { from, to, ...decoding })).map((t) => t.text);
      const d: DirectionScore = {
        direction: `${from}>${to}`,
        sentences: src.length,
        zeroShot: !trained.has(`${from}-${to}`),
        bleu: corpusBleu(hyp, ref).score,
        chrf: corpusChrf(hyp, ref).score,
        copyBleu: corpusBleu(src, ref).score,
      };
      report.directions.push(d);
      log(`[eval] ${d.direction}${d.zeroShot ? ' (zero-shot)' : ''}: BLEU ${d.bleu.toFixed(2)} chrF ${d.chrf.toFixed(2)} copy ${d.copyBleu.toFixed(2)}`);
    }
    const a = await model.embed(rows.map((r) => r[0]));
    const b = await model.embed(rows.map((r) => r[1]));
    const accuracy = (retrievalAccuracy(a, b) + retrievalAccuracy(b, a)) / 2;
    tf.dispose([a, b]);
    report.retrieval.push({ pair: `${f.src}-${f.tgt}`, sentences: rows.length, accuracy });
    log(`[eval] retrieval ${f.src}-${f.tgt}: ${(accuracy * 100).toFixed(1)}%`);
  }

  const supervised = report.directions.filter((d) => !d.zeroShot);
  if (supervised.length) {
    report.trainedMean = {
      directions: supervised.length,
      bleu: supervised.reduce((a, d) => a + d.bleu, 0) / supervised.length,
      chrf: supervised.reduce((a, d) => a + d.chrf, 0) / supervised.length,
    };
  }

  const human = split === 'test' ? files.find((f) => f.split === 'test-human') : undefined;
  if (human && known.has(human.src) && known.has(human.tgt)) {
    const rows = cut(await readTsv(human.path)).filter((r) => r.length >= 3);
    for (const [from, to, si, ti, ai] of [[human.src, human.tgt, 0, 1, 2], [human.tgt, human.src, 1, 0, 3]] as const) {
      const usable = rows.filter((r) => r[ai] !== undefined && r[ai] !== '');
      if (!usable.length) continue;
      const hyp = (await model.translate(usable.map((r) => r[si]), { from, to, ...decoding })).map((t) => t.text);
      const ref = usable.map((r) => r[ti]);
      const ap = usable.map((r) => r[ai]);
      const h = {
        direction: `${from}>${to}`,
        sentences: usable.length,
        modelBleu: corpusBleu(hyp, ref).score,
        apertiumBleu: corpusBleu(ap, ref).score,
        modelChrf: corpusChrf(hyp, ref).score,
        apertiumChrf: corpusChrf(ap, ref).score,
      };
      report.human.push(h);
      log(`[eval] human ${h.direction}: model BLEU ${h.modelBleu.toFixed(2)} vs apertium ${h.apertiumBleu.toFixed(2)}`);
    }
  }

  // throughput on a fixed sample, greedy vs beam, same run
  const sample = (await readTsv(evalFiles[0]!.path)).slice(0, 64).map((r) => r[0]);
  const to = model.languages.find((l) => l !== evalFiles[0]!.src) ?? model.languages[0];
  let t0 = performance.now();
  await model.translate(sample, { to, ...decoding, beam: 1 });
  report.speed.greedySentencesPerSecond = sample.length / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  await model.translate(sample, { to, ...decoding });
  report.speed.beamSentencesPerSecond = sample.length / ((performance.now() - t0) / 1000);
  report.speed.sentences = sample.length;
  model.dispose();
  return report;
}

export function formatReport(r: EvalReport): string {
  const lines = [
    `translator ${r.model}: ${r.sizeMB.toFixed(1)} MB float32; ${r.split} split, beam ${r.beam}, length penalty ${r.lengthPenalty}, no-repeat ${r.noRepeatNgram}`,
    '',
    'direction   zero-shot  sentences   BLEU   chrF   copy-BLEU',
  ];
  for (const d of r.directions)
    lines.push(`${d.direction.padEnd(11)} ${(d.zeroShot ? 'yes' : 'no').padEnd(10)} ${String(d.sentences).padStart(9)} ${d.bleu.toFixed(2).padStart(6)} ${d.chrf.toFixed(2).padStart(6)} ${d.copyBleu.toFixed(2).padStart(10)}`);
  if (r.trainedMean.directions)
    lines.push(`${'trained mean'.padEnd(32)} ${r.trainedMean.bleu.toFixed(2).padStart(6)} ${r.trainedMean.chrf.toFixed(2).padStart(6)}   (${r.trainedMean.directions} directions)`);
  if (r.human.length) {
    lines.push('', 'human test set   sentences  model-BLEU  apertium-BLEU  model-chrF  apertium-chrF');
    for (const h of r.human)
      lines.push(`${h.direction.padEnd(16)} ${String(h.sentences).padStart(9)} ${h.modelBleu.toFixed(2).padStart(11)} ${h.apertiumBleu.toFixed(2).padStart(14)} ${h.modelChrf.toFixed(2).padStart(11)} ${h.apertiumChrf.toFixed(2).padStart(14)}`);
  }
  lines.push('', 'retrieval (embed, nearest by cosine)');
  for (const x of r.retrieval) lines.push(`${x.pair.padEnd(8)} ${String(x.sentences).padStart(6)} sentences  ${(x.accuracy * 100).toFixed(1)}%`);
  lines.push('', `speed: ${r.speed.greedySentencesPerSecond.toFixed(1)} sentences/s greedy, ${r.speed.beamSentencesPerSecond.toFixed(1)} with beam ${r.beam} (${r.speed.sentences} sentences, one thread)`);
  return lines.join('\n');
}

export const EVAL_USAGE = `usage: babelfish eval translator [--model DIR] [--data DIR] [--split test|dev] [--beam N]
                                [--length-penalty A] [--no-repeat N] [--limit N] [--json FILE]

BLEU and chrF per direction on the test split, zero-shot vs copy-the-source, the
human en-es test set vs apertium, embedding retrieval accuracy per pair, sentences/s.
--split dev scores the trained directions on their dev files instead: choose decoding
settings (--length-penalty, the GNMT alpha; --no-repeat, 0 = off) and checkpoints there,
and report them on test. Defaults: beam 4 and the model's decoding defaults.`;

export async function runEvalTranslator(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    model: { type: 'string' },
    data: { type: 'string' },
    split: { type: 'string' },
    beam: { type: 'string' },
    'length-penalty': { type: 'string' },
    'no-repeat': { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(EVAL_USAGE + '\n');
    return 0;
  }
  const beam = Number(values.beam ?? 4);
  const limit = Number(values.limit ?? 0);
  if (!Number.isInteger(beam) || beam < 1) throw new BabelfishError('BAD_ARGUMENT', `--beam must be a positive integer`);
  if (!Number.isInteger(limit) || limit < 0) throw new BabelfishError('BAD_ARGUMENT', `--limit must be a non-negative integer`);
  const split = values.split ?? 'test';
  if (split !== 'test' && split !== 'dev') throw new BabelfishError('BAD_ARGUMENT', `--split must be test or dev, not "${split}"`);
  const lengthPenalty = values['length-penalty'] === undefined ? undefined : Number(values['length-penalty']);
  if (lengthPenalty !== undefined && !(Number.isFinite(lengthPenalty) && lengthPenalty >= 0)) throw new BabelfishError('BAD_ARGUMENT', `--length-penalty must be a number >= 0`);
  const noRepeatNgram = values['no-repeat'] === undefined ? undefined : Number(values['no-repeat']);
  if (noRepeatNgram !== undefined && !(Number.isInteger(noRepeatNgram) && noRepeatNgram >= 0)) throw new BabelfishError('BAD_ARGUMENT', `--no-repeat must be a non-negative integer`);
  const report = await evaluateTranslator({
    modelDir: values.model ?? join(projectRoot, 'models', 'translator', 'default'),
    dataDir: values.data ?? join(projectRoot, 'training', 'data', 'text'),
    beam,
    limit,
    split,
    lengthPenalty,
    noRepeatNgram,
  });
  process.stdout.write(formatReport(report) + '\n');
  const jsonPath = values.json ?? join(projectRoot, 'runs', 'translator', split === 'dev' ? 'eval-dev.json' : 'eval.json');
  await mkdir(dirname(jsonPath), { recursive: true });
  await writeFile(jsonPath, JSON.stringify(report, null, 1) + '\n');
  process.stderr.write(`[eval] wrote ${jsonPath}\n`);
  return 0;
}
