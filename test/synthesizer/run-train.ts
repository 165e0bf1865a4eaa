// Child-process entry for the kill/resume test.
import { runTrainSynthesizer } from '../../training/synthesizer/train.ts';

process.exitCode = await runTrainSynthesizer(process.argv.slice(2));
