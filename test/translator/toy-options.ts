import { join } from 'node:path';
import type { TrainOptions } from '../../training/translator/train.ts';

/** Options for training the tiny word-level translator on the toy corpus in `dir`. */
export function toyTrainOptions(dir: string, over: Partial<TrainOptions> = {}): Partial<TrainOptions> {
  return { size: 'tiny', tokenizer: 'word', runDir: join(dir, 'run'), out: join(dir, 'model'), batch: 32, lr: 1e-2, logEvery: 10, ...over };
}
