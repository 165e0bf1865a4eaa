/**
 * The demo page: microphone -> 16 kHz PCM16 frames over the WebSocket; partial and final
 * transcripts, translations and gapless playback of the translated speech coming back.
 */
import { encodeWav, floatToPcm16, pcm16ToFloat } from './dsp.ts';
import { PlaybackQueue } from './playback-queue.ts';
import { concatFloat32 as concat } from '../../src/audio/concat.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  connection: $('connection'),
  from: $<HTMLSelectElement>('from'),
  to: $<HTMLSelectElement>('to'),
  swap: $<HTMLButtonElement>('swap'),
  talk: $<HTMLButtonElement>('talk'),
  hold: $<HTMLInputElement>('hold'),
  level: $<HTMLMeterElement>('level'),
  message: $('message'),
  partial: $('partial'),
  utterances: $<HTMLOListElement>('utterances'),
  textForm: $<HTMLFormElement>('text-form'),
  text: $<HTMLInputElement>('text'),
  file: $<HTMLInputElement>('file'),
  latency: $('latency'),
};

/** Figures the end-to-end browser test reads; also handy in the console. */
const stats = { framesSent: 0, audioChunks: 0, samplesPlayed: 0, peak: 0, events: [] as string[], errors: [] as string[] };
(window as unknown as { babelfishStats: typeof stats }).babelfishStats = stats;

function say(text: string | null): void {
  ui.message.hidden = !text;
  ui.message.textContent = text ?? '';
}

function setConnection(text: string, ok: boolean): void {
  ui.connection.textContent = text;
  ui.connection.className = `status ${ok ? 'ok' : 'bad'}`;
}

// ---- connection with reconnect and resume ----------------------------------------

let ws: WebSocket | null = null;
let retry = 0;
let sessionId: string | null = null;
let received = 0; // messages received on the current session, for resume
let streaming = false;
let pendingStop = false;

function connect(): void {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  ws = socket;
  socket.onopen = () => {
    retry = 0;
    setConnection('Connected', true);
    if (sessionId && (streaming || pendingStop)) socket.send(JSON.stringify({ type: 'resume', session: sessionId, lastSeq: received }));
  };
  socket.onmessage = (m) => {
    received++;
    if (typeof m.data === 'string') onEvent(JSON.parse(m.data));
    else onAudio(m.data as ArrayBuffer);
  };
  socket.onclose = () => {
    if (ws !== socket) return;
    const delay = Math.min(10_000, 500 * 2 ** retry++);
    setConnection(`Disconnected; reconnecting in ${(delay / 1000).toFixed(1)} s…`, false);
    setTimeout(connect, delay);
  };
}

function send(msg: object | ArrayBuffer): boolean {
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(msg instanceof ArrayBuffer ? msg : JSON.stringify(msg));
  return true;
}

// ---- utterances -----------------------------------------------------------------

interface UtteranceView {
  li: HTMLLIElement;
  said: HTMLElement;
  translated: HTMLElement;
  audio: Float32Array[];
  sampleRate: number;
}
const views = new Map<number, UtteranceView>();

function view(utterance: number): UtteranceView {
  let v = views.get(utterance);
  if (v) return v;
  const li = document.createElement('li');
  li.className = 'utterance';
  const said = document.createElement('p');
  said.className = 'said';
  const translated = document.createElement('p');
  translated.className = 'translated';
  li.append(said, translated);
  ui.utterances.prepend(li);
  v = { li, said, translated, audio: [], sampleRate: 16000 };
  views.set(utterance, v);
  return v;
}

function addActions(v: UtteranceView): void {
  const all = concat(v.audio);
  const actions = document.createElement('div');
  actions.className = 'actions';
  const replay = document.createElement('button');
  replay.type = 'button';
  replay.textContent = 'Replay';
  replay.onclick = () => play(all, v.sampleRate);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([encodeWav(all, v.sampleRate)], { type: 'audio/wav' }));
  link.download = 'babelfish-translation.wav';
  link.textContent = 'Download WAV';
  actions.append(replay, link);
  v.li.append(actions);
}

let currentUtterance = -1;
let outputRate = 16000;
const timingsSeen: number[] = [];

