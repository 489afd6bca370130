// A span writer thread that dies on its first batch, as one would when out of memory.
import { parentPort } from 'node:worker_threads';
parentPort.on('message', () => process.exit(3));
