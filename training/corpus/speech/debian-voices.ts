/**
 * English voices of other synthesizers than espeak-ng, from Debian's packages: flite (CMU's
 * diphone and cluster-unit voices) and festival (diphone and HTS voices).
 *
 * Why: a recogniser that has heard only espeak-ng's formant synthesis learns espeak, not
 * speech. Measured before this existed: 24% CER on held-out espeak voices but 73% on 60
 * sentences spoken by six of these voices. They exist for English only (Debian has no free es/fr/de voices for them).
 *
 * Voice split: the speaker `slt` (a woman; flite's cluster-unit voice and festival's HTS
 * voice) is only ever test, so the test measures an unheard speaker through synthesizers
 * the model has heard other speakers of. Train voices vary their speaking rate (and pitch,
 * where the voice honours flite's f0 target) per utterance.
 */
import { execFile } from 'node:child_process';
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
  engine: 'flite' | 'festival';
  /** flite's -voice name, or festival's voice function. */
  name: string;
  /** The Debian package that carries it. */
  package: string;
  split: 'train' | 'test';
  /** Whether flite's int_f0_target_mean moves its pitch (the cluster-unit voices ignore it). */
  pitchControl: boolean;
}

export const DEBIAN_VOICES: readonly DebianVoice[] = [
  { id: 'flite-awb', engine: 'flite', name: 'awb', package: 'flite', split: 'train', pitchControl: true },
  { id: 'flite-rms', engine: 'flite', name: 'rms', package: 'flite', split: 'train', pitchControl: false },
  { id: 'flite-kal16', engine: 'flite', name: 'kal16', package: 'flite', split: 'train', pitchControl: true },
  { id: 'festival-kal', engine: 'festival', name: 'voice_kal_diphone', package: 'festvox-kallpc16k', split: 'train', pitchControl: false },
  { id: 'festival-ked', engine: 'festival', name: 'voice_ked_diphone', package: 'festvox-kdlpc16k', split: 'train', pitchControl: false },
  { id: 'flite-slt', engine: 'flite', name: 'slt', package: 'flite', split: 'test', pitchControl: false },
  { id: 'festival-slt-hts', engine: 'festival', name: 'voice_cmu_us_slt_arctic_hts', package: 'festvox-us-slt-hts', split: 'test', pitchControl: false },
];

export interface Delivery {
  /** Duration multiplier (> 1 is slower). */
  stretch: number;
  /** Mean f0 in Hz, for voices with pitch control. */
  f0?: number;
}

/**
 * Speaks `text` with `voice`; mono samples at the voice's own rate. The text goes through
 * a file (flite) or stdin (festival), never a shell, so any characters are safe.
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
    throw new BabelfishError(
      missing ? 'FILE_NOT_FOUND' : 'INTERNAL',
      missing ? `${voice.engine} is not installed (apt-get install ${voice.package})` : `${voice.id} failed on ${JSON.stringify(text.slice(0, 60))}: ${(e as Error).message}`,
      { cause: e },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

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