const ERROR_TEXT: Record<string, string> = {
  BUSY: 'The server is busy right now. Please try again in a minute.',
  UNSUPPORTED_LANGUAGE: 'That language is not available on this server.',
  UNSUPPORTED_PAIR: 'Pick two different languages.',
  DECODE_FAILED: 'That audio could not be decoded.',
  SESSION_TOO_LONG: 'The session reached its length limit; press Start to go on.',
  IDLE_TIMEOUT: 'The session was idle for too long.',
};

function onEvent(e: Record<string, any>): void {
  stats.events.push(e.type);
  switch (e.type) {
    case 'ready':
      sessionId = e.session;
      outputRate = e.outputSampleRate;
      break;
    case 'partial':
      ui.partial.textContent = e.text;
      break;
    case 'transcript':
      ui.partial.textContent = '';
      if (e.text) view(e.utterance).said.textContent = e.text;
      break;
    case 'translation':
      view(e.utterance).translated.textContent = e.text;
      break;
    case 'audio-start':
      currentUtterance = e.utterance;
      view(e.utterance).sampleRate = e.sampleRate;
      break;
    case 'audio-end': {
      const v = view(e.utterance);
      addActions(v);
      if (e.timings?.firstAudio !== undefined) {
        timingsSeen.push(e.timings.firstAudio);
        const t = e.timings;
        ui.latency.textContent = `Last utterance: recognition ${t.asr.toFixed(0)} ms, translation ${t.mt.toFixed(0)} ms, synthesis ${t.tts.toFixed(0)} ms, first audio ${t.firstAudio.toFixed(0)} ms after you stopped speaking.`;
      }
      break;
    }
    case 'done':
      pendingStop = false;
      sessionId = null;
      received = 0;
      break;
    case 'error':
      stats.errors.push(`${e.code}: ${e.message}`);
      say(ERROR_TEXT[e.code] ?? `Server: ${e.message}`);
      if (e.fatal) stopTalking(false);
      break;
  }
}

// ---- playback --------------------------------------------------------------------

let audioCtx: AudioContext | null = null;
const queue = new PlaybackQueue(0.05);

function context(): AudioContext {
  audioCtx ??= new AudioContext();
  return audioCtx;
}

function play(samples: Float32Array, rate: number): void {
  const ctx = context();
  const buffer = ctx.createBuffer(1, samples.length, rate);
  buffer.copyToChannel(samples as Float32Array<ArrayBuffer>, 0);
  const src = ctx.createBufferSource();
  src.buffer = buffer;
  src.connect(ctx.destination);
  src.start(queue.schedule(samples.length, rate, ctx.currentTime).start);
}

function onAudio(bytes: ArrayBuffer): void {
  const samples = pcm16ToFloat(bytes);
  stats.audioChunks++;
  stats.samplesPlayed += samples.length;
  for (const v of samples) stats.peak = Math.max(stats.peak, Math.abs(v));
  view(currentUtterance).audio.push(samples);
  play(samples, outputRate);
}

// ---- microphone ------------------------------------------------------------------

/** The running capture; `stop(done)` ends it and calls `done` once its last audio has been sent. */
let mic: { stop: (done: () => void) => void } | null = null;

