import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * PII at rest: AES-256-GCM with a random 96-bit IV per value, stored as `v1.<iv>.<tag>.<ciphertext>`
 * (base64url), and a keyed hash (HMAC-SHA256 under a key derived from the same secret) for equality
 * lookups without decrypting. The version prefix leaves room for key rotation.
 */
export class PiiCipher {
  private readonly encryptionKey: Buffer;
  private readonly hashKey: Buffer;

  constructor(base64Key: string) {
    const key = Buffer.from(base64Key, 'base64');
    if (key.length !== 32) throw new Error('PII key must be 32 bytes');
    this.encryptionKey = createHmac('sha256', key).update('attestor/pii/encrypt').digest();
    this.hashKey = createHmac('sha256', key).update('attestor/pii/hash').digest();
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v1', iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join(
      '.',
    );
  }

  open(sealed: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== 'v1' || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new Error('not a sealed value');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }

  sealNullable(plaintext: string | null | undefined): string | null {
    return plaintext === null || plaintext === undefined ? null : this.seal(plaintext);
  }

  openNullable(sealed: string | null | undefined): string | null {
    return sealed === null || sealed === undefined ? null : this.open(sealed);
  }

  /** Deterministic keyed hash (hex) for lookups by value. */
  hash(value: string): string {
    return createHmac('sha256', this.hashKey).update(value).digest('hex');
  }
}
