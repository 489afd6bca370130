import type { HttpBindings } from '@hono/node-server';
import type { Principal } from './authenticator.ts';

/** Hono environment of the Operon app: Node's request/response, and the authenticated principal. */
export type AppEnv = { Bindings: HttpBindings; Variables: { principal: Principal } };
