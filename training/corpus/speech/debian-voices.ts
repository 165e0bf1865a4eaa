/**
 * Voices of other synthesizers than espeak-ng's formant synthesis, from Debian's packages:
 *
 * - `DEBIAN_VOICES`, English only: flite (CMU's diphone and cluster-unit voices) and
 *   festival (diphone and HTS voices), all in Debian main.
 * - `PARAMETRIC_VOICES`: statistical parametric (HMM) synthesis, Debian non-free: SVOX Pico
 *   (`pico2wave`; one woman's voice for each of en-US, en-GB, es, fr, de) and RHVoice's
 *   English voices (`RHVoice-test`: alan, bdl, clb, evgeniy-eng and slt). Smooth vocoded
 *   speech with natural prosody, unlike both espeak-ng's formants and MBROLA's diphones.
 * - `MBROLA_VOICES`, all four languages: MBROLA diphone databases (Debian contrib/non-free,
 *   `mbrola-de1` ...), driven by espeak-ng (`-v mb-de1`). espeak-ng still chooses the
 *   phonemes and the prosody, but the waveform is concatenated from a real person's recorded
 *   diphones: 29 speakers' voices (Castilian, Mexican and Venezuelan Spanish; French, Belgian
 *   and Canadian French; German and Bavarian; British and American English, and English with
 *   a German, French or Afrikaans accent), where espeak-ng's own variants are one formant model.
 *
 * Why: a recogniser that has heard only espeak-ng's formant synthesis learns espeak, not
 * speech. Measured before these existed: 24% CER on held-out espeak voices but 73% on 60
 * sentences spoken by six flite/festival voices.
 *
 * Voice split: unheard speakers are only ever test. flite/festival: the speaker `slt` (a
 * woman; flite's cluster-unit voice and festival's HTS voice), an unheard speaker through
 * synthesizers the model has heard other speakers of. MBROLA: one speaker per language
 * (en us2, es es2, fr fr4, de de7; two men, two women), whose databases speak nothing else.
 * Parametric: Pico's en-GB voice, and RHVoice's slt (the same unheard speaker again, through a
 * third synthesizer). Train voices vary their speaking rate (and pitch, where the voice has
 * pitch control) per utterance.
 *
 * The MBROLA voices are free for non-commercial use only: they make training audio here,
 * and neither they nor that audio ship with babelfish.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeWav } from '../../../src/audio/wav.ts';
import { BabelfishError } from '../../../src/errors.ts';

const run = promisify(execFile);

export interface DebianVoice {
  /** The manifest's `speaker`, e.g. `flite-awb`. */
  id: string;
  engine: 'flite' | 'festival' | 'mbrola' | 'pico' | 'rhvoice';
  lang: string;
  /** flite's -voice name, festival's voice function, espeak-ng's mbrola voice, Pico's language or RHVoice's voice. */
  name: string;
  /** The Debian package that carries it. */
  package: string;
  split: 'train' | 'test';
  /** Whether the pitch can be set: flite's int_f0_target_mean (its cluster-unit voices ignore it), espeak-ng's -p, Pico's and RHVoice's pitch percent. */
  pitchControl: boolean;
  /**
   * MBROLA only: phoneme names espeak-ng emits that the voice's database lacks, and what to
   * say instead. mbrola would put silence in their place.
   */
  phonemeFixes?: Record<string, string>;
}

export const DEBIAN_VOICES: readonly DebianVoice[] = [
  { id: 'flite-awb', engine: 'flite', lang: 'en', name: 'awb', package: 'flite', split: 'train', pitchControl: true },
  { id: 'flite-rms', engine: 'flite', lang: 'en', name: 'rms', package: 'flite', split: 'train', pitchControl: false },
  { id: 'flite-kal16', engine: 'flite', lang: 'en', name: 'kal16', package: 'flite', split: 'train', pitchControl: true },
  { id: 'festival-kal', engine: 'festival', lang: 'en', name: 'voice_kal_diphone', package: 'festvox-kallpc16k', split: 'train', pitchControl: false },
  { id: 'festival-ked', engine: 'festival', lang: 'en', name: 'voice_ked_diphone', package: 'festvox-kdlpc16k', split: 'train', pitchControl: false },
  { id: 'flite-slt', engine: 'flite', lang: 'en', name: 'slt', package: 'flite', split: 'test', pitchControl: false },
  { id: 'festival-slt-hts', engine: 'festival', lang: 'en', name: 'voice_cmu_us_slt_arctic_hts', package: 'festvox-us-slt-hts', split: 'test', pitchControl: false },
];

