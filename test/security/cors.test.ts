import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/index.ts';
import { startTestRuntime } from '../helpers/runtime.ts';

/**
 * CORS (docs/security.md): demo mode allows any `http://localhost:*` and `http://127.0.0.1:*`
 * origin (a Vite dev server on :5173); otherwise only CORS_ORIGINS. A preflight is answered with
 * CORS headers (or none, for an origin not allowed), never with a CSRF refusal.
 * test/browser/cors.test.ts checks the same with Chromium.
 */

async function app(config: Partial<Config>) {
  const t = await startTestRuntime({ config });
  return {
    fetch: (init: RequestInit) => t.runtime.app.fetch('http://localhost/graphql', init),
    close: () => t.close(),
  };
}

const preflight = (origin: string): RequestInit => ({
  method: 'OPTIONS',
  headers: {
    origin,
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'content-type, authorization',
  },
});

const jsonPost = (origin: string): RequestInit => ({
  method: 'POST',
  headers: { origin, 'content-type': 'application/json', accept: 'application/json' },
  body: JSON.stringify({ query: '{ backends { backend } }' }),
});

/** A preflight answer: 204, no body, so never a CSRF (or any GraphQL) error. */
async function expectPreflightAnswer(res: Response): Promise<void> {
  expect(res.status).toBe(204);
  expect(await res.text()).toBe('');
}

describe('demo mode', () => {
  it.each(['http://localhost:5173', 'http://127.0.0.1:8080', 'http://localhost'])(
    'allows %s: preflight and request',
    async (origin) => {
      const demo = await app({ demo: true });
      try {
        const pre = await demo.fetch(preflight(origin));
        await expectPreflightAnswer(pre);
        expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
        expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
        expect(pre.headers.get('access-control-allow-headers')).toContain('content-type');
        const res = await demo.fetch(jsonPost(origin));
        expect(res.status).toBe(200);
        expect(res.headers.get('access-control-allow-origin')).toBe(origin);
        expect(((await res.json()) as { data: unknown }).data).toBeTruthy();
      } finally {
        await demo.close();
      }
    },
  );

  it.each([
    'https://evil.example',
    'http://localhost.evil.example:5173',
    'http://127.0.0.1.evil.example',
    'https://localhost:5173',
  ])('does not allow %s, and still answers the preflight without a CSRF error', async (origin) => {
    const demo = await app({ demo: true });
    try {
      const pre = await demo.fetch(preflight(origin));
      await expectPreflightAnswer(pre);
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      const res = await demo.fetch(jsonPost(origin));
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await demo.close();
    }
  });

  it('CORS_ORIGINS are allowed beside the loopback ones', async () => {
    const demo = await app({ demo: true, corsOrigins: ['https://app.example'] });
    try {
      for (const origin of ['https://app.example', 'http://localhost:5173']) {
        const pre = await demo.fetch(preflight(origin));
        await expectPreflightAnswer(pre);
        expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
      }
    } finally {
      await demo.close();
    }
  });
});

describe('outside demo mode', () => {
  it('no CORS_ORIGINS: a preflight gets 204 without CORS grants, not a CSRF 403', async () => {
    const configured = await app({ demo: false, corsOrigins: [] });
    try {
      const pre = await configured.fetch(preflight('http://localhost:5173'));
      await expectPreflightAnswer(pre);
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await configured.close();
    }
  });

  it('CORS_ORIGINS: a listed origin is allowed, a loopback one is not', async () => {
    const configured = await app({ demo: false, corsOrigins: ['https://app.example'] });
    try {
      const listed = await configured.fetch(preflight('https://app.example'));
      await expectPreflightAnswer(listed);
      expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example');
      const loopback = await configured.fetch(preflight('http://localhost:5173'));
      await expectPreflightAnswer(loopback);
      expect(loopback.headers.get('access-control-allow-origin')).not.toBe('http://localhost:5173');
    } finally {
      await configured.close();
    }
  });
});
