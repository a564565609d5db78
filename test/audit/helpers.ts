import type { Config } from '../../src/config/index.ts';
import { unnamedTokenName } from '../../src/config/index.ts';
import type { FullRuntime } from '../helpers/full-runtime.ts';
import type { GraphQLResponse } from '../helpers/runtime.ts';

export const ALICE = 'alice-operator-token-5d1f';
export const BOB = 'bob-viewer-token-88ac';
export const UNNAMED = 'unnamed-operator-token-0c2e';

/** Three callers: operator alice, viewer bob, an operator token without a name. */
export function tokenAuth(): Pick<Config, 'auth' | 'secrets'> {
  return {
    auth: {
      mode: 'tokens',
      tokens: new Map([
        [ALICE, { role: 'operator', name: 'alice' }],
        [BOB, { role: 'viewer', name: 'bob' }],
        [UNNAMED, { role: 'operator', name: unnamedTokenName(UNNAMED) }],
      ]),
    },
    secrets: [ALICE, BOB, UNNAMED],
  };
}

/** A document as the caller holding `token`, through yoga.fetch. */
export async function as<T = Record<string, unknown>>(
  t: Pick<FullRuntime, 'runtime'>,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  const res = await t.runtime.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

export interface EntryView {
  id: string;
  at: string;
  actor: { name: string; role: string; via: string };
  operation: string;
  backend: string | null;
  endpoint: string | null;
  arguments: unknown;
  outcome: string;
  errorCode: string | null;
  target: { __typename: string; id: string } | null;
  task: { id: string; startedBy: { name: string; role: string; via: string } | null } | null;
}

export const AUDIT_LOG = `query($actor: String, $operation: String, $since: DateTime, $first: Int, $after: String) {
  auditLog(actor: $actor, operation: $operation, since: $since, first: $first, after: $after) {
    edges { cursor node {
      id at actor { name role via } operation backend endpoint arguments outcome errorCode
      target { __typename id }
      task { id startedBy { name role via } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export type AuditLogResult = {
  auditLog: {
    edges: { cursor: string; node: EntryView }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  } | null;
};
