import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FullRuntime, globalId, startFullRuntime } from '../helpers/full-runtime.ts';

/**
 * Every id that ends up in a vendor path, query or form is held to that vendor's id grammar
 * before anything is sent: dot segments, empty ids inside global ids, lone surrogates, control
 * characters, surrounding whitespace and oversized ids are a ValidationError naming the argument,
 * and no simulator sees a single request.
 */

let t: FullRuntime;
beforeAll(async () => {
  t = await startFullRuntime();
});
afterAll(() => t.close());
beforeEach(() => t.clearLogs());

type Outcome = {
  __typename: string;
  code?: string;
  fields?: { path: string[]; message: string }[];
};

const OUTCOME = `__typename ... on Error { code message } ... on ValidationError { fields { path message } }`;
const DOCS = {
  performPluginAction: `mutation($input: PerformPluginActionInput!) { performPluginAction(input: $input) { ${OUTCOME} } }`,
  startPlugin: `mutation($input: StartPluginInput!) { startPlugin(input: $input) { ${OUTCOME} } }`,
  stopPlugin: `mutation($input: StopPluginInput!) { stopPlugin(input: $input) { ${OUTCOME} } }`,
  refreshPluginDrivers: `mutation($input: RefreshPluginDriversInput!) { refreshPluginDrivers(input: $input) { ${OUTCOME} } }`,
  deletePluginDriver: `mutation($input: DeletePluginDriverInput!) { deletePluginDriver(input: $input) { ${OUTCOME} } }`,
  installUpdate: `mutation($input: InstallUpdateInput!) { installUpdate(input: $input) { ${OUTCOME} } }`,
  installSuperClientPlugin: `mutation($input: InstallSuperClientPluginInput!) { installSuperClientPlugin(input: $input) { ${OUTCOME} } }`,
  uninstallSuperClientPlugin: `mutation($input: UninstallSuperClientPluginInput!) { uninstallSuperClientPlugin(input: $input) { ${OUTCOME} } }`,
} as const;
type Field = keyof typeof DOCS;

function totalRequests(): number {
  return Object.values(t.sims).reduce((n, sim) => n + sim.server.count(), 0);
}

/** The mutation answers ValidationError naming `path`, with no GraphQL error and no vendor call. */
async function expectRefused(field: Field, input: Record<string, unknown>, path: string[]) {
  const res = await t.gql<Record<string, Outcome>>(DOCS[field], { input });
  expect(res.errors).toBeUndefined();
  const outcome = res.data?.[field];
  expect(outcome).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION' });
  expect(outcome?.fields?.map((f) => f.path)).toContainEqual(path);
  expect(totalRequests()).toBe(0);
}

const ID7 = 'ID7';
const PROMETHEUS = 'e90949fe5ddd3e68a4646b97b812f905';
const WEB1 = '71a15ecc-049f-4cca-bd28-5e90aca1817f';
const GLEMM = 'g1eMmQrW3tH8kLpV0xYz2A';

/** Values that must never become a vendor path segment (or a vendor id at all). */
const BAD_NATIVE = {
  'dot-dot': '..',
  dot: '.',
  'percent-encoded dot-dot': '%2e%2e',
  'a slash': 'a/b',
  'a lone surrogate': 'ID7\ud800',
  'a leading space': ' ID7',
  'a trailing space': 'ID7 ',
  'CR/LF': 'ID\r\n7',
  'a NUL': 'ID\u00007',
  '10 KB': 'I'.repeat(10_000),
  'whitespace only': '   ',
} as const;

describe('SDM plug-in ids (performPluginAction)', () => {
  const path = ['input', 'pluginId'];
  it.each(Object.entries(BAD_NATIVE))('refuses %s', async (_name, pluginId) => {
    await expectRefused('performPluginAction', { pluginId, action: 'INSTALL' }, path);
  });

  it.each([
    ['an object id with dot-dot', 'sdm:..'],
    ['a global id with an empty native id', globalId('Plugin', 'sdm:')],
    ['a global id with dot-dot', globalId('Plugin', 'sdm:..')],
    ['a global id with a lone surrogate', globalId('Plugin', 'sdm:ID7\ud800')],
    ['a global id with a leading space', globalId('Plugin', 'sdm: ID7')],
  ])('refuses %s', async (_name, pluginId) => {
    await expectRefused('performPluginAction', { pluginId, action: 'INSTALL' }, path);
  });
});

