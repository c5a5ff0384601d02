/** Entry point of `npm start`: `tessera serve` without the command line (src/cli/serve.command.ts). */
import { serve } from './cli/serve.command.js';

void serve();
