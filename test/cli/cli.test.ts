/** The `babelfish` binary as a person runs it: a real child process per command. */
import { describe, it, expect, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { projectRoot } from '../../src/paths.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import { COMMANDS } from '../../src/cli/commands/index.ts';

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(projectRoot, 'bin/babelfish.js'), ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'babelfish-cli-'));
});

describe('babelfish CLI', () => {
  it('lists every command and has --help for each', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(top.stdout).toContain(name);
    // Every command's usage text (loaded in-process: a child per command costs seconds each).
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const command = await entry.load();
      expect(command.name).toBe(name);
      expect(command.usage, name).toMatch(new RegExp(`usage: babelfish ${name}`));
    }
    const h = await run(['features', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/usage: babelfish features/);
  });

  it('an unknown command or flag is a clear error with a non-zero exit', async () => {
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const flag = await run(['features', '--nope']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/\[BAD_ARGUMENT\].*--nope/);
  });

  it('info reports the backend and versions as JSON', async () => {
    const r = await run(['info', '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(['wasm', 'cpu', 'node', 'node-gpu']).toContain(info.backend);
    expect(info.packages['@tensorflow/tfjs']).toMatch(/^\d+\.\d+/);
    expect(Array.isArray(info.models)).toBe(true);
  });

  it('features draws a spectrogram whose bright rows follow the tone frequency', async () => {
    // 1 s at 500 Hz then 1 s at 3000 Hz: the bright band must move up the picture.
    const rate = 16000;
    const x = Float32Array.from({ length: 2 * rate }, (_, i) => 0.5 * Math.sin((2 * Math.PI * (i < rate ? 500 : 3000) * i) / rate));
    const wav = path.join(dir, 'tones.wav');
    await writeFile(wav, encodeWav(x, rate));
    const out = path.join(dir, 'tones.png');
    const r = await run(['features', wav, '--png', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.bins).toBe(80);
    expect(summary.frames).toBe(Math.floor((2 * rate - 400) / 160) + 1);
    const png = PNG.sync.read(await readFile(out));
    expect(png.width).toBe(summary.frames);
    expect(png.height).toBe(80 * 3);
    // Brightest row (sum of R+G over the column) in a column from each half.
    const brightestRow = (col: number) => {
      let best = 0;
      let bestY = 0;
      for (let y = 0; y < png.height; y++) {
        const o = (y * png.width + col) * 4;
        const v = png.data[o]! + png.data[o + 1]!;
        if (v > best) (best = v), (bestY = y);
      }
      return bestY;
    };
    const low = brightestRow(Math.floor(summary.frames / 4));
    const high = brightestRow(Math.floor((3 * summary.frames) / 4));
    expect(high).toBeLessThan(low - 30); // higher frequency = nearer the top
  });

  it('features on a missing file or a text file posing as WAV fails with a code', async () => {
    const missing = await run(['features', path.join(dir, 'nope.wav'), '--png', path.join(dir, 'x.png')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/\[FILE_NOT_FOUND\]/);
    const fake = path.join(dir, 'fake.wav');
    await writeFile(fake, 'this is a text file, not audio\n'.repeat(20));
    const bad = await run(['features', fake, '--png', path.join(dir, 'y.png')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\[(MALFORMED_WAV|DECODE_FAILED)\]/);
  });
});