async function startTalking(): Promise<void> {
  if (mic) return;
  say(null);
  if (!navigator.mediaDevices?.getUserMedia || typeof AudioContext === 'undefined') {
    say('This browser cannot capture audio here (it needs a secure page and Web Audio). Try a current Chrome, Firefox or Safari.');
    return;
  }
  if (ui.from.value === ui.to.value) {
    say('Pick two different languages.');
    return;
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } });
  } catch (e) {
    const name = (e as DOMException).name;
    say(name === 'NotAllowedError' ? 'Microphone access was denied. Allow it in the address bar to talk.' : `No microphone: ${(e as Error).message}`);
    return;
  }
  const ctx = context();
  await ctx.resume();
  const source = ctx.createMediaStreamSource(stream);
  if (ctx.audioWorklet) {
    await ctx.audioWorklet.addModule('capture-worklet.js');
    const node = new AudioWorkletNode(ctx, 'babelfish-capture');
    // Frames the worklet posted before it was disconnected still arrive afterwards; sent after
    // 'stop' they would reach a server whose session has ended.
    let live = true;
    node.port.onmessage = (m) => {
      if (!live) return;
      const { frame, level } = m.data as { frame: Float32Array; level: number };
      ui.level.value = level;
      const pcm = floatToPcm16(frame);
      if (send(pcm.buffer as ArrayBuffer)) stats.framesSent++;
    };
    source.connect(node);
    mic = {
      stop: (done) => {
        live = false;
        source.disconnect();
        node.disconnect();
        stream.getTracks().forEach((t) => t.stop());
        done();
      },
    };
    send({ type: 'start', from: ui.from.value, to: ui.to.value, sampleRate: 16000, format: 'pcm16' });
  } else {
    // No AudioWorklet: let the browser encode WebM/Opus and the server decode it.
    // The recorder hands over its last chunk after stop(), and reading a chunk is async: chain
    // the sends so the audio goes out in order and 'stop' after all of it.
    const rec = new MediaRecorder(stream, { mimeType: 'audio/webm;codecs=opus' });
    let sent = Promise.resolve();
    rec.ondataavailable = (ev) => {
      sent = sent.then(async () => {
        if (ev.data.size > 0 && send(await ev.data.arrayBuffer())) stats.framesSent++;
      });
    };
    send({ type: 'start', from: ui.from.value, to: ui.to.value, sampleRate: 48000, format: 'webm' });
    rec.start(250);
    mic = {
      stop: (done) => {
        rec.onstop = () => void sent.then(done);
        rec.stop();
        stream.getTracks().forEach((t) => t.stop());
      },
    };
  }
  streaming = true;
  ui.talk.setAttribute('aria-pressed', 'true');
  ui.talk.textContent = ui.hold.checked ? 'Release to finish' : 'Stop';
}

function stopTalking(sendStop = true): void {
  if (!mic) return;
  const capture = mic;
  mic = null;
  streaming = false;
  capture.stop(() => {
    if (sendStop) pendingStop = send({ type: 'stop' });
  });
  ui.level.value = -60;
  ui.talk.setAttribute('aria-pressed', 'false');
  ui.talk.textContent = 'Start talking';
}

// ---- files and typed text ---------------------------------------------------------

const FORMATS: [RegExp, string][] = [[/wav/, 'wav'], [/webm/, 'webm'], [/ogg|opus/, 'ogg'], [/mpeg|mp3/, 'mp3'], [/flac/, 'flac']];

async function translateFile(file: File): Promise<void> {
  say(null);
  const format = FORMATS.find(([re]) => re.test(file.type || file.name))?.[1];
  if (!format) {
    say(`Cannot tell the format of ${file.name}; use WAV, WebM, Ogg, MP3 or FLAC.`);
    return;
  }
  const bytes = await file.arrayBuffer();
  if (!send({ type: 'start', from: ui.from.value, to: ui.to.value, sampleRate: 16000, format })) {
    say('Not connected yet.');
    return;
  }
  for (let i = 0; i < bytes.byteLength; i += 64 * 1024) send(bytes.slice(i, i + 64 * 1024));
  pendingStop = send({ type: 'stop' });
}

ui.textForm.onsubmit = (ev) => {
  ev.preventDefault();
  const text = ui.text.value.trim();
  if (!text) return;
  void context().resume();
  currentUtterance = -1 - views.size; // typed entries get their own rows
  const v = view(currentUtterance);
  v.said.textContent = text;
  if (!send({ type: 'text', text, from: ui.from.value, to: ui.to.value })) say('Not connected yet.');
};

ui.file.onchange = () => {
  const f = ui.file.files?.[0];
  if (f) void translateFile(f);
};
document.addEventListener('dragover', (e) => {
  e.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
document.addEventListener('drop', (e) => {
  e.preventDefault();
  document.body.classList.remove('dragging');
  const f = e.dataTransfer?.files[0];
  if (f) void translateFile(f);
});

// ---- controls ----------------------------------------------------------------------

ui.swap.onclick = () => ([ui.from.value, ui.to.value] = [ui.to.value, ui.from.value]);
ui.talk.onclick = () => {
  if (ui.hold.checked) return;
  if (mic) stopTalking();
  else void startTalking();
};
ui.talk.onpointerdown = () => ui.hold.checked && void startTalking();
ui.talk.onpointerup = () => ui.hold.checked && stopTalking();
document.addEventListener('keydown', (e) => {
  if (e.code === 'Space' && ui.hold.checked && !e.repeat && document.activeElement?.tagName !== 'INPUT') {
    e.preventDefault();
    void startTalking();
  }
});
document.addEventListener('keyup', (e) => {
  if (e.code === 'Space' && ui.hold.checked) stopTalking();
});

connect();
