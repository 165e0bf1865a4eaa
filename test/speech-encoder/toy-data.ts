import type { TrainData } from '../../training/speech-encoder/train.ts';
import type { Utterance } from '../../training/speech-encoder/data.ts';
import { defaultVocab, type Vocab } from '../../models/speech-encoder/vocab.ts';
import { mulberry32 } from '../../src/random.ts';

export const TOY_BINS = 8;

/**
 * A toy "language" for training tests: each letter is a fixed 8-bin pattern held for 8
 * frames, with 4 quiet frames between letters; six words, alternately fr and en.
 */
export function toyTrainData(options: { seed: number; devCount: number; vocab?: Vocab }): TrainData {
  const vocab = options.vocab ?? defaultVocab();
  const r = mulberry32(options.seed);
  const pattern = new Map<string, number[]>();
  const utt = (text: string, lang: string): Utterance => {
    const frames: number[][] = [];
    for (const ch of text) {
      if (!pattern.has(ch)) pattern.set(ch, Array.from({ length: TOY_BINS }, () => 4 * r() - 2));
      for (let i = 0; i < 8; i++) frames.push(pattern.get(ch)!.map((v) => v + 0.1 * (r() - 0.5)));
      for (let i = 0; i < 4; i++) frames.push(new Array(TOY_BINS).fill(-3));
    }
    return { id: text, lang, text, labels: vocab.encode(text), frames: frames.length, features: { data: Float32Array.from(frames.flat()), frames: frames.length, bins: TOY_BINS } };
  };
  const train = ['abc', 'cab', 'bad', 'dab', 'cad', 'acdc'].map((t, i) => utt(t, i % 2 ? 'en' : 'fr'));
  return { train, dev: train.slice(0, options.devCount), vocab, bins: TOY_BINS };
}
