/**
 * `babelfish corpus speech-import`: any speech dataset a reader in training/readers knows
 * (Asterisk's prompt recordings, Common Voice, LJSpeech) as a manifest of 16 kHz wavs, the
 * shape every training and evaluation script here reads. So recorded speech can be scored
 * (`eval speech-encoder --manifest <out>/manifest.test.jsonl`) or trained on
 * (`train speech-encoder --train-manifest ...,<out>/manifest.train.jsonl`).
 *
 * With `--format asterisk` and no `--sounds`, every Asterisk language Debian has installed
 * (en, es, fr: `asterisk-core-sounds-<lang>-g722`) goes into data/corpus/speech/asterisk: real
 * people's voices, which none of the synthesizers of the other corpora are.
 *
 * Resumable: each wav is written atomically and kept on a rerun; the manifest is written last.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BabelfishError } from '../../../src/errors.ts';
import { parseCommandArgs } from '../../../src/cli/args.ts';
import { projectRoot } from '../../../src/paths.ts';
import { writeWav } from '../../../src/audio/wav.ts';
import { writeAtomic } from '../../../src/write-atomic.ts';
import { mapConcurrent } from '../../../src/map-concurrent.ts';
import { collect, loadItemAudio, readAsteriskSounds, readCommonVoice, readLJSpeech, type SpeechDataset, type SpeechItem } from '../../readers/index.ts';
import { finishedWavSeconds } from './build.ts';
import { ProgressBar } from './progress.ts';
import { hashSeed } from './random.ts';
import { buildAccentLexicon, restoreAccents, type AccentLexicon } from './restore-accents.ts';
import { sentencesFor } from '../text/parallel.ts';

export const ASTERISK_CORPUS_OUT = join(projectRoot, 'data/corpus/speech/asterisk');

/** Where Debian's asterisk-core-sounds packages put the recordings and their transcripts. */
const ASTERISK_SOUNDS = '/usr/share/asterisk/sounds';
const ASTERISK_DOCS = '/usr/share/doc';

/** The Asterisk prompt sets Debian has installed: one per language, from the packages' own folders (`en_US_f_Allison`). */
export function installedAsteriskSets(soundsRoot = ASTERISK_SOUNDS, docsRoot = ASTERISK_DOCS): { lang: string; sounds: string; transcripts: string }[] {
  if (!existsSync(soundsRoot)) return [];
  const sets: { lang: string; sounds: string; transcripts: string }[] = [];
  for (const name of readdirSync(soundsRoot).sort()) {
    // Real folders are named <lang>_<REGION>_<sex>_<Speaker>; `en`, `en_US` are symlinks to one of them.
    const m = /^([a-z]{2})_[A-Z]{2}_[fm]_\w+$/.exec(name);
    if (!m) continue;
    const transcripts = join(docsRoot, `asterisk-core-sounds-${m[1]}`, `core-sounds-${m[1]}.txt.gz`);
    if (existsSync(transcripts)) sets.push({ lang: m[1], sounds: join(soundsRoot, name), transcripts });
  }
  return sets;
}

export interface ImportConfig {
  out: string;
  /** The split of every item, unless `trainFraction` sends some to train. */
  split: string;
  sampleRate: number;
  /** At most this many items per dataset (0: all). */
  limit: number;
  /** The fraction of items (of `trainLanguages`) that go to train instead, drawn by a hash of the item's id. */
  trainFraction: number;
  /** Languages that may give items to train (all when empty); the others' items all stay in `split`. */
  trainLanguages: readonly string[];
  /** Per language, a lexicon to put back the accents a transcript was typed without (`--restore-accents`). */
  accentLexicons?: Readonly<Record<string, AccentLexicon>>;
}

/** The split of one item: a pure function of its id, so reruns and added datasets do not move items. */
export function importSplit(item: SpeechItem, config: Pick<ImportConfig, 'split' | 'trainFraction' | 'trainLanguages'>): string {
  if (config.trainFraction <= 0) return config.split;
  if (config.trainLanguages.length && !config.trainLanguages.includes(item.lang)) return config.split;
  return hashSeed('import-split', item.id) / 2 ** 32 < config.trainFraction ? 'train' : config.split;
}

