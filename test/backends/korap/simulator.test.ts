import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KORAP_FIXTURE } from '../../../src/backends/korap/fixtures.ts';
import { type KorapSimulator, startKorapSimulator } from '../../../src/backends/korap/simulator.ts';

/** The simulator on its own, over raw HTTP: the server's check order and its exact bodies. */

const SUPER = KORAP_FIXTURE.superClientId;
const SECRET = KORAP_FIXTURE.superClientSecret;
const EXPORT = '52atrL0ajex_3_5imd9Mgw';
const GLEMM = 'g1eMmQrW3tH8kLpV0xYz2A';
const TREEBANK = 'JpmdMRPt7796HpMpHRGHrr';
const STATS = 'cS9tAtZx4Lm2QwE8rYuI1o';
const DEMO = 'demo-access-token-4Fq9xLk2';
const READER = 'reader-access-token-Zp0w7sEe';

let sim: KorapSimulator;

beforeAll(async () => {
  sim = await startKorapSimulator();
});
afterAll(() => sim.close());

async function call(
  path: string,
  fields: Record<string, string>,
  token: string | undefined = DEMO,
  contentType = 'application/x-www-form-urlencoded',
): Promise<{ status: number; body: unknown; type: string | null }> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(sim.url + path, {
    method: 'POST',
    headers,
    body: new URLSearchParams(fields).toString(),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? JSON.parse(text) : undefined,
    type: res.headers.get('content-type'),
  };
}

const creds = { super_client_id: SUPER, super_client_secret: SECRET };

describe('korap simulator', () => {
  it('checks in the server order: token, scope, super client, client, permitted, installed', async () => {
    const bad = { super_client_id: 'nope', client_id: 'nope' };
    expect(await call('/plugins/install', bad, 'wrong-token')).toMatchObject({
      status: 401,
      body: { errors: [[2011, 'Access token is invalid']] },
    });
    expect(await call('/plugins/install', bad, undefined)).toMatchObject({ status: 401 });
    expect(await call('/plugins/install', bad, READER)).toMatchObject({
      status: 401,
      body: { errors: [[2010, 'Scope install_user_client is not authorized']] },
    });
    expect(await call('/plugins/install', { client_id: 'nope' })).toEqual({
      status: 400,
      type: 'application/json;charset=utf-8',
      body: { error: 'invalid_request', error_description: 'Missing parameter: super_client_id' },
    });
    expect(
      await call('/plugins/install', { super_client_id: SUPER, client_id: 'nope' }),
    ).toMatchObject({
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: 'Missing parameter: super_client_secret',
      },
    });
    expect(await call('/plugins/install', bad)).toMatchObject({
      status: 401,
      body: { error: 'invalid_client', error_description: 'Unknown client: nope' },
    });
    expect(
      await call('/plugins/install', {
        super_client_id: SUPER,
        super_client_secret: 'wrong',
        client_id: 'nope',
      }),
    ).toMatchObject({
      status: 401,
      body: { error: 'invalid_client', error_description: 'Invalid super_client credentials' },
    });
    expect(
      await call('/plugins/install', {
        super_client_id: 'rQ7wZ2bpnTTxB9Pq1k3VbA',
        super_client_secret: 'pykorap-demo-secret',
      }),
    ).toMatchObject({
      status: 401,
      body: {
        error: 'unauthorized_client',
        error_description: 'Only super client is allowed to use this service',
      },
    });
    expect(await call('/plugins/install', creds)).toMatchObject({
      status: 400,
      body: { errors: [[107, 'client_id is null', 'client_id']] },
    });
    expect(await call('/plugins/install', { ...creds, client_id: 'nope' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_client', error_description: 'Unknown client: nope' },
    });
    // Installed, then no longer permitted: "permitted" is checked before "installed".
    sim.setPermitted(EXPORT, false);
    expect(await call('/plugins/install', { ...creds, client_id: EXPORT })).toMatchObject({
      status: 400,
      body: { errors: [[1850, 'Plugin is not permitted', EXPORT]] },
    });
    sim.setPermitted(EXPORT, true);
    expect(await call('/plugins/install', { ...creds, client_id: EXPORT })).toMatchObject({
      status: 400,
      body: { errors: [[1851, 'Plugin has been installed', EXPORT]] },
    });
  });

  it('answers the documented install body with a Java ZonedDateTime', async () => {
    const res = await call('/plugins/install', { ...creds, client_id: STATS });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Corpus Statistics',
      description: 'Token, text and document counts for the current virtual corpus',
      url: 'https://korap.ids-mannheim.de/plugin/corpusstats',
      client_id: STATS,
      super_client_id: SUPER,
    });
    expect((res.body as { installed_date: string }).installed_date).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{3})?)?\+0[12]:00\[Europe\/Berlin\]$/,
    );
  });

  it('keeps installations unique per (user, plugin, super client)', async () => {
    sim.addUser({ username: 'alice', token: 'alice-token', scopes: ['all'] });
    expect(
      (await call('/plugins/install', { ...creds, client_id: GLEMM }, 'alice-token')).status,
    ).toBe(200);
    expect((await call('/plugins/install', { ...creds, client_id: GLEMM })).status).toBe(200);
    expect(sim.installations({ username: 'alice' }).map((i) => i.clientId)).toEqual([GLEMM]);
    const installed = await call('/plugins/installed', creds, 'alice-token');
    expect((installed.body as { client_id: string }[]).map((p) => p.client_id)).toEqual([GLEMM]);
  });

  it('lists plugins, optionally only permitted ones, without super clients', async () => {
    const all = await call('/plugins', { ...creds, permitted_only: 'false' });
    const ids = (all.body as { client_id: string }[]).map((p) => p.client_id);
    expect(ids).toContain(TREEBANK);
    expect(ids).not.toContain(SUPER);
    const permitted = await call('/plugins', { ...creds, permitted_only: 'true' });
    expect((permitted.body as { client_id: string }[]).map((p) => p.client_id)).not.toContain(
      TREEBANK,
    );
    expect((all.body as Record<string, unknown>[])[0]).toMatchObject({
      client_type: expect.any(String),
      permitted: expect.any(Boolean),
      source: expect.any(Object),
    });
  });

  it('uninstalls with 200 and an empty body, then 404 with 114', async () => {
    const first = await call('/plugins/uninstall', { ...creds, client_id: STATS });
    expect(first).toEqual({ status: 200, body: undefined, type: null });
    expect(await call('/plugins/uninstall', { ...creds, client_id: STATS })).toMatchObject({
      status: 404,
      body: { errors: [[114, 'Plugin is not found', STATS]] },
    });
  });

  it('refuses another media type and unknown paths', async () => {
    expect((await call('/plugins', creds, DEMO, 'application/json')).status).toBe(415);
    expect((await call('/nothing', creds)).status).toBe(404);
  });

  it('revoked and expired tokens fail with 2011', async () => {
    sim.addUser({ username: 'bob', token: 'bob-token', scopes: ['all'] });
    sim.expireToken('bob-token');
    expect(await call('/plugins/installed', creds, 'bob-token')).toMatchObject({
      status: 401,
      body: { errors: [[2011, 'Access token is expired']] },
    });
    sim.revokeToken('bob-token');
    expect((await call('/plugins/installed', creds, 'bob-token')).status).toBe(401);
  });
});