const MBROLA_TEST = new Set(['us2', 'es2', 'fr4', 'de7']);

/**
 * espeak-ng 1.51 names some phonemes differently from what a database has, and mbrola puts
 * silence there. Missing diphones on 60 sentences of the voice's language, before -> after:
 * es1, es2, mx1, mx2, vz1 have no unstressed `e/`, `o/` (about 1,020 -> 0-18 each); es4 has no
 * glide `j` (its `i` serves) and calls the trill `rr` (279 -> 140); es3 gets a tap `h`, a
 * trill `R2`, palatals `L`, `y`, `J^` and glide `j` it knows as `r`, `R`, `Y`, `i` (433 -> 101,
 * the rest mostly doubled consonants; its ch has no name); de8 knows `i` only as `i:` (187 -> 28).
 */
const SPANISH_VOWEL_FIXES = { 'e/': 'e', 'o/': 'o' };
const PHONEME_FIXES: Record<string, Record<string, string>> = {
  es1: SPANISH_VOWEL_FIXES,
  es2: SPANISH_VOWEL_FIXES,
  es3: { h: 'r', R2: 'R', L: 'Y', y: 'Y', 'J^': 'Y', j: 'i' },
  es4: { j: 'i', R2: 'rr' },
  mx1: SPANISH_VOWEL_FIXES,
  mx2: SPANISH_VOWEL_FIXES,
  vz1: SPANISH_VOWEL_FIXES,
  de8: { i: 'i:' },
};

/**
 * One MBROLA voice: database `db` speaking `lang`. espeak-ng's `mb-<db>-en` voices have a
 * German, French or Afrikaans speaker's diphones speak English: accented English.
 */
function mbrola(db: string, lang: string, variant = ''): DebianVoice {
  const name = variant ? `${db}-${variant}` : db;
  const fixes = variant ? undefined : PHONEME_FIXES[db];
  return { id: `mbrola-${name}`, engine: 'mbrola', lang, name: `mb-${name}`, package: `mbrola-${db}`, split: MBROLA_TEST.has(db) ? 'test' : 'train', pitchControl: true, ...(fixes ? { phonemeFixes: fixes } : {}) };
}

/** The MBROLA database an MBROLA voice speaks with (`de1` for both mb-de1 and mb-de1-en): its package's. */
export function mbrolaDatabase(voice: DebianVoice): string {
  return voice.package.replace(/^mbrola-/, '');
}

/** Renames the phonemes (each line's first field) of an MBROLA .pho text. */
export function fixPhonemes(pho: string, fixes: Record<string, string>): string {
  return pho.replace(/^(\S+)/gm, (name) => fixes[name] ?? name);
}

export const MBROLA_VOICES: readonly DebianVoice[] = [
  // New voices go at the end of their language: a voice's sentences follow from its place
  // there, so the wavs of a corpus built before still match on a resumed build.
  ...['en1', 'us1', 'us2', 'us3'].map((n) => mbrola(n, 'en')),
  ...['af1', 'de1', 'de6', 'fr1'].map((n) => mbrola(n, 'en', 'en')),
  ...['es1', 'es2', 'es3', 'es4', 'mx1', 'mx2', 'vz1'].map((n) => mbrola(n, 'es')),
  ...['fr1', 'fr2', 'fr3', 'fr4', 'fr5', 'fr6', 'fr7', 'ca1', 'ca2'].map((n) => mbrola(n, 'fr')),
  ...['de1', 'de2', 'de3', 'de4', 'de5', 'de6', 'de7', 'de8'].map((n) => mbrola(n, 'de')),
];

const pico = (lang: string, name: string, split: 'train' | 'test'): DebianVoice => ({ id: `pico-${name}`, engine: 'pico', lang, name, package: 'libttspico-utils', split, pitchControl: true });
const rhvoice = (name: string, split: 'train' | 'test'): DebianVoice => ({ id: `rhvoice-${name}`, engine: 'rhvoice', lang: 'en', name, package: 'rhvoice-english', split, pitchControl: true });

