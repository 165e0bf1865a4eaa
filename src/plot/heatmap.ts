/**
 * A matrix as a PNG a person can look at: spectrograms, attention alignments.
 * Rows are drawn bottom-up when `origin: 'lower'` (spectrograms: low frequencies at
 * the bottom), top-down otherwise (attention: first source token at the top).
 */
import { PNG } from 'pngjs';

export interface HeatmapOptions {
  /** Pixels per matrix cell, horizontally and vertically. */
  cellWidth?: number;
  cellHeight?: number;
  origin?: 'upper' | 'lower';
  /** Colour range; defaults to the data's min and max. */
  min?: number;
  max?: number;
}

/** Perceptually ordered dark-blue -> green -> yellow ramp (viridis-like anchors). */
const RAMP: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function colourFor(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const a = RAMP[i]!;
  const b = RAMP[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number];
}

/**
 * `matrix` is row-major `rows x cols` (Float32Array) or an array of rows.
 * For a spectrogram pass frames as columns: rows = mel bins.
 */
export function heatmapPng(matrix: Float32Array | number[][], rows: number, cols: number, opts: HeatmapOptions = {}): Buffer {
  if (rows <= 0 || cols <= 0) throw new Error(`heatmap needs a non-empty matrix, got ${rows}x${cols}`);
  const at = Array.isArray(matrix) ? (r: number, c: number) => matrix[r]![c]! : (r: number, c: number) => matrix[r * cols + c]!;
  let lo = opts.min ?? Infinity;
  let hi = opts.max ?? -Infinity;
  if (opts.min === undefined || opts.max === undefined) {
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const v = at(r, c);
        if (!Number.isFinite(v)) continue;
        if (opts.min === undefined && v < lo) lo = v;
        if (opts.max === undefined && v > hi) hi = v;
      }
  }
  const span = hi > lo ? hi - lo : 1;
  const cw = opts.cellWidth ?? 1;
  const ch = opts.cellHeight ?? 1;
  const png = new PNG({ width: cols * cw, height: rows * ch });
  for (let r = 0; r < rows; r++) {
    const y0 = (opts.origin === 'lower' ? rows - 1 - r : r) * ch;
    for (let c = 0; c < cols; c++) {
      const [R, G, B] = colourFor((at(r, c) - lo) / span);
      for (let dy = 0; dy < ch; dy++)
        for (let dx = 0; dx < cw; dx++) {
          const o = ((y0 + dy) * png.width + c * cw + dx) * 4;
          png.data[o] = R;
          png.data[o + 1] = G;
          png.data[o + 2] = B;
          png.data[o + 3] = 255;
        }
    }
  }
  return PNG.sync.write(png);
}
