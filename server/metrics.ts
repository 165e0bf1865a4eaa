/**
 * Prometheus text exposition (format 0.0.4) for the few figures an operator needs:
 * sessions, audio seconds in and out, per-stage latency histograms, errors by code.
 */
type Labels = Record<string, string>;

const key = (labels: Labels) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

class Counter {
  readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, readonly kind: 'counter' | 'gauge' = 'counter') {}
  inc(labels: Labels = {}, by = 1) {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  set(value: number, labels: Labels = {}) {
    this.values.set(key(labels), value);
  }
  get(labels: Labels = {}) {
    return this.values.get(key(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.kind}`];
    if (this.values.size === 0 && this.kind === 'gauge') lines.push(`${this.name} 0`);
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines.join('\n');
  }
}

class Histogram {
  readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {}
  observe(value: number, labels: Labels = {}) {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => {
      if (value <= b) s!.counts[i]!++;
    });
    s.sum += value;
    s.count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const prefix = k ? `${k},` : '';
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{${prefix}le="${b}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${prefix}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export class ServerMetrics {
  readonly activeSessions = new Counter('babelfish_active_sessions', 'Sessions currently open.', 'gauge');
  readonly sessionsTotal = new Counter('babelfish_sessions_total', 'Sessions started.');
  readonly audioInSeconds = new Counter('babelfish_audio_in_seconds_total', 'Seconds of audio received.');
  readonly audioOutSeconds = new Counter('babelfish_audio_out_seconds_total', 'Seconds of translated speech sent.');
  readonly utterances = new Counter('babelfish_utterances_total', 'Utterances translated.');
  readonly errors = new Counter('babelfish_errors_total', 'Errors sent to clients, by code.');
  /** Seconds; buckets from 10 ms to 30 s cover every stage from a vocoder chunk to a long utterance. */
  readonly stageLatency = new Histogram('babelfish_stage_latency_seconds', 'Latency of each pipeline stage.', [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
  readonly firstAudioLatency = new Histogram('babelfish_first_audio_latency_seconds', 'End of utterance to first translated audio chunk.', [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10]);

  render(): string {
    return (
      [this.activeSessions, this.sessionsTotal, this.audioInSeconds, this.audioOutSeconds, this.utterances, this.errors, this.stageLatency, this.firstAudioLatency]
        .map((m) => m.render())
        .join('\n') + '\n'
    );
  }
}
