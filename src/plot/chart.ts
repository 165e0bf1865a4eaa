/**
 * Line charts and histograms as PNGs (pngjs, no canvas): training curves and latency
 * distributions for the evaluation report. Axis ticks are labelled with a 3x5 pixel font of
 * digits; titles, series names and units belong in the Markdown next to the picture.
 */
import { PNG } from 'pngjs';

export interface Series {
  name: string;
  points: [number, number][];
}

export interface ChartOptions {
  width?: number;
  height?: number;
  /** Logarithmic y axis (values <= 0 are left out). */
  logY?: boolean;
}

/** Distinct colours for series, in order (Okabe-Ito, readable by colour-blind people). */
export const SERIES_COLOURS: [number, number, number][] = [
  [0, 114, 178],
  [213, 94, 0],
  [0, 158, 115],
  [204, 121, 167],
  [230, 159, 0],
  [86, 180, 233],
];

/** 3x5 glyphs, rows top to bottom, 3 bits each (4 = left column). */
const GLYPHS: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 3, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 2, 2],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  '.': [0, 0, 0, 0, 2],
  '-': [0, 0, 7, 0, 0],
  '+': [0, 2, 7, 2, 0],
  e: [0, 7, 7, 4, 7],
  ' ': [0, 0, 0, 0, 0],
};

type Rgb = [number, number, number];

class Canvas {
  readonly png: PNG;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.png = new PNG({ width, height });
    this.png.data.fill(255);
  }

  set(x: number, y: number, [r, g, b]: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 4;
    this.png.data[o] = r;
    this.png.data[o + 1] = g;
    this.png.data[o + 2] = b;
    this.png.data[o + 3] = 255;
  }

  rect(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    for (let y = Math.round(Math.min(y0, y1)); y <= Math.round(Math.max(y0, y1)); y++)
      for (let x = Math.round(Math.min(x0, x1)); x <= Math.round(Math.max(x0, x1)); x++) this.set(x, y, c);
  }

  /** Bresenham, `thick` pixels wide. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thick = 1): void {
    x0 = Math.round(x0);
    y0 = Math.round(y0);
    x1 = Math.round(x1);
    y1 = Math.round(y1);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    for (;;) {
      for (let t = 0; t < thick; t++) {
        this.set(x0, y0 + t, c);
        this.set(x0 + t, y0, c);
      }
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }

  /** Text in the 3x5 font at `scale`; (x, y) is the top left. Returns the width drawn. */
  text(x: number, y: number, s: string, c: Rgb, scale = 2): number {
    let cx = x;
    for (const ch of s) {
      const g = GLYPHS[ch] ?? GLYPHS[' ']!;
      for (let row = 0; row < 5; row++)
        for (let col = 0; col < 3; col++) if (g[row]! & (4 >> col)) this.rect(cx + col * scale, y + row * scale, cx + col * scale + scale - 1, y + row * scale + scale - 1, c);
      cx += 4 * scale;
    }
    return cx - x;
  }
}

export function textWidth(s: string, scale = 2): number {
  return [...s].length * 4 * scale;
}

