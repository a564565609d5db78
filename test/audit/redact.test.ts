import { describe, expect, it } from 'vitest';
import { redactArguments } from '../../src/audit/redact.ts';

describe('redactArguments', () => {
  it('replaces secret-named fields and configured secret values, and alters nothing else', () => {
    const secrets = new Set(['s3cr3t-value']);
    const args = {
      input: {
        clientId: 'abc',
        superClientSecret: 'anything',
        apiToken: 'x',
        Password: 'y',
        credentials: { user: 'u' },
        hostIds: ['h1', 's3cr3t-value'],
        note: 's3cr3t-value',
        count: 3,
        operateAll: false,
        superClientId: null,
        tokenless: null,
      },
    };
    expect(redactArguments(args, secrets)).toEqual({
      input: {
        clientId: 'abc',
        superClientSecret: '[redacted]',
        apiToken: '[redacted]',
        Password: '[redacted]',
        credentials: '[redacted]',
        hostIds: ['h1', '[redacted]'],
        note: '[redacted]',
        count: 3,
        operateAll: false,
        superClientId: null,
        // A secret-named field left empty says nothing: kept as given.
        tokenless: null,
      },
    });
  });
});
