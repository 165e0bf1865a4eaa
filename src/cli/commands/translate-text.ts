import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { BabelfishError } from '../../errors.ts';
import { initBackend } from '../../backend.ts';
import { modelsDir } from '../../paths.ts';
import { heatmapPng } from '../../plot/heatmap.ts';
import { Translator } from '../../../models/translator/model.ts';
import { DEFAULT_DECODING } from '../../../models/translator/config.ts';

const MAX_STDIN_BYTES = 64 * 1024 * 1024;

/** Reads all of stdin (bounded), one sentence a line. */
async function readStdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin) {
    const b = c as Buffer;
    size += b.length;
    if (size > MAX_STDIN_BYTES) throw new BabelfishError('BAD_ARGUMENT', `stdin is larger than ${MAX_STDIN_BYTES / 1024 / 1024} MB; split it`);
    chunks.push(b);
  }
  return splitLines(Buffer.concat(chunks).toString('utf8'));
}

export const command: Command = {
  name: 'translate-text',
  summary: 'translate text between en, es, fr and de with the multilingual LSTM translator',
  usage: `usage: babelfish translate-text --to es [--from en] ["text" ...]

With no text arguments, reads stdin, one sentence a line, and writes one translation a line
(empty lines stay empty). Long input is cut into chunks the model can take.
  --from LANG        source language (checked; the model reads any of its languages)
  --to LANG          target language (required)
  --beam N           beam width (default 4; 1 = greedy)
  --no-repeat N      never repeat an N-piece n-gram in one output (default 4; 0 = off)
  --json             one JSON object per input: {text, tokens, score}
  --model DIR        model folder (default models/translator/default)
  --attention FILE   draw the first sentence's attention (target rows x source columns) as a PNG`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      from: { type: 'string' },
      to: { type: 'string' },
      beam: { type: 'string' },
      'no-repeat': { type: 'string' },
      json: { type: 'boolean' },
      model: { type: 'string' },
      attention: { type: 'string' },
    });
    if (!values.to) throw new BabelfishError('BAD_ARGUMENT', 'say which language to translate into: --to es');
    const beam = values.beam === undefined ? DEFAULT_DECODING.beam : Number(values.beam);
    if (!Number.isInteger(beam) || beam < 1 || beam > 64) throw new BabelfishError('BAD_ARGUMENT', `--beam must be an integer from 1 to 64, got ${values.beam}`);
    const noRepeatNgram = values['no-repeat'] === undefined ? DEFAULT_DECODING.noRepeatNgram : Number(values['no-repeat']);
    if (!Number.isInteger(noRepeatNgram) || noRepeatNgram < 0) throw new BabelfishError('BAD_ARGUMENT', `--no-repeat must be an integer >= 0, got ${values['no-repeat']}`);
    const dir = values.model ?? join(modelsDir, 'translator', 'default');
    await initBackend({ log: () => {} });
    const model = await Translator.load(dir);
    model.checkLanguage(values.from, 'source');
    model.checkLanguage(values.to, 'target');
    const lines = positionals.length ? [positionals.join(' ')] : await readStdinLines();
    const out = await model.translate(lines, { from: values.from, to: values.to, beam, noRepeatNgram, attention: Boolean(values.attention) });
    for (const t of out) {
      process.stdout.write((values.json ? JSON.stringify({ text: t.text, tokens: t.tokens.map((id) => model.tokenizer.piece(id)), score: t.score }) : t.text) + '\n');
    }
    if (values.attention) {
      const first = out.find((t) => t.attention && t.attention.length);
      if (!first) throw new BabelfishError('BAD_ARGUMENT', 'no attention to draw: the input is empty');
      const rows = first.attention!.length;
      const cols = first.attention![0].length;
      await writeFile(values.attention, heatmapPng(first.attention!, rows, cols, { cellWidth: 12, cellHeight: 12, min: 0, max: 1 }));
      const labels = { target: [...first.tokens.map((id) => model.tokenizer.piece(id)), ...(rows > first.tokens.length ? ['</s>'] : [])], source: first.sourceTokens!.map((id) => model.tokenizer.piece(id)) };
      process.stderr.write(`attention ${rows}x${cols} -> ${values.attention}\n  rows (target): ${labels.target.join(' ')}\n  columns (source): ${labels.source.join(' ')}\n`);
    }
    model.dispose();
    return 0;
  },
};

/** Exposed for tests: stdin splitting without a process. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