/** A short label for a tick value: at most 5 significant characters, exponent form when huge or tiny. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return String(Number(v.toFixed(digits)));
}

/** `count` round values spanning [lo, hi] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count - 1);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const AXIS: Rgb = [60, 60, 60];
const GRID: Rgb = [225, 225, 225];

interface Frame {
  canvas: Canvas;
  x: (v: number) => number;
  y: (v: number) => number;
}

function drawFrame(width: number, height: number, xr: [number, number], yr: [number, number], logY: boolean): Frame {
  const canvas = new Canvas(width, height);
  const yTicks = logY ? niceLogTicks(yr[0], yr[1]) : niceTicks(yr[0], yr[1]);
  const xTicks = niceTicks(xr[0], xr[1], 6);
  const left = 12 + Math.max(...yTicks.map((t) => textWidth(tickLabel(t))));
  const right = width - 12;
  const top = 10;
  const bottom = height - 26;
  const fy = logY ? Math.log10 : (v: number) => v;
  const [y0, y1] = [fy(yr[0]), fy(yr[1])];
  const x = (v: number) => left + ((v - xr[0]) / (xr[1] - xr[0] || 1)) * (right - left);
  const y = (v: number) => bottom - ((fy(v) - y0) / (y1 - y0 || 1)) * (bottom - top);
  for (const t of yTicks) {
    const py = y(t);
    if (py < top - 0.5 || py > bottom + 0.5) continue;
    canvas.line(left, py, right, py, GRID);
    const label = tickLabel(t);
    canvas.text(left - 6 - textWidth(label), py - 5, label, AXIS);
  }
  for (const t of xTicks) {
    const px = x(t);
    if (px < left - 0.5 || px > right + 0.5) continue;
    canvas.line(px, top, px, bottom, GRID);
    const label = tickLabel(t);
    canvas.text(px - textWidth(label) / 2, bottom + 8, label, AXIS);
  }
  canvas.line(left, bottom, right, bottom, AXIS);
  canvas.line(left, top, left, bottom, AXIS);
  return { canvas, x, y };
}

function niceLogTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out.length >= 2 ? out : niceTicks(lo, hi);
}

function range(vs: number[], pad: number): [number, number] {
  let lo = Math.min(...vs);
  let hi = Math.max(...vs);
  if (lo === hi) {
    const d = Math.abs(lo) * 0.1 || 1;
    lo -= d;
    hi += d;
  }
  const m = (hi - lo) * pad;
  return [lo - m, hi + m];
}

/** Series drawn as lines over one pair of axes (colours in SERIES_COLOURS order). */
export function lineChartPng(series: Series[], opts: ChartOptions = {}): Buffer {
  const width = opts.width ?? 640;
  const height = opts.height ?? 320;
  const logY = opts.logY ?? false;
  const keep = (p: [number, number]) => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!logY || p[1] > 0);
  const shown = series.map((s) => ({ ...s, points: s.points.filter(keep).sort((a, b) => a[0] - b[0]) })).filter((s) => s.points.length);
  if (!shown.length) throw new Error('line chart: no finite points to draw');
  const xs = shown.flatMap((s) => s.points.map((p) => p[0]));
  const ys = shown.flatMap((s) => s.points.map((p) => p[1]));
  const xr: [number, number] = [Math.min(...xs), Math.max(...xs) === Math.min(...xs) ? Math.min(...xs) + 1 : Math.max(...xs)];
  const yr: [number, number] = logY ? [Math.min(...ys) / 1.2, Math.max(...ys) * 1.2] : range(ys, 0.05);
  const { canvas, x, y } = drawFrame(width, height, xr, yr, logY);
  shown.forEach((s, i) => {
    const c = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
    const pts = s.points;
    if (pts.length === 1) canvas.rect(x(pts[0]![0]) - 2, y(pts[0]![1]) - 2, x(pts[0]![0]) + 2, y(pts[0]![1]) + 2, c);
    for (let k = 1; k < pts.length; k++) canvas.line(x(pts[k - 1]![0]), y(pts[k - 1]![1]), x(pts[k]![0]), y(pts[k]![1]), c, 2);
  });
  return PNG.sync.write(canvas.png);
}

export interface Histogram {
  /** bins + 1 edges, ascending. */
  edges: number[];
  counts: number[];
}

/** Equal-width bins over [min, max] of the finite values; the last bin includes max. */
export function histogram(values: number[], bins: number): Histogram {
  const v = values.filter(Number.isFinite);
  if (!v.length) return { edges: [0, 1], counts: [0] };
  let lo = Math.min(...v);
  let hi = Math.max(...v);
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const n = Math.max(1, Math.floor(bins));
  const w = (hi - lo) / n;
  const edges = Array.from({ length: n + 1 }, (_, i) => lo + i * w);
  const counts = new Array<number>(n).fill(0);
  for (const x of v) counts[Math.min(n - 1, Math.floor((x - lo) / w))]!++;
  return { edges, counts };
}

/** Bars of a histogram (x: the values' unit, y: count). */
export function histogramPng(values: number[], opts: ChartOptions & { bins?: number } = {}): Buffer {
  const width = opts.width ?? 640;
  const height = opts.height ?? 320;
  const h = histogram(values, opts.bins ?? Math.min(30, Math.max(5, Math.ceil(Math.sqrt(values.length)))));
  const top = Math.max(1, ...h.counts);
  const { canvas, x, y } = drawFrame(width, height, [h.edges[0]!, h.edges[h.edges.length - 1]!], [0, top * 1.05], false);
  h.counts.forEach((c, i) => {
    if (!c) return;
    canvas.rect(x(h.edges[i]!) + 1, y(c), x(h.edges[i + 1]!) - 1, y(0) - 1, SERIES_COLOURS[0]!);
  });
  return PNG.sync.write(canvas.png);
}
