// The Battle for Wesnoth's translated messages as extra train pairs (corpus wesnoth).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTsv, writeTsv } from '../../training/corpus/text/tsv.ts';
import { readWesnothUnits, stripWesnothContext } from '../../training/corpus/text/sources/wesnoth.ts';
import { buildWesnoth, DEFAULT_WESNOTH_OPTIONS, runWesnoth } from '../../training/corpus/text/wesnoth-build.ts';
import { moCatalog } from '../helpers/mo.ts';

const HEADER: [string, string] = ['', 'Content-Type: text/plain; charset=UTF-8\n'];

/** Writes `<root>/<locale>/LC_MESSAGES/<domain>.mo` for each given catalog. */
async function localeTree(root: string, catalogs: Record<string, Record<string, Array<[string, string]>>>): Promise<void> {
  for (const [locale, domains] of Object.entries(catalogs)) {
    await mkdir(join(root, locale, 'LC_MESSAGES'), { recursive: true });
    for (const [domain, entries] of Object.entries(domains)) await writeFile(join(root, locale, 'LC_MESSAGES', `${domain}.mo`), moCatalog([HEADER, ...entries]));
  }
}

describe('Wesnoth messages', () => {
  it("strips the context Wesnoth writes before a caret, and nothing else", () => {
    expect(stripWesnothContext('female^Frontier Baroness')).toBe('Frontier Baroness');
    expect(stripWesnothContext('race^Elves')).toBe('Elves');
    expect(stripWesnothContext('Baronin')).toBe('Baronin');
    expect(stripWesnothContext('race+female^Elvish Lady')).toBe('Elvish Lady');
    expect(stripWesnothContext('Raise it to 2^8 now.')).toBe('Raise it to 2^8 now.');
    expect(stripWesnothContext('2^8 is 256.')).toBe('2^8 is 256.');
  });

  it('makes one unit per English message across languages and domains; variables, markup and copies of the English are left out', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wesnoth-'));
    try {
      await localeTree(root, {
        de: {
          'wesnoth-httt': [
            ['We must cross the river before nightfall!', 'Wir müssen den Fluss vor Einbruch der Nacht überqueren!'],
            ['female^The old witch is coming.', 'Die alte Hexe kommt.'],
            ['$name has fallen in battle.', '$name ist im Kampf gefallen.'],
            ['<b>Victory:</b> defeat the enemy leader', '<b>Sieg:</b> Besiegt den feindlichen Anführer'],
            ['Konrad', 'Konrad'],
            ['waiting for^an opponent to join', 'warte auf einen Gegner'],
          ],
          'wesnoth-units': [['We must cross the river before nightfall!', 'Über den Fluss, schnell!']],
        },
        fr: { 'wesnoth-httt': [['We must cross the river before nightfall!', 'Nous devons traverser la rivière avant la nuit !']] },
      });
      const units = await readWesnothUnits(root, { de: 'de', fr: 'fr', es: 'es' });
      expect(units).toEqual([
        {
          unit: 'wesnoth-httt:We must cross the river before nightfall!',
          texts: { en: 'We must cross the river before nightfall!', de: 'Wir müssen den Fluss vor Einbruch der Nacht überqueren!', fr: 'Nous devons traverser la rivière avant la nuit !' },
        },
        { unit: 'wesnoth-httt:The old witch is coming.', texts: { en: 'The old witch is coming.', de: 'Die alte Hexe kommt.' } },
      ]);
      await expect(readWesnothUnits(join(root, 'nowhere'), { de: 'de' })).rejects.toThrow(/no gettext catalogs/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('builds train files for the corpus trained pairs only, keeping its dev/test sentences out; a missing game says what to install', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wesnoth-build-'));
    try {
      const root = join(dir, 'locale');
      await localeTree(root, {
        de: {
          'wesnoth-l': [
            ['We must cross the river before nightfall!', 'Wir müssen den Fluss vor Einbruch der Nacht überqueren!'],
            ['The bridge is guarded by orcs.', 'Die Brücke wird von Orks bewacht.'],
            ['Thank you for your help, friend.', 'Danke für deine Hilfe, Freund.'],
          ],
        },
        fr: { 'wesnoth-l': [['We must cross the river before nightfall!', 'Nous devons traverser la rivière avant la nuit !']] },
      });
      const text = join(dir, 'text');
      await mkdir(text);
      await writeTsv(join(text, 'en-de.train.tsv.gz'), [['The bridge is guarded by orcs.', 'Die Brücke wird von Orks bewacht.']]);
      await writeTsv(join(text, 'en-de.test.tsv.gz'), [['Thank you for your help, friend.', 'Danke für deine Hilfe, Freund.']]);
      // en-fr has only a test file: a zero-shot pair, which must get no train rows.
      await writeTsv(join(text, 'en-fr.test.tsv.gz'), [['Good morning to you all.', 'Bonjour à tous.']]);
      const out = join(dir, 'out');
      const o = { ...DEFAULT_WESNOTH_OPTIONS, root, textDir: text, out };
      const counts = await buildWesnoth(o);
      expect(counts).toEqual({ 'en-de': { pairs: 1, heldOut: 1, inTrain: 1 } });
      expect(await readTsv(join(out, 'en-de.train.tsv.gz'))).toEqual([['We must cross the river before nightfall!', 'Wir müssen den Fluss vor Einbruch der Nacht überqueren!']]);
      await expect(buildWesnoth({ ...o, root: join(dir, 'nowhere') })).rejects.toThrow(/apt-get install --no-install-recommends wesnoth-1.16-data .*wesnoth-1.16-httt/);

      // The command: its flags reach the build; a bad seed is refused before anything is read.
      const out2 = join(dir, 'out2');
      expect(await runWesnoth(['--root', root, '--text', text, '--out', out2, '--seed', '7'])).toBe(0);
      expect(JSON.parse(await readFile(join(out2, 'manifest.json'), 'utf8'))).toMatchObject({ root, textDir: text, seed: 7, counts: { 'en-de': { pairs: 1 } } });
      await expect(runWesnoth(['--root', root, '--seed', 'soon'])).rejects.toThrow(/--seed must be an integer/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
