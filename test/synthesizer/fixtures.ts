/** A tiny synthetic TTS task: each character has its own mel "colour" and a fixed duration. */
import { mulberry32 } from '../../src/random.ts';
import { SymbolTable } from '../../models/synthesizer/symbols.ts';
import type { TrainItem } from '../../training/synthesizer/step.ts';

export const TINY = { hidden: 32, kernel: 3, encoderLayers: 2, decoderLayers: 2, durationLayers: 1, voices: 2, numMels: 8 };

export function syntheticItems(texts: string[], bins = 8, seed = 3): { items: TrainItem[]; durations: number[][] } {
  const table = new SymbolTable();
  const rand = mulberry32(seed);
  const colour = new Map<number, Float32Array>();
  const length = new Map<number, number>();
  const items: TrainItem[] = [];
  const durations: number[][] = [];
  texts.forEach((text, k) => {
    const { ids } = table.normalize(text, 'en');
    const frames: Float32Array[] = [];
    const durs: number[] = [];
    for (const id of ids) {
      if (!colour.has(id)) {
        colour.set(id, Float32Array.from({ length: bins }, () => 2 * rand() - 1));
        length.set(id, 2 + Math.floor(rand() * 4));
      }
      durs.push(length.get(id)!);
      for (let f = 0; f < length.get(id)!; f++) frames.push(colour.get(id)!);
    }
    const mel = new Float32Array(frames.length * bins);
    frames.forEach((f, i) => mel.set(f, i * bins));
    items.push({ id: `u${k}`, ids, lang: 0, voice: k % 2, mel, frames: frames.length });
    durations.push(durs);
  });
  return { items, durations };
}
