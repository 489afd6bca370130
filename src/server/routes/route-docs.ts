import { errorSchema } from './api-schemas.ts';

/**
 * The pieces every route file's OpenAPI description repeats: a JSON body or response, the errors of
 * an admin route, and the bearer-key security requirement.
 */
export const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

export const adminErrors = {
  400: json(errorSchema, 'Invalid request'),
  401: json(errorSchema, 'Missing or invalid API key'),
  403: json(errorSchema, 'The key lacks the admin scope'),
};

export const security = [{ bearer: [] }];
