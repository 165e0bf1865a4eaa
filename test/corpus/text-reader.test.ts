/**
 * The parallel text reader on a fixture folder, and the apertium batch runner
 * against a stand-in `apertium` script (so neither needs a Debian package).
 */
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBabelfishError } from '../../src/errors.ts';
import { apertiumTranslate } from '../../training/corpus/text/apertium.ts';
import { listParallelFiles, parseParallelFileName, readParallel, sentencesFor } from '../../training/corpus/text/parallel.ts';
import { readTsv, writeTsv } from '../../training/corpus/text/tsv.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'babelfish-parallel-'));
  await writeTsv(path.join(dir, 'en-es.train.tsv.gz'), [
    ['The dog barks.', 'El perro ladra.'],
    ['The cat sleeps.', 'El gato duerme.'],
  ]);
  await writeTsv(path.join(dir, 'es-fr.train.tsv.gz'), [
    ['El perro ladra.', 'Le chien aboie.'],
    ['La casa es grande.', 'La maison est grande.'],
  ]);
  await writeTsv(path.join(dir, 'en-es.test.tsv'), [['Good morning to you.', 'Buenos días a ti.']]);
  await writeTsv(path.join(dir, 'en-es.test-human.tsv.gz'), [['Hello there friend.', 'Hola amigo mío.', 'x', 'y']]);
  await writeFile(path.join(dir, 'manifest.json'), '{}');
  await writeFile(path.join(dir, 'README'), 'not a corpus file');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parallel text reader', () => {
  it('lists only files named <a>-<b>.<split>.tsv[.gz]', async () => {
    const files = await listParallelFiles(dir);
    expect(files.map((f) => `${f.src}|${f.tgt}|${f.split}`)).toEqual([
      'en|es|test-human',
      'en|es|test',
      'en|es|train',
      'es|fr|train',
    ]);
    expect(parseParallelFileName('en-es.train.tsv.gz')).toEqual({ file: 'en-es.train.tsv.gz', src: 'en', tgt: 'es', split: 'train' });
    expect(parseParallelFileName('notes.txt')).toBeNull();
  });

  it('reads the stored direction as is and swaps for the other direction', async () => {
    expect(await readParallel('en', 'es', 'train', dir)).toEqual([
      ['The dog barks.', 'El perro ladra.'],
      ['The cat sleeps.', 'El gato duerme.'],
    ]);
    expect(await readParallel('es', 'en', 'train', dir)).toEqual([
      ['El perro ladra.', 'The dog barks.'],
      ['El gato duerme.', 'The cat sleeps.'],
    ]);
    expect(await readParallel('fr', 'es', 'train', dir)).toEqual([
      ['Le chien aboie.', 'El perro ladra.'],
      ['La maison est grande.', 'La casa es grande.'],
    ]);
    // Plain (not gzip) files and extra columns.
    expect(await readParallel('es', 'en', 'test', dir)).toEqual([['Buenos días a ti.', 'Good morning to you.']]);
    expect(await readParallel('en', 'es', 'test-human', dir)).toEqual([['Hello there friend.', 'Hola amigo mío.']]);
  });

  it('reports a missing pair or split with a code', async () => {
    const err = await readParallel('en', 'de', 'train', dir).catch((e: unknown) => e);
    expect(isBabelfishError(err) && err.code).toBe('FILE_NOT_FOUND');
    const err2 = await listParallelFiles(path.join(dir, 'nope')).catch((e: unknown) => e);
    expect(isBabelfishError(err2) && err2.code).toBe('FILE_NOT_FOUND');
  });

  it('collects the unique sentences of one language in one split across pairs', async () => {
    expect(await sentencesFor('es', 'train', dir)).toEqual(['El perro ladra.', 'El gato duerme.', 'La casa es grande.']);
    expect(await sentencesFor('fr', 'train', dir)).toEqual(['Le chien aboie.', 'La maison est grande.']);
    expect(await sentencesFor('en', 'test', dir)).toEqual(['Good morning to you.']);
    expect(await sentencesFor('de', 'train', dir)).toEqual([]);
  });

  it('refuses to write a field holding a tab or newline', async () => {
    await expect(writeTsv(path.join(dir, 'bad.tsv'), [['a\tb', 'c']])).rejects.toThrow(/tab or newline/);
    expect(await readTsv(path.join(dir, 'en-es.test.tsv'))).toEqual([['Good morning to you.', 'Buenos días a ti.']]);
  });
});

describe('apertium batch runner (stand-in apertium script)', () => {
  let bin: string;
  let log: string;
  let savedPath: string | undefined;

  beforeAll(async () => {
    bin = await mkdtemp(path.join(os.tmpdir(), 'babelfish-fake-apertium-'));
    log = path.join(bin, 'calls.log');
    // "upper" uppercases every line; "merge" loses the newline after a line holding "join",
    // as a real pipeline can when a line is odd, so the runner must notice and split the batch.
    await writeFile(
      path.join(bin, 'apertium'),
      `#!/bin/sh\necho "$1 $(wc -l < "$2")" >> "${log}"\ncase "$1" in\n` +
        `  upper) tr a-z A-Z < "$2" ;;\n` +
        `  merge) awk '{ if ($0 ~ /join/) printf "%s ", toupper($0); else print toupper($0) }' "$2" ;;\n` +
        `  *) echo "unknown mode" >&2; exit 2 ;;\nesac\n`,
    );
    await chmod(path.join(bin, 'apertium'), 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
  });

  afterAll(async () => {
    process.env.PATH = savedPath;
    await rm(bin, { recursive: true, force: true });
  });

  it('translates in batches on two workers, caches each batch, and reuses the cache', async () => {
    const cacheDir = path.join(bin, 'cache');
    const lines = Array.from({ length: 25 }, (_, i) => `line number ${i}`);
    const progress: number[] = [];
    const out = await apertiumTranslate('upper', lines, { cacheDir, batchSize: 10, workers: 2, onProgress: (d) => progress.push(d) });
    expect(out).toEqual(lines.map((l) => l.toUpperCase()));
    expect(progress[progress.length - 1]).toBe(25);
    expect((await readdir(path.join(cacheDir, 'apertium', 'upper'))).filter((f) => f.endsWith('.txt'))).toHaveLength(3);
    const callsBefore = (await readFile(log, 'utf8')).trim().split('\n').length;
    expect(callsBefore).toBe(3);
    let cached = 0;
    const again = await apertiumTranslate('upper', lines, { cacheDir, batchSize: 10, workers: 2, onProgress: (_d, _t, c) => (cached = c) });
    expect(again).toEqual(out);
    expect(cached).toBe(3);
    expect((await readFile(log, 'utf8')).trim().split('\n').length).toBe(callsBefore);
  });

  it('splits a batch whose output lost line alignment until every line lines up', async () => {
    const cacheDir = path.join(bin, 'cache2');
    const lines = ['alpha one', 'beta two', 'please join me', 'gamma three', 'delta four'];
    const out = await apertiumTranslate('merge', lines, { cacheDir, batchSize: 5, workers: 1 });
    expect(out).toHaveLength(5);
    expect(out[0]).toBe('ALPHA ONE');
    expect(out[2]!.trim()).toBe('PLEASE JOIN ME');
    expect(out[4]).toBe('DELTA FOUR');
  });

  it('fails loudly when apertium fails', async () => {
    await expect(apertiumTranslate('nosuchmode', ['a b c'], { cacheDir: path.join(bin, 'c3'), batchSize: 5, workers: 1 })).rejects.toThrow(
      /apertium nosuchmode exited with 2/,
    );
  });
});
