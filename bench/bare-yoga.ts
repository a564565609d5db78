import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import { Pool } from 'undici';

/**
 * The limit of our stack for `npm run bench`: the same read as plugin-graph's
 * `plugins(backend: HSS) { edges { node { name } } }`, one graphql-yoga resolver calling the
 * HSS simulator through one undici Pool. No auth, limits, logs, loaders or error mapping.
 * BARE_FROM_MEMORY=1: the list is read once at start and every request answers it from memory,
 * the ceiling of graphql-yoga itself on this document (plugin-graph answers from its snapshot).
 */

const {
  HSS_URL = '',
  HSS_PROJECT_ID = '',
  HSS_AUTH_TOKEN = '',
  PORT = '0',
  BARE_FROM_MEMORY = '',
} = process.env;
const pool = new Pool(HSS_URL, { connections: 16 });
const path = `/v5/${HSS_PROJECT_ID}/plugins?offset=0&limit=200`;

interface WirePlugin {
  readonly code: string;
  readonly name?: string | null;
}

async function readPlugins() {
  const res = await pool.request({
    method: 'GET',
    path,
    headers: { 'x-auth-token': HSS_AUTH_TOKEN },
  });
  const body = (await res.body.json()) as { data_list?: WirePlugin[] };
  return {
    edges: (body.data_list ?? []).map((p) => ({ node: { name: p.name ?? p.code } })),
  };
}

const inMemory = BARE_FROM_MEMORY === '1' ? await readPlugins() : undefined;

const yoga = createYoga({
  schema: createSchema({
    typeDefs: /* GraphQL */ `
      enum Backend { SDM ZSTACK HSS APPLIANCE KORAP }
      type Plugin { name: String! }
      type PluginEdge { node: Plugin! }
      type PluginConnection { edges: [PluginEdge!]! }
      type Query { plugins(backend: Backend): PluginConnection! }
    `,
    resolvers: {
      Query: {
        plugins: () => inMemory ?? readPlugins(),
      },
    },
  }),
  logging: false,
  graphiql: false,
  landingPage: false,
});

const server = createServer(yoga);
server.listen(Number(PORT), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