/** Decodes every item of `datasets` into `<out>/wav/<id>.wav` and writes `<out>/manifest.<split>.jsonl` (and manifest.train.jsonl with `trainFraction`). */
export async function importSpeech(datasets: readonly SpeechDataset[], config: ImportConfig, log: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<{ rows: number; failed: string[] }> {
  const items: SpeechItem[] = [];
  for (const ds of datasets) {
    const all = await collect(ds.items());
    items.push(...(config.limit > 0 ? all.slice(0, config.limit) : all));
    const note = ds.skipped ? `; skipped ${Object.entries(ds.skipped).map(([k, v]) => `${v} ${k}`).join(', ')}` : '';
    log(`[import] ${ds.name}: ${all.length} items${note}`);
  }
  const ids = new Set<string>();
  for (const it of items) {
    if (ids.has(it.id)) throw new BabelfishError('BAD_ARGUMENT', `two items are called ${it.id}: import those datasets into different folders`);
    ids.add(it.id);
  }
  await mkdir(join(config.out, 'wav'), { recursive: true });
  const bar = new ProgressBar('[import]', items.length);
  const failed: string[] = [];
  const rows = await mapConcurrent(items, 2, async (item) => {
    const wav = `wav/${item.id.replace(/[^\w.-]+/g, '_')}.wav`;
    const path = join(config.out, wav);
    try {
      let duration = await finishedWavSeconds(path, config.sampleRate);
      if (duration === null) {
        const audio = await loadItemAudio(item, config.sampleRate);
        if (audio.samples.length === 0) throw new BabelfishError('EMPTY_AUDIO', 'no samples');
        await writeWav(path, audio.samples, config.sampleRate); // atomic
        duration = audio.samples.length / config.sampleRate;
      }
      const lexicon = config.accentLexicons?.[item.lang];
      const text = lexicon ? restoreAccents(item.text, lexicon) : item.text;
      return { id: item.id, audio: wav, lang: item.lang, text, speaker: item.speaker ?? '', split: importSplit(item, config), duration: Math.round(duration * 1000) / 1000, sampleRate: config.sampleRate, augment: null };
    } catch (e) {
      // One unreadable file should not cost the rest of the import.
      failed.push(`${item.id}: ${(e as Error).message}`);
      return null;
    } finally {
      bar.tick();
    }
  });
  const kept = rows.filter((r) => r !== null);
  const splits = [...new Set([config.split, ...(config.trainFraction > 0 ? ['train'] : [])])];
  for (const split of splits) {
    const mine = kept.filter((r) => r.split === split);
    await writeAtomic(join(config.out, `manifest.${split}.jsonl`), mine.map((r) => JSON.stringify(r)).join('\n') + '\n');
    log(`[import] ${mine.length} utterances in ${join(config.out, `manifest.${split}.jsonl`)}`);
  }
  if (failed.length) log(`[import] ${failed.length} items could not be decoded, left out:\n  ${failed.slice(0, 10).join('\n  ')}`);
  return { rows: kept.length, failed };
}

export const IMPORT_USAGE = `babelfish corpus speech-import --format FORMAT [flags]

A speech dataset as a manifest of 16 kHz wavs (<out>/manifest.<split>.jsonl, wav/), the
shape eval speech-encoder --manifest and train speech-encoder --train-manifest read.

  --format asterisk     Asterisk's prompt recordings (real voices). Without --sounds: every
                        language installed from Debian (apt-get install asterisk-core-sounds-en-g722
                        asterisk-core-sounds-es-g722 asterisk-core-sounds-fr-g722), into
                        ${ASTERISK_CORPUS_OUT}. Prompts with tones only, digits or
                        symbols (press 1, press *) are skipped: their line does not say the words.
           --sounds DIR --transcripts FILE --lang xx   one prompt set by hand
  --format common-voice --input clips.tsv [--lang xx]
  --format ljspeech     --input DIR [--lang xx]
  --out DIR             (required except for the Debian asterisk sets)
  --split NAME          the manifest's split (test)
  --train-fraction F    send this fraction of the items to manifest.train.jsonl instead (0), by a
                        hash of each item's id
  --train-languages L   only these languages' items may go to train (comma-separated; all)
  --languages L         asterisk without --sounds: only these installed languages (all)
  --restore-accents     put back accents a transcript was typed without (numero -> número), from
                        the words of the parallel text's train split (training/data/text); only
                        words that text does not know change
  --limit N             at most N items per dataset (all)

Real voices as a test, and a few of them to train on (the speech encoder card's recipe; the
Spanish prompt list is typed without accents):
  babelfish corpus speech-import --format asterisk --train-fraction 0.8 --train-languages en,es --restore-accents`;

export async function runCorpusImport(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    format: { type: 'string' },
    input: { type: 'string' },
    sounds: { type: 'string' },
    transcripts: { type: 'string' },
    lang: { type: 'string' },
    out: { type: 'string' },
    split: { type: 'string' },
    limit: { type: 'string' },
    'train-fraction': { type: 'string' },
    'train-languages': { type: 'string' },
    languages: { type: 'string' },
    'restore-accents': { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(IMPORT_USAGE + '\n');
    return 0;
  }
  const limit = Number(values.limit ?? 0);
  if (!Number.isInteger(limit) || limit < 0) throw new BabelfishError('BAD_ARGUMENT', `--limit needs a non-negative integer, got '${values.limit}'`);
  const trainFraction = Number(values['train-fraction'] ?? 0);
  if (!(trainFraction >= 0 && trainFraction <= 1)) throw new BabelfishError('BAD_ARGUMENT', `--train-fraction needs a number in 0-1, got '${values['train-fraction']}'`);
  const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);
  const split = values.split ?? 'test';
  if (!/^[\w-]+$/.test(split)) throw new BabelfishError('BAD_ARGUMENT', `--split must be a plain name (test, train, ...), got '${split}'`);
  const need = (name: 'input' | 'lang' | 'out' | 'sounds' | 'transcripts') => {
    const v = values[name];
    if (!v) throw new BabelfishError('BAD_ARGUMENT', `--format ${values.format} needs --${name}`);
    return v;
  };
  let datasets: SpeechDataset[];
  let out = values.out;
  switch (values.format) {
    case 'asterisk':
      if (values.sounds) {
        datasets = [readAsteriskSounds(values.sounds, need('transcripts'), { lang: need('lang') })];
      } else {
        const languages = list(values.languages);
        const sets = installedAsteriskSets().filter((s) => !languages.length || languages.includes(s.lang));
        if (!sets.length) throw new BabelfishError('FILE_NOT_FOUND', `no Asterisk prompt recordings in ${ASTERISK_SOUNDS} (apt-get install asterisk-core-sounds-en-g722 asterisk-core-sounds-es-g722 asterisk-core-sounds-fr-g722), or give --sounds and --transcripts`);
        datasets = sets.map((s) => readAsteriskSounds(s.sounds, s.transcripts, { lang: s.lang }));
        out ??= ASTERISK_CORPUS_OUT;
      }
      break;
    case 'common-voice':
      datasets = [readCommonVoice(need('input'), values.lang ? { lang: values.lang } : {})];
      break;
    case 'ljspeech':
      datasets = [readLJSpeech(need('input'), values.lang ? { lang: values.lang } : {})];
      break;
    default:
      throw new BabelfishError('BAD_ARGUMENT', `--format must be asterisk, common-voice or ljspeech, got '${values.format ?? ''}'`);
  }
  if (!out) throw new BabelfishError('BAD_ARGUMENT', `--format ${values.format} needs --out`);
  let accentLexicons: Record<string, AccentLexicon> | undefined;
  if (values['restore-accents']) {
    accentLexicons = {};
    for (const lang of ['en', 'es', 'fr', 'de']) accentLexicons[lang] = buildAccentLexicon(await sentencesFor(lang, 'train'));
  }
  await importSpeech(datasets, { out, split, sampleRate: 16000, limit, trainFraction, trainLanguages: list(values['train-languages']), ...(accentLexicons ? { accentLexicons } : {}) });
  return 0;
}
