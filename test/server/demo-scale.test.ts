import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { configProblems as problems } from '../helpers/config-problems.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

/** Issue 17: `npm start` with SIMULATOR_SCALE serves a generated fleet (demo mode only). */

describe('SIMULATOR_SCALE configuration', () => {
  it('is parsed in demo mode', () => {
    expect(loadConfig({ SIMULATOR_SCALE: 'hosts:2000,pageLatencyMs:5' }).simulatorScale).toEqual({
      hosts: 2_000,
      plugins: 5,
      sdmPlugins: 5,
      members: 3,
      pageLatencyMs: 5,
      seed: 1,
    });
  });

  it('a bad value is a problem naming the variable, and outside demo mode it is refused', () => {
    const bad = problems({ SIMULATOR_SCALE: 'hosts:lots' });
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/^SIMULATOR_SCALE: "hosts" must be an integer/);
    const outside = problems({
      SIMULATOR_SCALE: 'hosts:10',
      KORAP_URL: 'http://korap:8089/api/v1.0',
      PLUGIN_GRAPH_AUTH: 'none',
    });
    expect(outside.some((p) => p.startsWith('SIMULATOR_SCALE:'))).toBe(true);
  });
});

describe('a demo server with SIMULATOR_SCALE', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess(
      { SIMULATOR_SCALE: 'hosts:2000,plugins:8,members:40' },
      30_000,
    );
  });
  afterAll(async () => {
    server?.proc.kill('SIGTERM');
    await server?.exited;
  });

  async function gql<T>(query: string): Promise<{ data?: T; errors?: unknown[] }> {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as { data?: T; errors?: unknown[] };
  }

  interface Hosts {
    hosts: {
      edges: { node: { name: string; endpoint: string } }[];
      pageInfo: { hasNextPage: boolean };
      failures: unknown[];
    };
  }

  it('answers hosts(first: 20) over the generated fleet', async () => {
    const all = await gql<Hosts>(
      '{ hosts(first: 20) { edges { node { name endpoint } } pageInfo { hasNextPage } failures { code } } }',
    );
    expect(all.errors).toBeUndefined();
    expect(all.data?.hosts.edges).toHaveLength(20);
    expect(all.data?.hosts.pageInfo.hasNextPage).toBe(true);
    expect(all.data?.hosts.failures).toEqual([]);

    const hss = await gql<Hosts>(
      '{ hosts(endpoint: "hss", first: 20) { edges { node { name endpoint } } pageInfo { hasNextPage } failures { code } } }',
    );
    expect(hss.errors).toBeUndefined();
    const names = hss.data?.hosts.edges.map((e) => e.node.name) ?? [];
    expect(names).toHaveLength(20);
    expect(names.every((n) => /^ecs-fleet-\d{6}$/.test(n))).toBe(true);
    expect(hss.data?.hosts.pageInfo.hasNextPage).toBe(true);
  });
});
