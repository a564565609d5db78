import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';

/** Every backend configured by its environment variables, as an operator writes them today. */
const ENVIRONMENT = {
  SDM_URL: 'https://sdm:8443/rest',
  SDM_USERNAME: 'sdm-user',
  SDM_PASSWORD: 'sdm-pw',
  ZSTACK_URL: 'http://mn:8080/zstack',
  ZSTACK_ACCOUNT: 'admin',
  ZSTACK_PASSWORD: 'zs-pw',
  HSS_URL: 'https://hss.cn-north-4.myhuaweicloud.com',
  HSS_PROJECT_ID: 'p1',
  HSS_ACCESS_KEY: 'ak',
  HSS_SECRET_KEY: 'sk',
  APPLIANCE_URL: 'https://dr:5480/configure',
  APPLIANCE_USERNAME: 'admin',
  APPLIANCE_PASSWORD: 'dr-pw',
  APPLIANCE_TASK_PATH: '/api/tasks/{id}',
  KORAP_URL: 'http://korap:8089/api/v1.0',
  KORAP_ACCESS_TOKEN: 'korap-token',
  KORAP_SUPER_CLIENT_ID: 'super',
  PLUGIN_GRAPH_AUTH: 'none',
};

describe('endpoints from the environment', () => {
  it("give exactly today's Config.backends, one endpoint per backend named after it", () => {
    const config = loadConfig(ENVIRONMENT);
    const backends = {
      sdm: {
        url: 'https://sdm:8443/rest',
        apiVersion: 'v1.3',
        username: 'sdm-user',
        password: 'sdm-pw',
      },
      zstack: { url: 'http://mn:8080/zstack', account: 'admin', password: 'zs-pw' },
      hss: {
        url: 'https://hss.cn-north-4.myhuaweicloud.com',
        projectId: 'p1',
        enterpriseProjectId: undefined,
        auth: { mode: 'aksk', accessKey: 'ak', secretKey: 'sk' },
      },
      appliance: {
        url: 'https://dr:5480/configure',
        username: 'admin',
        password: 'dr-pw',
        taskPath: '/api/tasks/{id}',
      },
      korap: {
        url: 'http://korap:8089/api/v1.0',
        accessToken: 'korap-token',
        superClientId: 'super',
        superClientSecret: undefined,
      },
    };
    expect(config.backends).toStrictEqual(backends);
    expect(config.endpoints).toStrictEqual(
      Object.entries(backends).map(([backend, settings]) => ({
        name: backend,
        backend,
        source: 'environment',
        origin: `${backend.toUpperCase()}_URL`,
        settings,
      })),
    );
  });

  it('demo mode has none until the simulators start', () => {
    expect(loadConfig({}).endpoints).toEqual([]);
  });
});
