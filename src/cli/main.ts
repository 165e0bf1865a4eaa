/**
 * `babelfish <command> [options]`: the one entry point for every tool of the project.
 */
import { isBabelfishError } from '../errors.ts';
import { COMMANDS } from './commands/index.ts';

function mainUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'babelfish: streaming speech-to-speech translation',
    '',
    'usage: babelfish <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'Run `babelfish <command> --help` for the options of one command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainUsage() + '\n');
    return name ? 0 : 1;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`babelfish: unknown command '${name}'\n\n${mainUsage()}\n`);
    return 2;
  }
  const command = await entry.load();
  if (!command.passHelp && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(command.usage.trimEnd() + '\n');
    return 0;
  }
  try {
    return (await command.run(rest)) ?? 0;
  } catch (e) {
    if (isBabelfishError(e)) {
      process.stderr.write(`babelfish ${name}: error [${e.code}]: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

const code = await main(process.argv.slice(2));
// Servers keep the event loop alive on purpose; everything else exits with its code.
if (code !== undefined && !process.env.BABELFISH_KEEP_ALIVE) process.exitCode = code;
