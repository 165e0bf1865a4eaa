/**
 * Checks on the committed parallel text corpus (training/data/text): needs no
 * Debian package, only the files in the repository.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.ts';
import { LANGUAGE_CODES } from '../../training/corpus/languages.ts';
import { acceptSentence, hasApertiumMarks, normalizeSentence, sentenceKey, wordCount } from '../../training/corpus/text/clean.ts';
import { PLANNED_TRAIN_PAIRS, type Manifest } from '../../training/corpus/text/corpusDoc.ts';
import { listParallelFiles } from '../../training/corpus/text/parallel.ts';
import { readTsv } from '../../training/corpus/text/tsv.ts';

const dir = path.join(projectRoot, 'training', 'data', 'text');
const docFile = path.join(projectRoot, 'training', 'CORPUS.md');

async function loadAll(): Promise<Map<string, string[][]>> {
  const out = new Map<string, string[][]>();
  for (const f of await listParallelFiles(dir)) out.set(f.file, await readTsv(f.path));
  return out;
}

const files = await loadAll();
const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;

describe('committed text corpus', () => {
  it('has train, dev and test for every trained pair and a test for every zero-shot pair', () => {
    expect(manifest.trainedPairs.length).toBeGreaterThanOrEqual(2);
    for (const p of manifest.trainedPairs) {
      for (const s of ['train', 'dev', 'test']) expect(files.has(`${p}.${s}.tsv.gz`), `${p}.${s}`).toBe(true);
    }
    expect(manifest.zeroShotPairs.length).toBeGreaterThanOrEqual(1);
    for (const p of manifest.zeroShotPairs) {
      expect(files.has(`${p}.test.tsv.gz`), `${p}.test`).toBe(true);
      expect(files.has(`${p}.train.tsv.gz`), `${p}.train must not exist`).toBe(false);
      expect(files.has(`${p}.dev.tsv.gz`), `${p}.dev must not exist`).toBe(false);
    }
    // A zero-shot pair has no training data in either direction.
    for (const p of manifest.zeroShotPairs) {
      const [a, b] = p.split('-');
      expect(files.has(`${b}-${a}.train.tsv.gz`)).toBe(false);
    }
    expect(files.has('en-es.test-human.tsv.gz')).toBe(true);
  });

  it('manifest counts match the files, and CORPUS.md counts match the manifest', async () => {
    expect(manifest.files.map((f) => f.file).sort()).toEqual([...files.keys()].sort());
    for (const f of manifest.files) expect(f.count, f.file).toBe(files.get(f.file)!.length);
    const doc = await readFile(docFile, 'utf8');
    const rows = [...doc.matchAll(/^\| ([a-z]{2}-[a-z]{2})(?: \(zero-shot\))? \| ([a-z-]+) \| (\d+) \| (\d+) \|/gm)];
    expect(rows.length).toBe(files.size);
    for (const r of rows) {
      const name = `${r[1]}.${r[2]}.tsv.gz`;
      expect(files.has(name), name).toBe(true);
      expect(Number(r[3]), name).toBe(files.get(name)!.length);
    }
    expect(doc).toContain('## Speech');
    expect(doc).toContain('apt-get install');
    // every trained pair short of the plan says so, and no other
    for (const f of manifest.files.filter((x) => x.split === 'train')) {
      expect(doc.includes(`**${f.pair} is below the planned ${PLANNED_TRAIN_PAIRS} train pairs** (${f.count})`), f.pair).toBe(f.count < PLANNED_TRAIN_PAIRS);
    }
  });

  it('every line is two clean sentences (test-human: plus two apertium columns)', () => {
    const limits = { minWords: manifest.minWords, maxWords: manifest.maxWords };
    for (const [name, rows] of files) {
      const cols = name.includes('test-human') ? 4 : 2;
      expect(rows.length, name).toBeGreaterThan(0);
      for (const r of rows) {
        expect(r.length, `${name}: ${r.join(' | ')}`).toBe(cols);
        for (const s of r.slice(0, 2)) {
          const ok = s.length > 0 && s === s.normalize('NFC') && s === normalizeSentence(s) && !hasApertiumMarks(s)
            && wordCount(s) >= limits.minWords && wordCount(s) <= limits.maxWords && acceptSentence(s, limits);
          if (!ok) expect.fail(`${name}: bad sentence ${JSON.stringify(s)}`);
        }
        if (sentenceKey(r[0]!) === sentenceKey(r[1]!)) expect.fail(`${name}: identical sides ${JSON.stringify(r[0])}`);
      }
    }
  });

  it('no sentence of any language is in two splits, across all pairs (zero-shot tests included)', () => {
    for (const lang of LANGUAGE_CODES) {
      const splitOf = new Map<string, string>();
      for (const f of manifest.files) {
        if (f.split === 'test-human') continue;
        const col = f.src === lang ? 0 : f.tgt === lang ? 1 : -1;
        if (col < 0) continue;
        for (const r of files.get(f.file)!) {
          const k = sentenceKey(r[col]!);
          const prev = splitOf.get(k);
          if (prev !== undefined && prev !== f.split) expect.fail(`${lang} sentence in ${prev} and ${f.split}: ${r[col]}`);
          splitOf.set(k, f.split);
        }
      }
      expect(splitOf.size).toBeGreaterThan(0);
    }
  });

  it('zero-shot test sentences appear in no training file of any pair', () => {
    const train = new Set<string>();
    for (const f of manifest.files.filter((x) => x.split === 'train')) {
      for (const r of files.get(f.file)!) {
        train.add(`${f.src}\u0000${sentenceKey(r[0]!)}`);
        train.add(`${f.tgt}\u0000${sentenceKey(r[1]!)}`);
      }
    }
    let checked = 0;
    for (const f of manifest.files.filter((x) => x.zeroShot)) {
      for (const r of files.get(f.file)!) {
        expect(train.has(`${f.src}\u0000${sentenceKey(r[0]!)}`), r[0]).toBe(false);
        expect(train.has(`${f.tgt}\u0000${sentenceKey(r[1]!)}`), r[1]).toBe(false);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(100);
  });

  it('the en-es human test set is the Bible part of en-es test, with apertium output beside it', () => {
    const test = new Set(files.get('en-es.test.tsv.gz')!.map((r) => `${r[0]}\t${r[1]}`));
    const human = files.get('en-es.test-human.tsv.gz')!;
    expect(human.length).toBeGreaterThanOrEqual(300);
    for (const r of human) {
      expect(test.has(`${r[0]}\t${r[1]}`)).toBe(true);
      expect(r[2]!.length).toBeGreaterThan(0);
      expect(r[3]!.length).toBeGreaterThan(0);
    }
  });

  it('is large enough to train on and small enough to keep in git', async () => {
    for (const p of manifest.trainedPairs) expect(files.get(`${p}.train.tsv.gz`)!.length, p).toBeGreaterThan(10_000);
    let bytes = 0;
    for (const f of await listParallelFiles(dir)) bytes += (await stat(f.path)).size;
    // Committed because rebuilding it needs some sixty Debian packages; kept under the size of one model.
    expect(bytes).toBeLessThan(12 * 1024 * 1024);
  });
});
