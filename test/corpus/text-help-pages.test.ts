// LibreOffice's help pages as extra train pairs, and the translator trainer's --extra-train.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildHelpPages, DEFAULT_HELP_PAGES_OPTIONS } from '../../training/corpus/text/help-pages-build.ts';
import { unitPairs } from '../../training/corpus/text/extra-pairs.ts';
import { sentenceKey } from '../../training/corpus/text/clean.ts';
import { helpPageParagraphs, readHelpPages } from '../../training/corpus/text/sources/help-pages.ts';
import { readTsv, writeTsv } from '../../training/corpus/text/tsv.ts';
import { loadCorpus, savedRunOptions } from '../../training/translator/train.ts';

const limits = { minWords: 3, maxWords: 30 };

/** A help page in the shape LibreOffice ships: ids on paragraphs, platform switches, entities, nesting. */
const page = (lang: 'en' | 'de', extra = ''): string => {
  const t = {
    en: ['Copying Text', 'Hold down', 'and click the picture.', 'Choose Format - Cells.', 'Click OK. The dialog closes.', 'The caf&#233; is <em>not</em> open &amp; warm today.'],
    de: ['Text kopieren', 'Halten Sie', 'gedrückt und klicken Sie auf das Bild.', 'Wählen Sie Format ▸ Zellen.', 'Klicken Sie auf OK. Der Dialog wird geschlossen.', 'Das Caf&#xE9; ist heute <em>nicht</em> offen &amp; warm.'],
  }[lang];
  return `<!DOCTYPE html><html><head><title>x</title><script>var a = "<p id='fake'>no</p>";</script></head><body>
<h1 id="hd_1">${t[0]}</h1>
<p id="par_1" class="paragraph">${t[1]} <span class="switchinline"><span hidden="true" id="MAC_1" class="MAC"><span class="keycode">Command</span></span><span hidden="true" id="default_1"><span class="keycode">Ctrl</span></span></span> ${t[2]}</p>
<p id="par_2">${t[3]}</p>
<div><p id="par_3">${t[4]}<br/></p></div>
<p id="par_4">${t[5]}</p>
<p class="no-id">Paragraphs without an id cannot be paired.</p>
${extra}
</body></html>`;
};

describe('help page paragraphs', () => {
  it('keeps the default case of a platform switch, drops tags and scripts, decodes entities, and turns the menu arrow into " - "', () => {
    const en = helpPageParagraphs(page('en'));
    expect(Object.fromEntries(en)).toEqual({
      hd_1: 'Copying Text',
      par_1: 'Hold down Ctrl and click the picture.',
      par_2: 'Choose Format - Cells.',
      par_3: 'Click OK. The dialog closes.',
      par_4: 'The café is not open & warm today.',
    });
    expect(helpPageParagraphs(page('de')).get('par_2')).toBe('Wählen Sie Format - Zellen.');
  });

  it('a paragraph inside a hidden module-specific case is not read', () => {
    const html = '<p id="a">Visible text here.</p><span hidden="true" class="CALC"><p id="b">Only in Calc.</p></span>';
    expect([...helpPageParagraphs(html).keys()]).toEqual(['a']);
  });
});

async function helpTree(root: string, pages: Record<string, Record<string, string>>): Promise<void> {
  for (const [locale, files] of Object.entries(pages)) {
    for (const [rel, html] of Object.entries(files)) {
      const file = join(root, locale, 'text', rel);
      await mkdir(join(file, '..'), { recursive: true });
      await writeFile(file, html);
    }
  }
}

