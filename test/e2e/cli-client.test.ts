/**
 * The command-line client against a real server on loopback (models replaced by the
 * deterministic doubles; the run with trained models is in test/e2e/trained-pipeline.test.ts).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { startServer, type BabelfishServer } from '../../server/server.ts';
import { runClient, sniffFormat } from '../../client/cli/client.ts';
import { encodeWav, readWav } from '../../src/audio/wav.ts';
import { float32ToPcm16 } from '../../src/audio/pcm.ts';
import { projectRoot } from '../../src/paths.ts';
import { fakeStages } from '../helpers/fake-stages.ts';

let server: BabelfishServer;
let dir: string;

function speech(seconds: number, rate: number): Float32Array {
  const out = new Float32Array(Math.round((seconds + 1) * rate));
  for (let i = 0; i < seconds * rate; i++) {
    const t = i / rate;
    let v = 0;
    for (let h = 1; h <= 10; h++) v += Math.sin(2 * Math.PI * 125 * h * t) / h;
    out[i] = 0.2 * v * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t));
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'babelfish-cli-'));
  server = await startServer({ config: { port: 0 }, loadStages: async () => fakeStages(), log: () => {} });
  await server.ready;
});
afterAll(async () => server?.close(100));

describe('babelfish client', () => {
  it('streams a WAV file (44.1 kHz) and writes a non-silent translated WAV', async () => {
    const input = path.join(dir, 'in.wav');
    await writeFile(input, encodeWav(speech(1.2, 44100), 44100));
    const out = path.join(dir, 'out.wav');
    const lines: string[] = [];
    const r = await runClient({
      url: `ws://127.0.0.1:${server.port}`, from: 'en', to: 'es', input, stdinFormat: 'auto', sampleRate: 16000,
      out, play: false, realtime: false, json: false, frameMs: 20, print: (l) => lines.push(l),
    });
    expect(r.errors).toEqual([]);
    expect(r.transcripts).toHaveLength(1);
    expect(r.translations[0]).toBe(`[en->es] ${r.transcripts[0]}`);
    expect(lines.some((l) => l.startsWith('[es] [en->es] heard'))).toBe(true);
    const wav = await readWav(out);
    expect(wav.sampleRate).toBe(16000);
    expect(wav.samples.length).toBe(r.audio.length);
    expect(Math.max(...wav.samples.map(Math.abs))).toBeGreaterThan(0.1);
  });

  it('reads raw PCM16 from standard input through the real CLI', async () => {
    const out = path.join(dir, 'stdin-out.wav');
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin/babelfish.js'), 'client', '--url', `ws://127.0.0.1:${server.port}`, '--from', 'de', '--to', 'en', '--input', '-', '--format', 'pcm16', '--rate', '16000', '--realtime', 'false', '-o', out], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const pcm = float32ToPcm16(speech(1.0, 16000));
    child.stdin.end(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    const code = await new Promise<number>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\[de\] heard \d+ samples/);
    expect(stdout).toMatch(/\[en\] \[de->en\] heard/);
    expect((await readWav(out)).samples.length).toBeGreaterThan(1000);
  });

  it('an unreachable server and a bad language are clear errors', async () => {
    const base = { from: 'en', to: 'es', input: '-', stdinFormat: 'pcm16' as const, sampleRate: 16000, play: false, realtime: false, json: false, frameMs: 20, print: () => {} };
    await expect(runClient({ ...base, url: 'ws://127.0.0.1:1' })).rejects.toThrow(/cannot reach/);
    const input = path.join(dir, 'in2.wav');
    await writeFile(input, encodeWav(speech(0.3, 16000), 16000));
    await expect(runClient({ ...base, input, to: 'xx', url: `ws://127.0.0.1:${server.port}` })).rejects.toMatchObject({ code: 'UNSUPPORTED_LANGUAGE' });
  });

  it('sniffs containers by their magic bytes and treats the rest as raw PCM', () => {
    const b = (s: string) => new Uint8Array([...s].map((c) => c.charCodeAt(0)));
    expect(sniffFormat(b('RIFF....WAVE'))).toBe('wav');
    expect(sniffFormat(b('OggS'))).toBe('ogg');
    expect(sniffFormat(b('fLaC'))).toBe('flac');
    expect(sniffFormat(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3]))).toBe('webm');
    expect(sniffFormat(b('ID3\x03'))).toBe('mp3');
    expect(sniffFormat(new Uint8Array([0x10, 0x00, 0x20, 0x00]))).toBe('pcm16');
  });
});
