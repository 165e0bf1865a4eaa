/**
 * The project's audio front end (decoding + log-mel) in the shape training needs.
 * Placeholder until `src/audio` lands: callers can pass their own AudioFrontEnd.
 */
import { BabelfishError } from '../../src/errors.ts';
import type { AudioFrontEnd } from './train.ts';

export function defaultAudioFrontEnd(): AudioFrontEnd {
  throw new BabelfishError('INTERNAL', 'the src/audio front end is not available yet');
}
