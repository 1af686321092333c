import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PlatformErrors } from '../errors.ts';

const BEARER = /^Bearer ([!-~]+)$/i;

/**
 * A preHandler admitting requests with `Authorization: Bearer <adminToken>`. Without a configured token the admin
 * API is off: every request is refused the same way, so nobody probes for a default token. `realm` names the API
 * in the WWW-Authenticate challenge (RFC 6750).
 */
export function requireAdminToken(adminToken: string | undefined, realm: string) {
  // Comparing digests makes the comparison constant-time for tokens of any length, leaking not even the length.
  const expected = adminToken === undefined ? undefined : digest(adminToken);

  return async function checkAdminToken(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (expected === undefined) {
      throw PlatformErrors.create('ADMIN_API_DISABLED', 'admin API disabled: set ADMIN_TOKEN');
    }
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (match === null) {
      reply.header('www-authenticate', `Bearer realm="${realm}"`);
      throw PlatformErrors.create('ADMIN_TOKEN_REQUIRED', 'send Authorization: Bearer <ADMIN_TOKEN>');
    }
    if (!timingSafeEqual(digest(match[1]!), expected)) {
      throw PlatformErrors.create('ADMIN_TOKEN_INVALID', 'the admin token is wrong');
    }
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
