/** A CLI subcommand: its name, its help text and what it does with its arguments. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full usage text printed by `babelfish <name> --help`. */
  usage: string;
  /** Parent commands pass `--help` on to their verbs instead of printing `usage`. */
  passHelp?: boolean;
  run(argv: string[]): Promise<number | void>;
}
