/**
 * Operon as a library: compose the whole platform in your own process.
 *
 * @example
 * import { composeOperon, loadConfig } from 'operon';
 * const operon = await composeOperon({ config: loadConfig({ cwd: process.cwd(), env: process.env }), env: process.env });
 */
export { composeOperon, composeAdmin, VERSION, type Operon, type ComposeOptions } from './server/compose.ts';
export { loadConfig, parseConfig } from './core/config-loader.ts';
export type { OperonConfig, OperonConfigInput } from './core/config.ts';
export { OperonError, type ErrorKind, type ErrorBlame } from './core/errors.ts';
export type * from './providers/chat-model.ts';