describe('reading the help and pairing it', () => {
  it('pairs paragraphs by page and element id; untranslated paragraphs and pages missing in a language are left out', async () => {
    const root = await mkdtemp(join(tmpdir(), 'help-pages-'));
    try {
      await helpTree(root, {
        'en-US': { 'shared/a.html': page('en', '<p id="par_5">LibreOffice Writer</p>'), 'swriter/only-en.html': '<p id="x">Only in English here.</p>' },
        de: { 'shared/a.html': page('de', '<p id="par_5">LibreOffice Writer</p>') },
      });
      const units = await readHelpPages(root, { en: 'en-US', de: 'de' });
      const byUnit = Object.fromEntries(units.map((u) => [u.unit, u.texts]));
      expect(Object.keys(byUnit).sort()).toEqual(['shared/a.html#hd_1', 'shared/a.html#par_1', 'shared/a.html#par_2', 'shared/a.html#par_3', 'shared/a.html#par_4']);
      expect(byUnit['shared/a.html#par_1']).toEqual({ en: 'Hold down Ctrl and click the picture.', de: 'Halten Sie Ctrl gedrückt und klicken Sie auf das Bild.' });

      // A paragraph within the length limits is one pair; the title (2 words) is too short;
      // a pair with a held-out sentence, and one already in the corpus, are dropped.
      const heldOut = new Set([sentenceKey('Klicken Sie auf OK. Der Dialog wird geschlossen.')]);
      const existing = new Set([`${sentenceKey('Choose Format - Cells.')}\t${sentenceKey('Wählen Sie Format - Zellen.')}`]);
      const { rows, counts } = unitPairs(units, 'en', 'de', limits, heldOut, existing, 1);
      // ("&" is one of the marks the corpus's cleaning takes for markup, so par_4 goes too.)
      expect(rows).toEqual([['Hold down Ctrl and click the picture.', 'Halten Sie Ctrl gedrückt und klicken Sie auf das Bild.']]);
      expect(counts).toEqual({ pairs: 1, heldOut: 1, inTrain: 1 });
      // The order is a seeded shuffle: the same seed gives the same file.
      expect(unitPairs(units, 'en', 'de', limits, heldOut, existing, 1).rows).toEqual(rows);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('builds train files for the corpus trained pairs only, keeping its dev/test sentences out; a missing help folder says what to install', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'help-build-'));
    try {
      const root = join(dir, 'help');
      await helpTree(root, { 'en-US': { 'a.html': page('en') }, de: { 'a.html': page('de') } });
      const text = join(dir, 'text');
      await mkdir(text);
      await writeTsv(join(text, 'en-de.train.tsv.gz'), [['Good morning to you.', 'Guten Morgen dir.']]);
      await writeTsv(join(text, 'en-de.test.tsv.gz'), [['Click OK. The dialog closes.', 'Klicken Sie auf OK. Der Dialog wird geschlossen.']]);
      await writeTsv(join(text, 'fr-de.test.tsv.gz'), [['Bonjour à tous.', 'Hallo zusammen.']]);
      const out = join(dir, 'out');
      const o = { ...DEFAULT_HELP_PAGES_OPTIONS, root, locales: { en: 'en-US', de: 'de' }, textDir: text, out };
      const counts = await buildHelpPages(o);
      expect(Object.keys(counts)).toEqual(['en-de']);
      const rows = await readTsv(join(out, 'en-de.train.tsv.gz'));
      expect(rows.map((r) => r[0]).sort()).toEqual(['Choose Format - Cells.', 'Hold down Ctrl and click the picture.']);
      await expect(buildHelpPages({ ...o, root: join(dir, 'nowhere') })).rejects.toThrow(/apt-get install libreoffice-help/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('train translator --extra-train', () => {
  it("adds a folder's rows to the trained pair, either column order, and refuses a pair the corpus does not train", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'extra-train-'));
    try {
      const text = join(dir, 'text');
      const extra = join(dir, 'extra');
      const zeroShot = join(dir, 'zs');
      await mkdir(text);
      await mkdir(extra);
      await mkdir(zeroShot);
      await writeTsv(join(text, 'en-de.train.tsv.gz'), [['one two three', 'eins zwei drei']]);
      await writeTsv(join(extra, 'de-en.train.tsv.gz'), [['vier fünf sechs', 'four five six']]);
      await writeTsv(join(zeroShot, 'fr-de.train.tsv.gz'), [['un deux trois', 'eins zwei drei']]);
      const c = await loadCorpus(text, [extra]);
      expect(c.train['en-de']).toEqual([
        ['one two three', 'eins zwei drei'],
        ['four five six', 'vier fünf sechs'],
      ]);
      expect((await loadCorpus(text)).train['en-de']).toHaveLength(1);
      await expect(loadCorpus(text, [zeroShot])).rejects.toThrow(/fr-de is not a trained pair/);
      await mkdir(join(dir, 'empty'));
      await expect(loadCorpus(text, [join(dir, 'empty')])).rejects.toThrow(/--extra-train .*no <a>-<b>.train/);
      await expect(loadCorpus(text, [join(dir, 'missing')])).rejects.toThrow(/not found/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a resumed run finds the text folders it was started with in its checkpoint', async () => {
    const run = await mkdtemp(join(tmpdir(), 'extra-train-run-'));
    try {
      expect(await savedRunOptions(run)).toBeNull();
      await mkdir(join(run, 'checkpoint'));
      await writeFile(join(run, 'checkpoint', 'state.json'), JSON.stringify({ step: 300, options: { dataDir: '/d/text', extraTrain: '/d/text-help' } }));
      expect(await savedRunOptions(run)).toMatchObject({ dataDir: '/d/text', extraTrain: '/d/text-help' });
    } finally {
      await rm(run, { recursive: true, force: true });
    }
  });
});
