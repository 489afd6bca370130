import type { Clock } from '../core/clock.ts';
import { OperonError } from '../core/errors.ts';
import { API_KEY_PREFIX, hashApiKey } from '../projects/api-key-secret.ts';
import type { ApiKey, ApiKeyScope, Project, ProjectStore } from '../projects/project-store.ts';

export interface Principal {
  project: Project;
  key: ApiKey;
}

/**
 * Turns a presented API key into its project and key. Lookups are cached for a few seconds so the hot
 * path does no database read; a revocation through this server takes effect at once (`forgetKey`), one
 * made by another process (the CLI) within `cacheTtlMs`.
 *
 * @example
 * const principal = await authenticator.authenticate(headers, 'gateway');
 */
export function createAuthenticator(deps: { store: ProjectStore; clock: Clock; cacheTtlMs?: number; maxEntries?: number }) {
  const ttl = deps.cacheTtlMs ?? 5_000;
  const maxEntries = deps.maxEntries ?? 10_000;
  const cache = new Map<string, { principal: Principal | undefined; until: number }>();

  async function lookup(hash: string): Promise<Principal | undefined> {
    const now = deps.clock.now();
    const cached = cache.get(hash);
    if (cached && cached.until > now) return cached.principal;
    const key = await deps.store.findKeyByHash(hash);
    const project = key ? await deps.store.getProject(key.projectId) : undefined;
    const principal = key && project ? { key, project } : undefined;
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(hash, { principal, until: now + ttl });
    return principal;
  }

  return {
    async authenticate(headers: Record<string, string | string[] | undefined>, scope: ApiKeyScope | 'any'): Promise<Principal> {
      const presented = presentedKey(headers);
      if (!presented) {
        throw new OperonError({
          code: 'missing_api_key',
          kind: 'authentication',
          blame: 'user',
          message: "No API key. Send your Operon key as 'Authorization: Bearer opk_…' (or 'x-api-key'). Create one with `operon keys create`.",
        });
      }
      const principal = await lookup(hashApiKey(presented));
      if (!principal) {
        const hint = presented.startsWith(API_KEY_PREFIX) ? '' : " Operon keys start with 'opk_'; a provider's key goes in operon.yaml, not in the request.";
        throw new OperonError({ code: 'invalid_api_key', kind: 'authentication', blame: 'user', message: `Invalid API key.${hint} Create a key with \`operon keys create\`.` });
      }
      if (principal.key.revokedAt !== null) {
        throw new OperonError({ code: 'api_key_revoked', kind: 'authentication', blame: 'user', message: `API key '${principal.key.prefix}…' was revoked. Create a new one with \`operon keys create\`.` });
      }
      if (scope !== 'any' && !principal.key.scopes.includes(scope) && !principal.key.scopes.includes('admin')) {
        throw new OperonError({
          code: 'insufficient_scope',
          kind: 'permission',
          blame: 'user',
          message: `API key '${principal.key.prefix}…' has scopes [${principal.key.scopes.join(', ')}] but this endpoint needs '${scope}'. Use a key with that scope (\`operon keys create --scope ${scope}\`).`,
        });
      }
      return principal;
    },
    /** Drops cached entries of a key (after revocation) or of every key of a project (after an update). */
    forget(match: { keyId?: string; projectId?: string }): void {
      for (const [hash, entry] of cache) {
        const principal = entry.principal;
        if (!principal) continue;
        if (principal.key.id === match.keyId || principal.project.id === match.projectId) cache.delete(hash);
      }
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = single(headers.authorization);
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1]!.trim();
  }
  return single(headers['x-api-key'])?.trim() || single(headers['api-key'])?.trim() || undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
