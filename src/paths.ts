import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, so defaults like `models/` work from any working directory. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const modelsDir = path.join(projectRoot, 'models');
