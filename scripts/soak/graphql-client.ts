import { OPERATOR } from './settings.ts';
import { bump, counts } from './tally.ts';

export interface GqlResult {
  data?: Record<string, unknown> | null;
  errors?: { extensions?: { code?: string } }[];
}

/** One GraphQL request as a scenario makes it; undefined when the request itself failed. */
export type Gql = (
  operation: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
) => Promise<GqlResult | undefined>;

/** POSTs to the server, counting requests, HTTP statuses and error codes; never throws. */
export function graphqlClient(url: string): Gql {
  return async (operation, query, variables, token = OPERATOR) => {
    counts.requests++;
    bump(counts.byOperation, operation);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(15_000),
      });
      bump(counts.http, res.status);
      const body = (await res.json()) as GqlResult;
      for (const e of body.errors ?? []) bump(counts.errorsByCode, e.extensions?.code ?? 'NONE');
      return body;
    } catch (err) {
      bump(counts.errorsByCode, `CLIENT_${(err as Error).name}`);
      return undefined;
    }
  };
}
