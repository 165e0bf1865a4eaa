import { describe, it, expect } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readSpeechManifest } from '../../training/common/speech-manifest.ts';

describe('readSpeechManifest', () => {
  it('reads every row, resolving audio and align next to the manifest, else against the working directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'babelfish-manifest-'));
    try {
      await mkdir(join(dir, 'wav'));
      await writeFile(join(dir, 'wav/a.wav'), '');
      await writeFile(join(dir, 'a.json'), '{}');
      const rows = [
        { audio: 'wav/a.wav', lang: 'en', text: 'hi', align: 'a.json', speaker: 's1' },
        { audio: '/abs/b.wav', lang: 'es', text: 'hola', augment: null },
        { audio: 'elsewhere/c.wav', lang: 'fr', text: 'salut' },
      ];
      const file = join(dir, 'manifest.train.jsonl');
      await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n\n');
      expect(await readSpeechManifest(file)).toEqual([
        { ...rows[0], audio: join(dir, 'wav/a.wav'), align: join(dir, 'a.json') },
        rows[1],
        { ...rows[2], audio: resolve('elsewhere/c.wav') },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says which line is bad, and that a missing manifest is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'babelfish-manifest-'));
    try {
      await writeFile(join(dir, 'bad.jsonl'), '{"audio":"a","lang":"en","text":"x"}\n{oops\n');
      await expect(readSpeechManifest(join(dir, 'bad.jsonl'))).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/bad\.jsonl:2: not JSON/) });
      await writeFile(join(dir, 'short.jsonl'), '{"audio":"a","text":"x"}\n');
      await expect(readSpeechManifest(join(dir, 'short.jsonl'))).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/short\.jsonl:1: a row needs string audio, text and lang/) });
      await expect(readSpeechManifest(join(dir, 'none.jsonl'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
