// The npm build ships JavaScript without types; this declares the part babelfish uses.
declare module '@echogarden/espeak-ng-emscripten' {
  export interface EspeakRawEvent {
    type: string;
    text_position: number;
    word_length: number;
    audio_position: number;
    id: string | number | undefined;
  }
  export interface ESpeakNGWorker {
    set_voice(name: string): number;
    set_rate(wpm: number): void;
    set_pitch(pitch: number): void;
    set_range(range: number): void;
    get_samplerate(): number;
    list_voices(): { name: string; identifier: string; languages: { priority: number; name: string }[] }[];
    synthesize(text: string, callback: (samples: Int16Array, events: EspeakRawEvent[]) => boolean): void;
  }
  export interface EspeakModule {
    eSpeakNGWorker: new () => ESpeakNGWorker;
    HEAPU8: Uint8Array;
    FS: {
      readdir(path: string): string[];
      readFile(path: string, opts: { encoding: 'utf8' }): string;
      writeFile(path: string, data: string): void;
    };
  }
  const factory: (moduleArg?: object) => Promise<EspeakModule>;
  export default factory;
}
