import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { BabelfishError } from '../../errors.ts';
import { initBackend } from '../../backend.ts';

export const command: Command = {
  name: 'average',
  summary: 'average the weights of several checkpoints of one model (checkpoint averaging)',
  usage: `usage: babelfish average --out DIR FOLDER FOLDER [...]

Writes to DIR a model whose every weight is the mean of that weight in the given
folders: saved models or run checkpoints of one model, same config and weights
(e.g. the last few checkpoints of a training run). The other files of the LAST
folder (vocabulary, language models) are copied; optimizer state is not.
Evaluate the result before shipping it: averaging usually helps a little, not always.
  --out DIR   the averaged model folder (replaced if it exists)`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string', short: 'o' } });
    if (!values.out) throw new BabelfishError('BAD_ARGUMENT', 'average needs --out DIR');
    if (positionals.length < 2) throw new BabelfishError('BAD_ARGUMENT', 'average needs at least two model folders');
    await initBackend({ log: () => {} });
    const { averageModelFolders } = await import('../../../training/common/average-checkpoints.ts');
    const r = await averageModelFolders(positionals, values.out);
    process.stdout.write(`averaged ${positionals.length} folders (${r.weights} weights, ${(r.parameters / 1e6).toFixed(2)}M parameters) into ${values.out}\n`);
    return 0;
  },
};
