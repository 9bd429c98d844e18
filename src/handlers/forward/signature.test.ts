import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { decodeSecret, sign } from './signature.js';

/**
 * The Standard Webhooks test vector, from the specification's repository (github.com/standard-webhooks/
 * standard-webhooks): libraries/javascript/src/webhook.test.ts, "sign function works", and the same values in
 * libraries/go/webhook_test.go, TestWebhookSign.
 */
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signature', () => {
  it('reproduces the specification’s test vector, with and without the whsec_ prefix', () => {
    for (const secret of [VECTOR.secret, VECTOR.secret.slice('whsec_'.length)])
      expect(sign(decodeSecret(secret), VECTOR.id, VECTOR.timestamp, VECTOR.payload)).toBe(VECTOR.signature);
  });

  it('signs what the specification’s own library verifies, a UTF-8 body included', () => {
    const body = JSON.stringify({ object: 'raw/片段-001 ☃.mov', emoji: '🎬' });
    const id = 'b3c1e0a4-1f2d-5e6a-8b9c-0d1e2f3a4b5c';
    const timestamp = Math.floor(Date.now() / 1000);
    for (const secret of [VECTOR.secret, 'c2VjcmV0LW9mLWFuLWFyY2hpdmUtc2VydmljZQ==']) {
      const headers = {
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sign(decodeSecret(secret), id, timestamp, body),
      };
      expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    }
  });

  it('refuses a secret that is not base64, without repeating it', () => {
    expect(() => decodeSecret('whsec_')).toThrow(TypeError);
    for (const secret of [
      'whsec_not base64!',
      'whsec_====',
      'abc',
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS*',
    ]) {
      expect(() => decodeSecret(secret)).toThrow(TypeError);
      expect(() => decodeSecret(secret)).not.toThrow(secret);
    }
  });
});
