import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BabelfishError } from '../errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Strict option parsing for subcommands: unknown flags are errors with a readable
 * message, `--help` is always accepted.
 */
export function parseCommandArgs<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new BabelfishError('BAD_ARGUMENT', (e as Error).message);
  }
}

/** An optional integer flag: undefined when absent, a clear error when not an integer. */
export function integerFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new BabelfishError('BAD_ARGUMENT', `--${name} must be an integer, got ${value}`);
  return n;
}
