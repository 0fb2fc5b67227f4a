import { createHash, type webcrypto } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** The token-signing key of one emulator instance (RS256, as Entra ID signs tokens). */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: webcrypto.CryptoKey;
  readonly publicKey: webcrypto.CryptoKey;
  /** The public key as published in the JWKS. */
  readonly jwk: JWK;
}

/**
 * A fresh key per instance: tokens of one emulator run are never accepted by another, as keys of
 * different tenants would not be. Clients find it through the JWKS, never by a fixed value.
 */
export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported);
  // Entra ID publishes x5t (base64url SHA-1 of the certificate); there is no certificate here, so
  // the thumbprint of the key stands in for it: clients use it only to pick the key.
  const x5t = createHash('sha1').update(kid).digest('base64url');
  return { kid, privateKey, publicKey, jwk: { ...exported, kid, x5t, use: 'sig', alg: 'RS256' } };
}
