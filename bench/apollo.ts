import { type AugmentedRequest, RESTDataSource } from '@apollo/datasource-rest';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

/**
 * The usual alternative for `npm run bench`: the same read written the way most users would,
 * Apollo Server 5 with a RESTDataSource (@apollo/datasource-rest), one per request.
 */

const { HSS_URL = '', HSS_PROJECT_ID = '', HSS_AUTH_TOKEN = '', PORT = '0' } = process.env;

interface WirePlugin {
  readonly code: string;
  readonly name?: string | null;
}

class HssAPI extends RESTDataSource {
  override baseURL = `${HSS_URL}/v5/${HSS_PROJECT_ID}/`;

  protected override willSendRequest(_path: string, request: AugmentedRequest): void {
    request.headers['x-auth-token'] = HSS_AUTH_TOKEN;
  }

  async plugins(): Promise<WirePlugin[]> {
    const body = await this.get<{ data_list?: WirePlugin[] }>('plugins', {
      params: { offset: '0', limit: '200' },
    });
    return body.data_list ?? [];
  }
}

interface Context {
  readonly dataSources: { readonly hss: HssAPI };
}

const server = new ApolloServer<Context>({
  typeDefs: /* GraphQL */ `
    enum Backend { SDM ZSTACK HSS APPLIANCE KORAP }
    type Plugin { name: String! }
    type PluginEdge { node: Plugin! }
    type PluginConnection { edges: [PluginEdge!]! }
    type Query { plugins(backend: Backend): PluginConnection! }
  `,
  resolvers: {
    Query: {
      plugins: async (_root: unknown, _args: unknown, ctx: Context) => ({
        edges: (await ctx.dataSources.hss.plugins()).map((p) => ({
          node: { name: p.name ?? p.code },
        })),
      }),
    },
  },
});

await startStandaloneServer(server, {
  listen: { port: Number(PORT), host: '127.0.0.1' },
  context: async () => ({ dataSources: { hss: new HssAPI() } }),
});
console.log('listening');
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
