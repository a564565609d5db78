import { afterEach, describe, expect, it } from 'vitest';
import { type FullRuntime, startFullRuntime } from '../helpers/full-runtime.ts';

/**
 * Issue 16: KorAP installs are per user. With KORAP_FORWARD_USER_TOKEN=1 a KorAP mutation sends
 * the caller's `X-KorAP-Authorization` to KorAP instead of KORAP_ACCESS_TOKEN; without it the
 * mutation is refused before KorAP is called, never run silently as the service user.
 */

const GLEMM = 'g1eMmQrW3tH8kLpV0xYz2A';
const USER_TOKEN = 'carol-korap-user-token-Vb71QmXw';
const INSTALL = `mutation($input: InstallSuperClientPluginInput!) {
  installSuperClientPlugin(input: $input) {
    __typename
    ... on InstallSuperClientPluginPayload { task { status } }
    ... on ValidationError { code fields { path message } }
    ... on Error { code message }
  }
}`;

let t: FullRuntime | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(forward: boolean): Promise<FullRuntime> {
  const base = await startFullRuntime();
  await base.runtime.close();
  const sims = base.sims;
  sims.korap.addUser({ username: 'carol', token: USER_TOKEN, scopes: ['all'] });
  // A runtime whose KorAP endpoint forwards (or not) the caller's token.
  const { createRuntime } = await import('../../src/runtime.ts');
  const { pino } = await import('pino');
  const logs: string[] = [];
  const config = {
    ...base.config,
    backends: {
      ...base.config.backends,
      korap: { ...sims.korap.config(), forwardUserToken: forward },
    },
  };
  const runtime = createRuntime(
    config,
    pino({ level: 'debug' }, { write: (line: string) => logs.push(line) }),
  );
  t = {
    ...base,
    runtime,
    logs,
    async close() {
      await runtime.close();
      await Promise.all(Object.values(sims).map((s) => s.close()));
    },
  };
  return t;
}

async function install(header: string | undefined) {
  const res = await t!.runtime.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(header !== undefined && { 'x-korap-authorization': header }),
    },
    body: JSON.stringify({ query: INSTALL, variables: { input: { clientId: GLEMM } } }),
  });
  const text = await res.text();
  return {
    text,
    result: (JSON.parse(text) as { data?: { installSuperClientPlugin: Record<string, unknown> } })
      .data?.installSuperClientPlugin,
  };
}

describe('KORAP_FORWARD_USER_TOKEN', () => {
  it("=1: the install runs as the caller's KorAP user, not the service user", async () => {
    const t = await start(true);
    const { result } = await install(`Bearer ${USER_TOKEN}`);
    expect(result).toMatchObject({
      __typename: 'InstallSuperClientPluginPayload',
      task: { status: 'SUCCESS' },
    });
    expect(t.sims.korap.installations({ username: 'carol' }).map((i) => i.clientId)).toContain(
      GLEMM,
    );
    expect(t.sims.korap.installations({ username: 'demo' }).map((i) => i.clientId)).not.toContain(
      GLEMM,
    );
  });

  it('=1 without the header (or a malformed one): ValidationError, KorAP is never called', async () => {
    const t = await start(true);
    for (const header of [undefined, 'Basic abc', 'Bearer']) {
      const before = t.sims.korap.writesPerformed();
      const { result } = await install(header);
      expect(result).toMatchObject({
        __typename: 'ValidationError',
        code: 'VALIDATION',
        fields: [{ path: ['headers', 'X-KorAP-Authorization'] }],
      });
      expect(t.sims.korap.writesPerformed()).toBe(before);
    }
  });

  it('=1 with a token KorAP does not know: its refusal, the token scrubbed everywhere', async () => {
    const t = await start(true);
    const unknown = 'mallory-unknown-korap-token-Qw93';
    const { result, text } = await install(`Bearer ${unknown}`);
    expect(result).toBeUndefined();
    // KorAP's own answer (2011: token invalid), as for a bad service token.
    expect(JSON.parse(text).errors).toMatchObject([
      { extensions: { code: 'BACKEND_AUTH_FAILED', backend: 'korap', vendorCode: '2011' } },
    ]);
    expect(text).not.toContain(unknown);
    expect(t.logs.join('\n')).not.toContain(unknown);
    expect(t.sims.korap.installations({ username: 'carol' })).toHaveLength(0);
  });

  it('the forwarded token appears in no response, task or log line', async () => {
    const t = await start(true);
    const { text } = await install(`Bearer ${USER_TOKEN}`);
    const tasks = await t.runtime.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ tasks(first: 10) { edges { node { id description } } } }' }),
    });
    const all = [text, await tasks.text(), ...t.logs].join('\n');
    expect(all).not.toContain(USER_TOKEN);
  });

  it('off (default): the header is ignored, the service token acts', async () => {
    const t = await start(false);
    const { result } = await install(`Bearer ${USER_TOKEN}`);
    expect(result).toMatchObject({ __typename: 'InstallSuperClientPluginPayload' });
    expect(t.sims.korap.installations({ username: 'demo' }).map((i) => i.clientId)).toContain(
      GLEMM,
    );
    expect(t.sims.korap.installations({ username: 'carol' })).toHaveLength(0);
  });
});
