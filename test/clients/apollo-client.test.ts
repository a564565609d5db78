import { readFileSync } from 'node:fs';
import { ApolloClient, gql, HttpLink, InMemoryCache, type PossibleTypesMap } from '@apollo/client';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { startSdmSimulator } from '../../src/backends/sdm/simulator.ts';
import { listening } from '../subscriptions/helpers.ts';

/**
 * Apollo Client 4 as a frontend uses it (issue 13.1): Node's fetch over a real loopback socket,
 * the default InMemoryCache configured with the shipped possible-types.json. Without
 * possibleTypes the cache cannot tell that ConflictError implements Error and drops the fields
 * of `... on Error` (a production build does not even warn).
 */

const possibleTypes = JSON.parse(
  readFileSync(new URL('../../possible-types.json', import.meta.url), 'utf8'),
) as PossibleTypesMap;

const ACTION = gql`
  mutation SdmInstall($id: ID!) {
    performPluginAction(input: { pluginId: $id, action: INSTALL }) {
      __typename
      ... on PerformPluginActionPayload { task { id status } }
      ... on Error { code message }
    }
  }
`;

interface ActionData {
  performPluginAction: {
    __typename: string;
    code?: string;
    message?: string;
    task?: { id: string };
  };
}

/**
 * plugin-graph on a loopback socket over an SDM whose members take a minute each, so the first
 * INSTALL of ID7 is still running when the second arrives; returns the client's results.
 */
async function installTwice(cache: InMemoryCache): Promise<ActionData['performPluginAction'][]> {
  const sdm = await startSdmSimulator({ stepMs: 60_000 });
  onTestFinished(() => sdm.close());
  const { http } = await listening({ config: { backends: { sdm: sdm.config() } } });
  const client = new ApolloClient({ link: new HttpLink({ uri: http.url, fetch }), cache });
  const results: ActionData['performPluginAction'][] = [];
  for (let i = 0; i < 2; i++) {
    const { data } = await client.mutate<ActionData>({
      mutation: ACTION,
      variables: { id: 'ID7' },
    });
    if (data) results.push(data.performPluginAction);
  }
  return results;
}

/** Apollo's development warnings, captured (and kept off the test output). */
function apolloWarnings(): unknown[][] {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  onTestFinished(() => warn.mockRestore());
  return warn.mock.calls;
}

describe('Apollo Client 4 against plugin-graph', () => {
  it('with possible-types.json, a second identical performPluginAction is a ConflictError with code and message', async () => {
    const warnings = apolloWarnings();
    const [first, second] = await installTwice(new InMemoryCache({ possibleTypes }));
    expect(first).toMatchObject({
      __typename: 'PerformPluginActionPayload',
      task: { id: expect.any(String) },
    });
    expect(second).toEqual({
      __typename: 'ConflictError',
      code: 'CONFLICT',
      message: expect.stringMatching(/\S/),
    });
    expect(warnings).toEqual([]);
  });

  it('without possibleTypes the same ConflictError comes back bare (why the file ships)', async () => {
    const warnings = apolloWarnings();
    const [, second] = await installTwice(new InMemoryCache());
    expect(second).toEqual({ __typename: 'ConflictError' });
    expect(warnings.flat().join(' ')).toContain('possibleTypes');
  });
});
