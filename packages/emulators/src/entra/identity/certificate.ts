import { generate } from 'selfsigned';

export interface ServerCertificate {
  readonly key: string;
  readonly cert: string;
}

/**
 * A self-signed certificate for 127.0.0.1, ::1 and localhost, made at start-up. `selfsigned` over
 * hand-written @peculiar/x509 code: it builds on @peculiar/x509 already and gives PEM key and
 * certificate with subject alternative names in one call. EC P-256 keeps start-up fast (an RSA key
 * takes noticeably longer to generate).
 */
export async function createServerCertificate(now: Date): Promise<ServerCertificate> {
  const notBefore = new Date(now.getTime() - 60 * 60_000);
  const pems = await generate([{ name: 'commonName', value: 'provisio Entra ID emulator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: new Date(notBefore.getTime() + 365 * 24 * 60 * 60_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
