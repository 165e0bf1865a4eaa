import { existsSync } from 'node:fs';
import path from 'node:path';
import { modelsDir } from '../paths.ts';

/**
 * The folder of a trained model: the one given, else `models/<name>/` (where the shipped
 * defaults live), else `models/<name>/default/` (where some training scripts export).
 * A folder without model.json is returned as is, so loading it reports MODEL_NOT_FOUND.
 */
export function resolveModelDir(name: string, given?: string): string {
  if (given) return given;
  const candidates = [path.join(modelsDir, name), path.join(modelsDir, name, 'default')];
  return candidates.find((d) => existsSync(path.join(d, 'model.json'))) ?? candidates[0]!;
}
