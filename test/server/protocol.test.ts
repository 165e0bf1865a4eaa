import { describe, it, expect } from 'vitest';
import { parseClientMessage } from '../../server/protocol.ts';
import { ServerMetrics } from '../../server/metrics.ts';

const code = (text: string) => {
  try {
    parseClientMessage(text);
    return 'OK';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe('client message parsing', () => {
  it('accepts a start message and fills defaults', () => {
    expect(parseClientMessage('{"type":"start","from":"en","to":"es"}')).toEqual({
      type: 'start', from: 'en', to: 'es', sampleRate: 16000, format: 'pcm16', channels: 1, voice: undefined,
    });
    expect(parseClientMessage('{"type":"start","from":"auto","to":"fr","sampleRate":48000,"format":"webm"}')).toMatchObject({ sampleRate: 48000, format: 'webm' });
  });

  it('names each malformed case with its own code', () => {
    expect(code('not json')).toBe('INVALID_JSON');
    expect(code('[1,2]')).toBe('INVALID_JSON');
    expect(code('null')).toBe('INVALID_JSON');
    expect(code('{"type":"dance"}')).toBe('UNKNOWN_MESSAGE');
    expect(code('{}')).toBe('UNKNOWN_MESSAGE');
    expect(code('{"type":"start","from":"en","to":"es","sampleRate":0}')).toBe('BAD_SAMPLE_RATE');
    expect(code('{"type":"start","from":"en","to":"es","sampleRate":16000.5}')).toBe('BAD_SAMPLE_RATE');
    expect(code('{"type":"start","from":"en","to":"es","sampleRate":"16000"}')).toBe('BAD_SAMPLE_RATE');
    expect(code('{"type":"start","from":"en","to":"es","format":"avi"}')).toBe('BAD_ARGUMENT');
    expect(code('{"type":"start","from":"en"}')).toBe('BAD_ARGUMENT');
    expect(code('{"type":"start","from":"en","to":"es","channels":6}')).toBe('BAD_ARGUMENT');
    expect(code('{"type":"resume","session":"abc","lastSeq":-1}')).toBe('BAD_ARGUMENT');
    expect(code('{"type":"stop"}')).toBe('OK');
  });
});

describe('prometheus metrics', () => {
  it('renders counters and cumulative histogram buckets', () => {
    const m = new ServerMetrics();
    m.errors.inc({ code: 'BUSY' });
    m.errors.inc({ code: 'BUSY' });
    m.stageLatency.observe(0.03, { stage: 'asr' });
    m.stageLatency.observe(0.2, { stage: 'asr' });
    const text = m.render();
    expect(text).toContain('babelfish_errors_total{code="BUSY"} 2');
    // 0.03 falls in le=0.05 and above; 0.2 in le=0.25 and above: buckets are cumulative.
    expect(text).toContain('babelfish_stage_latency_seconds_bucket{stage="asr",le="0.025"} 0');
    expect(text).toContain('babelfish_stage_latency_seconds_bucket{stage="asr",le="0.05"} 1');
    expect(text).toContain('babelfish_stage_latency_seconds_bucket{stage="asr",le="0.25"} 2');
    expect(text).toContain('babelfish_stage_latency_seconds_bucket{stage="asr",le="+Inf"} 2');
    expect(text).toMatch(/babelfish_stage_latency_seconds_sum\{stage="asr"\} 0\.23/);
    expect(text).toContain('babelfish_active_sessions 0');
  });
});
