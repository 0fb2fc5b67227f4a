import { createHmac, randomUUID } from 'node:crypto';

/** Builds a JWT as an identity provider's remote login script would, for the SSO tests. */
export function signJwt(
  claims: Record<string, unknown>,
  secret: string,
  header: Record<string, unknown> = { typ: 'JWT', alg: 'HS256' },
): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  const signature = createHmac('sha256', secret).update(input).digest('base64url');
  return `${input}.${signature}`;
}

/** Claims valid now (on a clock `offsetMs` from real time), with a fresh jti. */
export function freshClaims(overrides: Record<string, unknown> = {}, offsetMs = 0): Record<string, unknown> {
  return {
    iat: Math.floor((Date.now() + offsetMs) / 1000),
    jti: randomUUID(),
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    ...overrides,
  };
}
