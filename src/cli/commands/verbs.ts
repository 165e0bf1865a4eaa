import type { Command } from '../command.ts';
import { BabelfishError } from '../../errors.ts';

/** A sub-verb of a parent command (`corpus text`, `train vocoder`): lazily loaded, argv in, exit code out. */
export interface Verb {
  summary: string;
  run: (argv: string[]) => Promise<number>;
}

/**
 * A command whose first argument picks a verb; `--help` after the verb reaches the
 * verb's own parser, so `babelfish train vocoder --help` prints the vocoder's flags.
 */
export function verbCommand(name: string, summary: string, verbs: Record<string, Verb>): Command {
  const list = Object.entries(verbs)
    .map(([v, d]) => `  ${v.padEnd(16)} ${d.summary}`)
    .join('\n');
  return {
    name,
    summary,
    usage: `usage: babelfish ${name} <${Object.keys(verbs).join('|')}> [options]\n\n${list}\n\nRun \`babelfish ${name} <verb> --help\` for the options of one.`,
    passHelp: true,
    async run(argv) {
      const [verb, ...rest] = argv;
      if (!verb || verb === '--help' || verb === '-h') {
        process.stdout.write(this.usage + '\n');
        return verb ? 0 : 1;
      }
      const v = verbs[verb];
      if (!v) throw new BabelfishError('BAD_ARGUMENT', `unknown '${name}' verb '${verb}'; one of: ${Object.keys(verbs).join(', ')}`);
      return v.run(rest);
    },
  };
}
