import type { SimInfo } from '../sim.ts';
import { READ_BODY } from './settings.ts';

/** One HTTP request the load generators send over and over. */
export interface Target {
  readonly name: string;
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** The serving process, when the bench started it: its CPU is measured (proc-stats.ts). */
  readonly pid?: number;
}

/** The HSS list call itself, without any GraphQL server: the floor the others are measured on. */
export function directTarget(hss: SimInfo['hss'], pid?: number): Target {
  return {
    name: 'HSS simulator, direct',
    ...(pid === undefined ? {} : { pid }),
    url: hss.url,
    method: 'GET',
    path: `/v5/${hss.projectId}/plugins?offset=0&limit=200`,
    headers: { 'x-auth-token': hss.token },
  };
}

/** The bench's one read (settings.ts READ) as a GraphQL POST to `url`. */
export function graphqlTarget(name: string, url: string, pid?: number): Target {
  return {
    name,
    url,
    ...(pid === undefined ? {} : { pid }),
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: READ_BODY,
  };
}

export async function gql<T>(url: string, query: string, variables?: unknown): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as T;
}
