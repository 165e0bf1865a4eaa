/**
 * Writes test/common/fixtures/: a tiny saved model of every kind and a training checkpoint of
 * every trainer that has `checkpoints/latest.json`, as the code of the day writes them.
 * The committed fixtures were written by commit e2f645b, before the save/load code moved into
 * models/common and training/common; format-compat.test.ts checks that today's code reads them
 * and writes them again byte for byte. Rerun only to add a model, never to "fix" a failing test:
 *   npx tsx test/common/make-format-fixtures.ts
 */
import * as tf from '@tensorflow/tfjs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/backend.ts';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import { Synthesizer } from '../../models/synthesizer/model.ts';
import { Vocoder } from '../../models/vocoder/model.ts';
import { Translator } from '../../models/translator/model.ts';
import { WordTokenizer } from '../../models/translator/tokenizer.ts';
import { Adam } from '../../training/common/adam.ts';
import { saveCheckpoint as saveEncoderCheckpoint } from '../../training/speech-encoder/checkpoint.ts';
import { saveCheckpoint as saveSynthesizerCheckpoint } from '../../training/synthesizer/checkpoint.ts';
import { saveCheckpoint as saveVocoderCheckpoint } from '../../training/vocoder/checkpoint.ts';
import { FIXTURE_CONFIGS, TRANSLATOR_TEXT } from './format-fixture-configs.ts';

const root = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');

/** One Adam update with gradients derived from the weights, so the moments are not zero. */
function adamAfterOneStep(weights: Record<string, tf.Variable>): Adam {
  const adam = new Adam({ weightDecay: 0.01 });
  const grads = tf.tidy(() => Object.fromEntries(Object.entries(weights).map(([n, w]) => [n, tf.add(tf.mul(w, 0.5), 0.01)])));
  adam.apply(weights, grads, 1e-3);
  tf.dispose(Object.values(grads));
  return adam;
}

async function main(): Promise<void> {
  await initBackend({ log: () => {} });
  await rm(root, { recursive: true, force: true });

  const encoder = SpeechEncoder.build(FIXTURE_CONFIGS.speechEncoder);
  await encoder.save(join(root, 'speech-encoder/model'));
  const encoderAdam = adamAfterOneStep(encoder.weights);
  await saveEncoderCheckpoint(join(root, 'speech-encoder/run'), encoder, encoderAdam, { step: 7, config: { hidden: 16, note: 'fixture' }, seed: 1, metrics: { devCer: 0.5 } });

  const synthesizer = Synthesizer.build(FIXTURE_CONFIGS.synthesizer);
  await synthesizer.save(join(root, 'synthesizer/model'));
  const synthAdam = adamAfterOneStep(synthesizer.weights);
  await saveSynthesizerCheckpoint(join(root, 'synthesizer/run'), synthesizer, synthAdam, { step: 9, config: { batchFrames: 10 }, seed: 2, voices: ['anna', 'ben'], metrics: { dev: 1.25 } });

  const vocoder = Vocoder.build(FIXTURE_CONFIGS.vocoder);
  await vocoder.save(join(root, 'vocoder/model'));
  const optimizer = tf.train.adam(1e-3);
  optimizer.minimize(() => tf.addN(Object.values(vocoder.weights).map((w) => tf.sum(tf.square(w)))) as tf.Scalar);
  await saveVocoderCheckpoint(join(root, 'vocoder/run'), vocoder, optimizer, { step: 11, options: { steps: 100 }, metrics: { loss: 3.5 }, seconds: 12.5 });

  const tokenizer = WordTokenizer.train([TRANSLATOR_TEXT], FIXTURE_CONFIGS.translator.languages);
  const translator = Translator.build(FIXTURE_CONFIGS.translator, tokenizer);
  await translator.save(join(root, 'translator/model'));
  await translator.save(join(root, 'translator/model-float16'), { float16: true });
}

await main();
