// Entry of the Griffin-Lim worker thread: TypeScript loader first, then the worker itself.
import { register } from 'tsx/esm/api';

register();
await import('./griffin-lim-worker.ts');