describe('HSS ids (startPlugin, stopPlugin)', () => {
  const field = 'startPlugin';
  it.each(Object.entries(BAD_NATIVE))('refuses a projectId with %s', async (_name, projectId) => {
    await expectRefused(field, { pluginCode: 'ndr', hostIds: [WEB1], projectId }, [
      'input',
      'projectId',
    ]);
  });

  it.each(Object.entries(BAD_NATIVE))(
    'refuses an enterpriseProjectId with %s',
    async (_name, enterpriseProjectId) => {
      await expectRefused(
        'stopPlugin',
        { pluginCode: 'ndr', hostIds: [WEB1], enterpriseProjectId },
        ['input', 'enterpriseProjectId'],
      );
    },
  );

  it.each(Object.entries(BAD_NATIVE))('refuses a pluginCode with %s', async (_name, pluginCode) => {
    await expectRefused(field, { pluginCode, hostIds: [WEB1] }, ['input', 'pluginCode']);
  });

  it.each(Object.entries(BAD_NATIVE))('refuses a host id with %s', async (_name, hostId) => {
    await expectRefused(field, { pluginCode: 'ndr', hostIds: [WEB1, hostId] }, [
      'input',
      'hostIds',
      '1',
    ]);
  });

  it('refuses a host global id with an empty or dot-dot native id', async () => {
    await expectRefused(field, { pluginCode: 'ndr', hostIds: [globalId('Host', 'hss:')] }, [
      'input',
      'hostIds',
      '0',
    ]);
    await expectRefused(field, { pluginCode: 'ndr', hostIds: [globalId('Host', 'hss:..')] }, [
      'input',
      'hostIds',
      '0',
    ]);
  });

  it('refuses more host ids than one HSS page (200) holds', async () => {
    const hostIds = Array.from({ length: 201 }, (_, i) => `host-${i}`);
    await expectRefused(field, { pluginCode: 'ndr', hostIds }, ['input', 'hostIds']);
    const many = Array.from({ length: 10_000 }, (_, i) => `host-${i}`);
    await expectRefused('stopPlugin', { pluginCode: 'ndr', hostIds: many }, ['input', 'hostIds']);
  });
});

describe('ZStack driver uuids (deletePluginDriver)', () => {
  const path = ['input', 'pluginId'];
  it.each(Object.entries(BAD_NATIVE))('refuses %s', async (_name, pluginId) => {
    await expectRefused('deletePluginDriver', { pluginId }, path);
  });

  it.each([
    ['a uuid with a trailing space', `${PROMETHEUS} `],
    ['a uuid with a lone surrogate', `${PROMETHEUS}\ud800`],
    ['a global id with an empty native id', globalId('Plugin', 'zstack:')],
    ['a global id with dot-dot', globalId('Plugin', 'zstack:..')],
  ])('refuses %s', async (_name, pluginId) => {
    await expectRefused('deletePluginDriver', { pluginId }, path);
  });
});

describe('ZStack driver names (refreshPluginDrivers)', () => {
  it.each(Object.entries(BAD_NATIVE))('refuses %s', async (_name, name) => {
    await expectRefused('refreshPluginDrivers', { name }, ['input', 'name']);
  });
});

describe('appliance update versions (installUpdate)', () => {
  it.each(Object.entries(BAD_NATIVE))('refuses %s', async (_name, version) => {
    await expectRefused('installUpdate', { version }, ['input', 'version']);
  });
});

describe('KorAP client ids (installSuperClientPlugin, uninstallSuperClientPlugin)', () => {
  it.each(Object.entries(BAD_NATIVE).filter(([name]) => name !== 'a slash'))(
    'refuses a clientId with %s',
    async (_name, clientId) => {
      await expectRefused('installSuperClientPlugin', { clientId }, ['input', 'clientId']);
      await expectRefused('uninstallSuperClientPlugin', { clientId }, ['input', 'clientId']);
    },
  );

  it('a clientId with CR/LF is a ValidationError, not BACKEND_AUTH_FAILED', async () => {
    await expectRefused('installSuperClientPlugin', { clientId: `${GLEMM}\r\nX-Injected: 1` }, [
      'input',
      'clientId',
    ]);
  });

  it.each(Object.entries(BAD_NATIVE).filter(([name]) => name !== 'a slash'))(
    'refuses a superClientId with %s',
    async (_name, superClientId) => {
      await expectRefused('installSuperClientPlugin', { clientId: GLEMM, superClientId }, [
        'input',
        'superClientId',
      ]);
    },
  );
});

describe('ids the grammars accept still reach the vendor', () => {
  it('an SDM id in all three forms is one target: the second launch is a ConflictError', async () => {
    const forms = [ID7, `sdm:${ID7}`, globalId('Plugin', `sdm:${ID7}`)];
    const results = await Promise.all(
      forms.map((pluginId) =>
        t.gql<{ performPluginAction: Outcome }>(DOCS.performPluginAction, {
          input: { pluginId, action: 'INSTALL' },
        }),
      ),
    );
    const kinds = results.map((r) => r.data?.performPluginAction.__typename).sort();
    expect(kinds).toEqual(['ConflictError', 'ConflictError', 'PerformPluginActionPayload']);
    expect(t.sims.sdm.server.count({ method: 'POST', path: /\/action$/ })).toBe(1);
  });

  it('a ZStack uuid in upper case or with dashes is sent in the canonical form', async () => {
    const dashed = `${PROMETHEUS.slice(0, 8)}-${PROMETHEUS.slice(8, 12)}-${PROMETHEUS.slice(12, 16)}-${PROMETHEUS.slice(16, 20)}-${PROMETHEUS.slice(20)}`;
    const res = await t.gql<{ deletePluginDriver: Outcome }>(
      `mutation($input: DeletePluginDriverInput!) { deletePluginDriver(input: $input) { __typename ... on DeletePluginDriverPayload { plugin { nativeId } } } }`,
      { input: { pluginId: dashed.toUpperCase() } },
    );
    expect(res.data?.deletePluginDriver).toMatchObject({
      __typename: 'DeletePluginDriverPayload',
      plugin: { nativeId: PROMETHEUS },
    });
    expect(
      t.sims.zstack.server.count({
        method: 'DELETE',
        path: `/zstack/v1/external/plugins/${PROMETHEUS}`,
      }),
    ).toBe(1);
  });
});
