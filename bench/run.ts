/**
 * `npm run bench [-- --only name,...] [--out file.json] [--compare old.json]`
 *
 * Runs every `bench/*.bench.ts` in this process, one after another, prints a table and
 * writes JSON. Figures move with the load of these shared machines, so the benchmarks
 * report ratios measured in the same run wherever a comparison matters.
 */
import { readdir, readFile, writeFile, rename, mkdir } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchResult, Benchmark } from './types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

interface BenchFile {
  suite: string;
  results: BenchResult[];
  error?: string;
  seconds: number;
}

export interface BenchReport {
  date: string;
  machine: { cpus: number; cpuModel: string; totalMemGB: number; node: string };
  suites: BenchFile[];
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 0.01 || a >= 1e6)) return v.toExponential(3);
  return a >= 100 ? v.toFixed(1) : v.toFixed(3);
}

export function formatTable(report: BenchReport, previous?: BenchReport): string {
  const old = new Map<string, number>();
  for (const s of previous?.suites ?? []) for (const r of s.results) old.set(`${s.suite}/${r.name}`, r.value);
  const rows: string[][] = [['suite', 'figure', 'value', 'unit', ...(previous ? ['vs old'] : []), 'note']];
  for (const s of report.suites) {
    if (s.error) rows.push([s.suite, 'ERROR', '', '', ...(previous ? [''] : []), s.error]);
    for (const r of s.results) {
      const prior = old.get(`${s.suite}/${r.name}`);
      const ratio = prior !== undefined && prior !== 0 ? `${(r.value / prior).toFixed(2)}x` : previous ? 'new' : '';
      rows.push([s.suite, r.name, formatValue(r.value), r.unit, ...(previous ? [ratio] : []), r.note ?? '']);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      out: { type: 'string', default: path.join(here, 'results.json') },
      compare: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: npm run bench -- [--only suite,suite] [--out results.json] [--compare old.json]');
    return 0;
  }
  const only = values.only?.split(',').map((s) => s.trim());
  const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts')).sort();
  const suites: BenchFile[] = [];
  for (const file of files) {
    const suite = file.replace(/\.bench\.ts$/, '');
    if (only && !only.includes(suite)) continue;
    process.stderr.write(`bench: ${suite} ...\n`);
    const t0 = performance.now();
    try {
      const mod = (await import(pathToFileURL(path.join(here, file)).href)) as { default: Benchmark };
      suites.push({ suite, results: await mod.default(), seconds: (performance.now() - t0) / 1000 });
    } catch (e) {
      suites.push({ suite, results: [], error: (e as Error).message.split('\n')[0]!, seconds: (performance.now() - t0) / 1000 });
    }
  }
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', totalMemGB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    suites,
  };
  const previous = values.compare ? (JSON.parse(await readFile(values.compare, 'utf8')) as BenchReport) : undefined;
  console.log(formatTable(report, previous));
  console.log(JSON.stringify(report));
  await mkdir(path.dirname(values.out!), { recursive: true });
  await writeFile(values.out + '.tmp', JSON.stringify(report, null, 2));
  await rename(values.out + '.tmp', values.out!);
  process.stderr.write(`bench: wrote ${values.out}\n`);
  return suites.some((s) => s.error) ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) process.exitCode = await main();