export const PARAMETRIC_VOICES: readonly DebianVoice[] = [
  pico('en', 'en-US', 'train'),
  pico('en', 'en-GB', 'test'),
  pico('es', 'es-ES', 'train'),
  pico('fr', 'fr-FR', 'train'),
  pico('de', 'de-DE', 'train'),
  rhvoice('alan', 'train'),
  rhvoice('bdl', 'train'),
  rhvoice('clb', 'train'),
  rhvoice('evgeniy-eng', 'train'),
  rhvoice('slt', 'test'),
];

/** The voice sets `babelfish corpus speech-debian --voices` names. */
export const VOICE_SETS: Record<string, readonly DebianVoice[]> = { debian: DEBIAN_VOICES, mbrola: MBROLA_VOICES, parametric: PARAMETRIC_VOICES };

export interface Delivery {
  /** Duration multiplier (> 1 is slower). */
  stretch: number;
  /** Mean f0 in Hz, for flite voices with pitch control. */
  f0?: number;
  /** espeak-ng's pitch (0-99, its default 50), for MBROLA voices. */
  pitch?: number;
  /** Pitch in percent of the voice's own (100), for Pico and RHVoice. */
  pitchPercent?: number;
}

/** espeak-ng's speaking rate in words per minute at stretch 1 (its default). */
const ESPEAK_WPM = 175;

/**
 * Speaks `text` with `voice`; mono samples at the voice's own rate. The text goes through
 * a file (flite, espeak-ng) or stdin (festival), never a shell, so any characters are safe.
 */
