/**
 * Loads the four trained models and adapts them to the pipeline's stage interfaces.
 * Models load once per process and are shared by every session.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { modelsDir } from '../paths.ts';
import { BabelfishError } from '../errors.ts';
import { initBackend } from '../backend.ts';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import { Translator } from '../../models/translator/model.ts';
import { Synthesizer } from '../../models/synthesizer/model.ts';
import { Vocoder } from '../../models/vocoder/model.ts';
import { synthesizerFeatureConfig } from '../../models/synthesizer/config.ts';
import { GriffinLimThread } from './griffin-lim-thread.ts';
import type { PipelineStages, VocoderStage } from './stages.ts';

export interface ModelDirs {
  speechEncoder: string;
  translator: string;
  synthesizer: string;
  vocoder: string;
}

/**
 * Each model's code lives in `models/<name>/`, its trained default in
 * `models/<name>/default/`. A `root` given on the command line may hold either layout
 * (`<root>/<name>/default/` as here, or `<root>/<name>/` as `babelfish train all` writes).
 */
export function defaultModelDirs(root = modelsDir): ModelDirs {
  const dir = (name: string) => {
    const nested = path.join(root, name, 'default');
    return existsSync(path.join(nested, 'model.json')) || root === modelsDir ? nested : path.join(root, name);
  };
  return { speechEncoder: dir('speech-encoder'), translator: dir('translator'), synthesizer: dir('synthesizer'), vocoder: dir('vocoder') };
}

export interface StageOptions {
  /** Translator beam width (1 = greedy, fastest). */
  beam: number;
  /**
   * CTC prefix beam width for the final transcript (partials are always greedy); undefined:
   * the speech encoder's own default (its LM beam when it ships character LMs, else greedy).
   */
  asrBeam?: number;
  /**
   * What turns the synthesizer's mel into audio: the WaveNet, or Griffin-Lim phase
   * reconstruction (no model; robotic but intelligible, for when the WaveNet is
   * under-trained or too slow for the load).
   */
  vocoder: VocoderKind;
}

export type VocoderKind = 'wavenet' | 'griffin-lim';
export const VOCODER_KINDS: readonly VocoderKind[] = ['wavenet', 'griffin-lim'];

/** A `--vocoder` flag's value, checked; undefined keeps the default. */
export function vocoderKind(value: string | undefined): VocoderKind | undefined {
  if (value === undefined) return undefined;
  if (!(VOCODER_KINDS as readonly string[]).includes(value)) throw new BabelfishError('BAD_ARGUMENT', `--vocoder is one of ${VOCODER_KINDS.join(', ')}, got '${value}'`);
  return value as VocoderKind;
}

/**
 * Griffin-Lim by default while the shipped WaveNet is under-trained: after 1000 steps its
 * speech is noise-like and the speech encoder cannot read it back, while Griffin-Lim on
 * the same mel is robotic but intelligible (round-trip CER in models/vocoder/README.md).
 * Switch back when a WaveNet beats it on round-trip CER.
 */
export const DEFAULT_STAGE_OPTIONS: StageOptions = { beam: 4, asrBeam: undefined, vocoder: 'griffin-lim' };

export interface LoadedModels {
  speechEncoder: SpeechEncoder;
  translator: Translator;
  synthesizer: Synthesizer;
  vocoder: Vocoder;
}

export async function loadModels(dirs: ModelDirs = defaultModelDirs()): Promise<LoadedModels> {
  await initBackend();
  const [speechEncoder, translator, synthesizer, vocoder] = await Promise.all([
    SpeechEncoder.load(dirs.speechEncoder),
    Translator.load(dirs.translator),
    Synthesizer.load(dirs.synthesizer),
    Vocoder.load(dirs.vocoder),
  ]);
  return { speechEncoder, translator, synthesizer, vocoder };
}

export function stagesFromModels(m: LoadedModels, options: Partial<StageOptions> = {}): PipelineStages {
  const o = { ...DEFAULT_STAGE_OPTIONS, ...options };
  return {
    recognizer: {
      // A character model hears every language of its alphabet; the language-id head
      // (present when the config lists languages) is what makes 'auto' possible.
      languages: m.speechEncoder.languages.length ? m.speechEncoder.languages : m.translator.languages,
      detectsLanguage: m.speechEncoder.languages.length > 1,
      open(lang) {
        const stream = m.speechEncoder.stream({ lang: lang === 'auto' ? undefined : lang, beamWidth: o.asrBeam });
        return {
          push: (samples) => stream.push(samples),
          async finish() {
            const r = await stream.finish();
            return { text: r.text, lang: lang === 'auto' ? (r.lang ?? m.speechEncoder.languages[0]!) : lang };
          },
        };
      },
    },
    translator: {
      languages: m.translator.languages,
      async translate(text, from, to) {
        const [t] = await m.translator.translate([text], { from, to, beam: o.beam });
        return t?.text ?? '';
      },
    },
    synthesizer: {
      languages: m.synthesizer.languages,
      voices: m.synthesizer.voices,
      synthesize: (text, lang, voice) => m.synthesizer.synthesize(text, { lang, voice }),
    },
    vocoder: (o.vocoder ?? DEFAULT_STAGE_OPTIONS.vocoder) === 'griffin-lim' ? griffinLimStage(m.synthesizer) : { sampleRate: m.vocoder.config.sampleRate, stream: (mel) => m.vocoder.stream(mel) },
  };
}

/** Chunk size of Griffin-Lim output: it is computed per utterance, sent in pieces like the WaveNet's. */
const GRIFFIN_LIM_CHUNK = 4000;

/** One Griffin-Lim thread per process, shared by every session (requests run in turn). */
let griffinLimThread: GriffinLimThread | null = null;

function griffinLimStage(synthesizer: Synthesizer): VocoderStage {
  const features = synthesizerFeatureConfig(synthesizer.config);
  return {
    sampleRate: features.sampleRate,
    async *stream(mel) {
      // off the event loop: other sessions keep streaming while this utterance is vocoded
      griffinLimThread ??= new GriffinLimThread();
      const audio = await griffinLimThread.melToAudio(mel, features);
      for (let i = 0; i < audio.length; i += GRIFFIN_LIM_CHUNK) yield audio.subarray(i, i + GRIFFIN_LIM_CHUNK);
    },
  };
}

export async function loadStages(dirs?: ModelDirs, options?: Partial<StageOptions>): Promise<PipelineStages> {
  return stagesFromModels(await loadModels(dirs), options);
}
