/**
 * Training curves from the run folders: each trainer that logs appends one JSON object per
 * logged step to `<runs>/<model>/log.jsonl` (translator, speech encoder, synthesizer, vocoder).
 * The report plots the loss-like fields against the step and
 * tables the last value of every numeric field; a missing log is not an error.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { lineChartPng, type Series } from '../../src/plot/chart.ts';

export const CURVE_MODELS = ['speech-encoder', 'translator', 'synthesizer', 'vocoder'] as const;

export interface TrainingCurve {
  model: string;
  log: string;
  /** Logged points (lines with a numeric step). */
  points: number;
  lastStep: number;
  /** Plotted fields (loss-like: same units, one chart). */
  plotted: string[];
  /** The last logged value of every numeric field. */
  final: Record<string, number>;
}

/** Fields drawn on the loss chart: the training loss and held-out losses, all in nats per unit. */
export function isLossField(key: string): boolean {
  return /^(loss|trainLoss|devLoss|valLoss|melLoss|devMelLoss)$/.test(key);
}

/** Parses log.jsonl text: rows with a numeric `step`, unreadable lines skipped (a run may be mid-write). */
export function parseTrainingLog(text: string): Record<string, number>[] {
  const rows: Record<string, number>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      continue;
    }
    if (!o || typeof o !== 'object' || typeof (o as { step?: unknown }).step !== 'number') continue;
    const row: Record<string, number> = {};
    for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && Number.isFinite(v)) row[k] = v;
    rows.push(row);
  }
  return rows;
}

/**
 * One series per loss-like field, in step order. A run killed and resumed from its last
 * checkpoint logs the steps after that checkpoint twice: the later value of a step wins, so
 * the resumed run's line replaces the lost one instead of doubling back.
 */
export function curveSeries(rows: Record<string, number>[]): Series[] {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter(isLossField);
  return keys.map((k) => {
    const byStep = new Map<number, number>();
    for (const r of rows) if (k in r) byStep.set(r.step!, r[k]!);
    return { name: k, points: [...byStep].sort((a, b) => a[0] - b[0]) as [number, number][] };
  });
}

/** The curve of one model and its PNG, or null when the run folder has no usable log. */
export async function readTrainingCurve(runsDir: string, model: string): Promise<{ curve: TrainingCurve; png: Buffer | null } | null> {
  const log = path.join(runsDir, model, 'log.jsonl');
  let text: string;
  try {
    text = await readFile(log, 'utf8');
  } catch {
    return null;
  }
  const rows = parseTrainingLog(text);
  if (!rows.length) return null;
  const final: Record<string, number> = {};
  for (const r of rows) Object.assign(final, r);
  const series = curveSeries(rows);
  const png = series.some((s) => s.points.length) ? lineChartPng(series) : null;
  return { curve: { model, log, points: rows.length, lastStep: rows[rows.length - 1]!.step!, plotted: series.map((s) => s.name), final }, png };
}
