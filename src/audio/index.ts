/** babelfish audio: pure DSP on Float32Array, plus WAV and ffmpeg I/O at the edges (wav.ts, decode.ts). */
export type { AudioData, MelSpectrogram } from './types.ts';
export { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from './config.ts';
export { pcm16ToFloat32, float32ToPcm16, int16ToBytes, downmix } from './pcm.ts';
export { decodeWav, encodeWav, readWav, writeWav, parseWavHeader, type WavFormat } from './wav.ts';
export { decodeAudio, loadAudio, StreamingDecoder, FFMPEG_PATH, type StreamingDecoderOptions } from './decode.ts';
export { resample, Resampler, checkSampleRate, STOPBAND_DB, PASSBAND_FRACTION } from './resample.ts';
export { mulawEncode, mulawDecode } from './mulaw.ts';
export { frameSignal, frameSignalFlat, frameCount } from './framing.ts';
export { RealFft, realFft, nextPow2 } from './fft.ts';
export { stft, hannWindow, type Spectrogram, type StftConfig } from './stft.ts';
export { melFilterbank, hzToMel, melToHz, melEdges, sparseFilterbank, applyFilterbank, checkFeatureConfig, type SparseFilterbank } from './mel.ts';
export { logMelSpectrogram, LogMelExtractor } from './features.ts';
export { melToAudio, melPseudoInverse } from './griffin-lim.ts';
export { VoiceActivityDetector, detectSpeechSegments, DEFAULT_VAD_CONFIG, type VadConfig, type VadEvent } from './vad.ts';
