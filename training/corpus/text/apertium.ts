/**
 * Batched, cached apertium translation. Each batch of lines is one `apertium`
 * process whose output is stored under the cache folder by a hash of mode and input,
 * so a build killed half-way redoes only the unfinished batches. Batches run on
 * `workers` processes at once (the machine has two cores).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mapConcurrent } from '../../../src/map-concurrent.ts';

export interface ApertiumRunOptions {
  cacheDir: string;
  batchSize: number;
  workers: number;
  /** Called after each finished batch with (lines done, lines total, batches from cache). */
  onProgress?: (done: number, total: number, cached: number) => void;
}

/**
 * Input goes through a temporary file: the apertium script reads /dev/stdin, which
 * cannot be opened when stdin is the socket Node gives a child process.
 */
async function runApertium(mode: string, input: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'babelfish-apertium-'));
  const inFile = path.join(dir, 'in.txt');
  await writeFile(inFile, input);
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn('apertium', [mode, inFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (code) => {
        const stderr = Buffer.concat(err).toString('utf8');
        if (code === 0 && stderr.trim() === '') resolve(Buffer.concat(out).toString('utf8'));
        else reject(new Error(`apertium ${mode} exited with ${code}: ${stderr.slice(0, 500)}`));
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Translates one batch; if apertium's output does not have one line per input line, halves the batch. */
async function translateAligned(mode: string, lines: string[]): Promise<string[]> {
  const raw = await runApertium(mode, lines.join('\n') + '\n');
  const out = raw.replace(/\n$/, '').split('\n');
  if (out.length === lines.length) return out;
  if (lines.length === 1) return [''];
  const mid = lines.length >> 1;
  return [...(await translateAligned(mode, lines.slice(0, mid))), ...(await translateAligned(mode, lines.slice(mid)))];
}

async function cachedBatch(mode: string, lines: string[], cacheDir: string): Promise<{ out: string[]; cached: boolean }> {
  const hash = createHash('sha1').update(mode).update('\u0000').update(lines.join('\n')).digest('hex');
  const dir = path.join(cacheDir, 'apertium', mode);
  const file = path.join(dir, `${hash}.txt`);
  const hit = await readFile(file, 'utf8').catch(() => null);
  if (hit !== null) {
    const out = hit.split('\n');
    if (out.length === lines.length) return { out, cached: true };
  }
  const out = await translateAligned(mode, lines);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, out.join('\n'));
  await rename(tmp, file);
  return { out, cached: false };
}

/** Translates every line (lines must not contain newlines); result[i] is the raw apertium output for lines[i]. */
export async function apertiumTranslate(mode: string, lines: string[], opts: ApertiumRunOptions): Promise<string[]> {
  const result = new Array<string>(lines.length);
  const batches: Array<[number, number]> = [];
  for (let i = 0; i < lines.length; i += opts.batchSize) batches.push([i, Math.min(lines.length, i + opts.batchSize)]);
  let done = 0;
  let cached = 0;
  await mapConcurrent(batches, opts.workers, async ([a, b]) => {
    const r = await cachedBatch(mode, lines.slice(a, b), opts.cacheDir);
    for (let i = a; i < b; i++) result[i] = r.out[i - a]!;
    done += b - a;
    if (r.cached) cached++;
    opts.onProgress?.(done, lines.length, cached);
  });
  return result;
}

/** apertium's marks removed, for showing its output as a baseline next to a human translation. */
export function stripApertiumMarks(s: string): string {
  return s.replace(/(^|[\s(¿¡])[*#@](?=\S)/g, '$1');
}