export async function debianSynthesize(voice: DebianVoice, text: string, delivery: Delivery): Promise<{ samples: Float32Array; sampleRate: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'bf-voice-'));
  const wav = join(dir, 'out.wav');
  try {
    if (voice.engine === 'flite') {
      // flite falls back to its default voice, silently, when asked for one it lacks.
      if (!(await fliteVoices()).includes(voice.name)) throw new BabelfishError('FILE_NOT_FOUND', `flite has no voice ${voice.name} (apt-get install ${voice.package})`);
      const txt = join(dir, 'in.txt');
      await writeFile(txt, text);
      const args = ['-voice', voice.name, '--setf', `duration_stretch=${delivery.stretch}`];
      if (voice.pitchControl && delivery.f0) args.push('--setf', `int_f0_target_mean=${delivery.f0}`);
      await run('flite', [...args, '-f', txt, '-o', wav], { timeout: 60_000 });
    } else if (voice.engine === 'mbrola') {
      const txt = join(dir, 'in.txt');
      await writeFile(txt, text);
      const args = ['-v', voice.name, '-s', String(Math.round(ESPEAK_WPM / delivery.stretch))];
      if (voice.pitchControl && delivery.pitch !== undefined) args.push('-p', String(delivery.pitch));
      const missingVoice = (e: { stderr?: string }) => {
        // espeak-ng exits 1 with "Could not load the specified mbrola voice" when the database is missing.
        if (/mbrola voice|voice does not exist/i.test(e.stderr ?? '')) throw new BabelfishError('FILE_NOT_FOUND', `espeak-ng has no voice ${voice.name} (apt-get install mbrola ${voice.package})`);
        throw e;
      };
      if (!voice.phonemeFixes) {
        await run('espeak-ng', [...args, '-f', txt, '-w', wav], { timeout: 60_000 }).catch(missingVoice);
      } else {
        // espeak-ng writes the phonemes, durations and pitch; mbrola speaks them once renamed.
        const { stdout } = await run('espeak-ng', [...args, '-q', '--pho', '-f', txt], { timeout: 60_000, maxBuffer: 64 << 20 }).catch(missingVoice);
        const pho = join(dir, 'in.pho');
        await writeFile(pho, fixPhonemes(stdout, voice.phonemeFixes));
        const db = mbrolaDatabase(voice);
        await run('mbrola', ['-e', `/usr/share/mbrola/${db}/${db}`, pho, wav], { timeout: 60_000 });
      }
    } else if (voice.engine === 'pico') {
      // Pico reads its speed and pitch from markup in the text; a stray '<' would start a tag.
      const speed = Math.round(100 / delivery.stretch);
      const pitch = voice.pitchControl && delivery.pitchPercent ? delivery.pitchPercent : 100;
      const markup = `<speed level='${speed}'><pitch level='${pitch}'>${text.replace(/[<>]/g, ' ')}</pitch></speed>`;
      await run('pico2wave', ['-l', voice.name, '-w', wav, '--', markup], { timeout: 60_000 }).catch((e: { stderr?: string; stdout?: string }) => {
        if (/Unknown language/.test(`${e.stdout}${e.stderr}`)) throw new BabelfishError('FILE_NOT_FOUND', `pico2wave has no language ${voice.name} (apt-get install ${voice.package})`);
        throw e;
      });
    } else if (voice.engine === 'rhvoice') {
      // RHVoice falls back to a default voice, silently, when asked for one it lacks.
      if (!existsSync(join(RHVOICE_VOICES, voice.name))) throw new BabelfishError('FILE_NOT_FOUND', `RHVoice has no voice ${voice.name} (apt-get install rhvoice ${voice.package})`);
      const args = ['-p', voice.name, '-r', String(Math.round(100 / delivery.stretch)), '-o', wav];
      if (voice.pitchControl && delivery.pitchPercent) args.push('-t', String(delivery.pitchPercent));
      const child = run('RHVoice-test', args, { timeout: 60_000 });
      child.child.stdin!.end(text);
      await child;
    } else {
      const child = run('text2wave', ['-eval', `(${voice.name})`, '-eval', `(Parameter.set 'Duration_Stretch ${delivery.stretch})`, '-o', wav], { timeout: 120_000 });
      child.child.stdin!.end(text);
      // So does festival, reporting the unknown voice function only on stderr.
      const { stderr } = await child;
      if (/SIOD ERROR|unbound variable/.test(stderr)) throw new BabelfishError('FILE_NOT_FOUND', `festival has no ${voice.name} (apt-get install ${voice.package}): ${stderr.trim().split('\n')[0]}`);
    }
    const { sampleRate, channels } = decodeWav(new Uint8Array(await readFile(wav)));
    return { samples: channels[0], sampleRate };
  } catch (e) {
    if (e instanceof BabelfishError) throw e;
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    const install =
      voice.engine === 'mbrola'
        ? `espeak-ng or mbrola is not installed (apt-get install espeak-ng mbrola ${voice.package})`
        : voice.engine === 'rhvoice'
          ? `RHVoice is not installed (apt-get install rhvoice ${voice.package})`
          : `${voice.engine} is not installed (apt-get install ${voice.package})`;
    throw new BabelfishError(
      missing ? 'FILE_NOT_FOUND' : 'INTERNAL',
      missing ? install : `${voice.id} failed on ${JSON.stringify(text.slice(0, 60))}: ${(e as Error).message}`,
      { cause: e },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Where Debian's rhvoice-* packages put their voices. */
const RHVOICE_VOICES = '/usr/share/RHVoice/voices';

let fliteVoiceList: Promise<string[]> | null = null;

/** The voices `flite -lv` lists (none when flite is missing). */
function fliteVoices(): Promise<string[]> {
  fliteVoiceList ??= run('flite', ['-lv']).then(
    ({ stdout }) => stdout.replace(/^.*?:/, '').trim().split(/\s+/),
    () => [],
  );
  return fliteVoiceList;
}

/** The voices whose engine and voice data are installed (one short test sentence each). */
export async function installedDebianVoices(voices: readonly DebianVoice[] = DEBIAN_VOICES): Promise<{ ok: DebianVoice[]; missing: string[] }> {
  const ok: DebianVoice[] = [];
  const missing: string[] = [];
  for (const v of voices) {
    try {
      const { samples } = await debianSynthesize(v, 'test', { stretch: 1 });
      if (samples.length > 0) ok.push(v);
      else missing.push(`${v.id} (${v.package}: no audio)`);
    } catch {
      missing.push(`${v.id} (apt-get install ${v.package})`);
    }
  }
  return { ok, missing };
}
