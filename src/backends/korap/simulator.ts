import { setTimeout as sleep } from 'node:timers/promises';
import type { KorapConfig } from '../../config/index.ts';
import { empty, json, Router } from '../simulator/router.ts';
import {
  type SimRequest,
  type SimResponse,
  type SimulatorServer,
  startSimulatorServer,
} from '../simulator/server.ts';
import {
  type FixtureClient,
  type FixtureUser,
  KORAP_FIXTURE,
  type KorapFixtures,
} from './fixtures.ts';
import { javaZoned } from './zoned-date-time.ts';

/**
 * KorAP Kustvakt's plugin service on loopback (vendor-apis.md §5): form-encoded POSTs, user
 * bearer tokens with scopes, super client verification, plugins that admins permit, installs
 * unique per (user, plugin, super client), and both error body formats. Checks run in the
 * server's order: token, scope, super client, client, permitted, installed.
 */

export interface KorapSimulatorOptions {
  readonly fixtures?: KorapFixtures;
  /** Path before the API; KORAP_URL includes it. Default `/api/v1.0`. */
  readonly prefix?: string;
  /** Delay before install / uninstall answer (they are synchronous in KorAP); default 0. */
  readonly stepMs?: number;
  /** Zone the server prints `installed_date` in, Java style. Default `Europe/Berlin`. */
  readonly zone?: string;
}

export interface SimInstallation {
  readonly username: string;
  readonly clientId: string;
  readonly superClientId: string;
  readonly installedAt: Date;
}

interface SimUser {
  readonly username: string;
  scopes: Set<string>;
  /** Why the token no longer works, if it does not. */
  invalid?: 'revoked' | 'expired';
}

export interface KorapSimulator {
  /** KORAP_URL: origin plus prefix. */
  readonly url: string;
  readonly server: SimulatorServer;
  /** Installs and uninstalls performed (answered 200): the writes this KorAP did. */
  writesPerformed(): number;
  /** Valid token (user `demo` unless named) and the fixture super client. */
  config(username?: string): KorapConfig;
  addUser(user: FixtureUser): void;
  /** The token is rejected from now on (2011). */
  revokeToken(token: string): void;
  /** Like revokeToken, with Kustvakt's expiry wording. */
  expireToken(token: string): void;
  setScopes(token: string, scopes: readonly string[]): void;
  addClient(client: FixtureClient): void;
  /** What the administrators' review does. */
  setPermitted(clientId: string, permitted?: boolean): void;
  installations(filter?: { username?: string; superClientId?: string }): SimInstallation[];
  /** Seeds an installation without a request. */
  install(installation: Omit<SimInstallation, 'installedAt'> & { installedAt?: Date }): void;
  close(): Promise<void>;
}

/** Kustvakt's OAuth2 scopes for the plugin service; `all` grants every one. */
const SCOPES = {
  list: 'list_user_client',
  install: 'install_user_client',
  uninstall: 'uninstall_user_client',
} as const;

const JSON_TYPE = { 'content-type': 'application/json;charset=utf-8' };
const FORM_TYPE = 'application/x-www-form-urlencoded';

export async function startKorapSimulator(
  options: KorapSimulatorOptions = {},
): Promise<KorapSimulator> {
  const fixtures = options.fixtures ?? KORAP_FIXTURE;
  const prefix = options.prefix ?? '/api/v1.0';
  const zone = options.zone ?? 'Europe/Berlin';
  const stepMs = options.stepMs ?? 0;
  const users = new Map<string, SimUser>();
  const clients = new Map<string, FixtureClient>();
  const installs: SimInstallation[] = [];
  let performed = 0;

  const addUser = (u: FixtureUser) =>
    users.set(u.token, { username: u.username, scopes: new Set(u.scopes) });
  const addClient = (c: FixtureClient) => clients.set(c.id, { ...c });
  fixtures.users.forEach(addUser);
  fixtures.clients.forEach(addClient);
  for (const i of fixtures.installations)
    installs.push({ ...i, installedAt: new Date(i.installedAt) });

  const findInstall = (username: string, clientId: string, superClientId: string) =>
    installs.findIndex(
      (i) =>
        i.username === username && i.clientId === clientId && i.superClientId === superClientId,
    );
  const installedDto = (i: SimInstallation) => {
    const c = clients.get(i.clientId);
    return dropEmpty({
      client_id: i.clientId,
      super_client_id: i.superClientId,
      name: c?.name,
      description: c?.description,
      url: c?.url,
      installed_date: javaZoned(i.installedAt, zone),
    });
  };

  /** Token, scope, then super client: the checks every plugin call starts with. */
  const authorize = (
    req: SimRequest,
    scope: string,
  ): { user: SimUser; form: URLSearchParams } | SimResponse => {
    const user = bearerUser(req, users);
    if (!user || user.invalid) {
      const why =
        user?.invalid === 'expired' ? 'Access token is expired' : 'Access token is invalid';
      return kustvaktError(401, 2011, why);
    }
    if (!user.scopes.has('all') && !user.scopes.has(scope)) {
      return kustvaktError(401, 2010, `Scope ${scope} is not authorized`);
    }
    const form = new URLSearchParams(req.body);
    const denied = verifySuperClient(form, clients);
    return denied ?? { user, form };
  };

  const router = new Router(prefix)
    .on('POST', '/plugins', (req) => {
      const auth = authorize(req, SCOPES.list);
      if ('status' in auth) return auth;
      const permittedOnly = auth.form.get('permitted_only') === 'true';
      const list = [...clients.values()]
        .filter(
          (c) => c.source !== undefined && !c.super && (!permittedOnly || c.permitted === true),
        )
        .sort(byName)
        .map((c) => pluginDto(c, auth.user.username, zone));
      return json(200, list, JSON_TYPE);
    })
    .on('POST', '/plugins/installed', (req) => {
      const auth = authorize(req, SCOPES.list);
      if ('status' in auth) return auth;
      const superClientId = auth.form.get('super_client_id')!;
      const list = installs
        .filter((i) => i.username === auth.user.username && i.superClientId === superClientId)
        .sort((a, b) => byName(clients.get(a.clientId), clients.get(b.clientId)))
        .map(installedDto);
      return json(200, list, JSON_TYPE);
    })
    .on('POST', '/plugins/install', async (req) => {
      const auth = authorize(req, SCOPES.install);
      if ('status' in auth) return auth;
      const superClientId = auth.form.get('super_client_id')!;
      const clientId = auth.form.get('client_id');
      if (clientId === null) return kustvaktError(400, 107, 'client_id is null', 'client_id');
      const client = clients.get(clientId);
      if (!client) return oauthError(401, 'invalid_client', `Unknown client: ${clientId}`);
      if (client.permitted !== true)
        return kustvaktError(400, 1850, 'Plugin is not permitted', clientId);
      if (findInstall(auth.user.username, clientId, superClientId) >= 0) {
        return kustvaktError(400, 1851, 'Plugin has been installed', clientId);
      }
      await sleep(stepMs);
      const installation = {
        username: auth.user.username,
        clientId,
        superClientId,
        installedAt: new Date(),
      };
      installs.push(installation);
      performed++;
      return json(200, installedDto(installation), JSON_TYPE);
    })
    .on('POST', '/plugins/uninstall', async (req) => {
      const auth = authorize(req, SCOPES.uninstall);
      if ('status' in auth) return auth;
      const superClientId = auth.form.get('super_client_id')!;
      const clientId = auth.form.get('client_id');
      if (clientId === null) return kustvaktError(400, 107, 'client_id is null', 'client_id');
      const index = findInstall(auth.user.username, clientId, superClientId);
      if (index < 0) return kustvaktError(404, 114, 'Plugin is not found', clientId);
      await sleep(stepMs);
      installs.splice(index, 1);
      performed++;
      return empty(200);
    });

  // JAX-RS refuses another media type before any filter runs: 415 comes first.
  const handler = router.handler(() => empty(404));
  const server = await startSimulatorServer((req) =>
    req.method === 'POST' && !isForm(req) ? empty(415) : handler(req),
  );
  const url = server.origin + prefix;

  const userOf = (token: string) => {
    const user = users.get(token);
    if (!user) throw new Error(`no such token in the korap simulator`);
    return user;
  };

  return {
    url,
    server,
    config: (username = 'demo') => {
      const user = fixtures.users.find((u) => u.username === username) ?? fixtures.users[0];
      return {
        url,
        accessToken: user?.token ?? '',
        superClientId: fixtures.superClientId,
        superClientSecret: fixtures.superClientSecret,
      };
    },
    addUser,
    writesPerformed: () => performed,
    revokeToken: (token) => {
      userOf(token).invalid = 'revoked';
    },
    expireToken: (token) => {
      userOf(token).invalid = 'expired';
    },
    setScopes: (token, scopes) => {
      userOf(token).scopes = new Set(scopes);
    },
    addClient,
    setPermitted: (clientId, permitted = true) => {
      const client = clients.get(clientId);
      if (!client) throw new Error(`no client ${clientId} in the korap simulator`);
      clients.set(clientId, { ...client, permitted });
    },
    installations: (filter = {}) =>
      installs.filter(
        (i) =>
          (filter.username === undefined || i.username === filter.username) &&
          (filter.superClientId === undefined || i.superClientId === filter.superClientId),
      ),
    install: (i) => {
      installs.push({ ...i, installedAt: i.installedAt ?? new Date() });
    },
    close: () => server.close(),
  };
}

function isForm(req: SimRequest): boolean {
  const type = req.headers['content-type'];
  return typeof type === 'string' && type.split(';')[0]!.trim().toLowerCase() === FORM_TYPE;
}

function bearerUser(req: SimRequest, users: ReadonlyMap<string, SimUser>): SimUser | undefined {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? users.get(match[1]!) : undefined;
}

/** Kustvakt's OAuth2ClientService.verifySuperClient, with its exact answers. */
function verifySuperClient(
  form: URLSearchParams,
  clients: ReadonlyMap<string, FixtureClient>,
): SimResponse | undefined {
  const id = form.get('super_client_id');
  if (!id) return oauthError(400, 'invalid_request', 'Missing parameter: super_client_id');
  const client = clients.get(id);
  if (!client) return oauthError(401, 'invalid_client', `Unknown client: ${id}`);
  const secret = form.get('super_client_secret');
  if (!secret) {
    if (client.type === 'CONFIDENTIAL') {
      return oauthError(400, 'invalid_request', 'Missing parameter: super_client_secret');
    }
  } else if (!client.secret) {
    if (client.type === 'CONFIDENTIAL') {
      return oauthError(401, 'invalid_client', 'super_client_secret was not registered');
    }
  } else if (secret !== client.secret) {
    return oauthError(401, 'invalid_client', 'Invalid super_client credentials');
  }
  if (!client.super) {
    return oauthError(
      401,
      'unauthorized_client',
      'Only super client is allowed to use this service',
    );
  }
  return undefined;
}

function pluginDto(c: FixtureClient, username: string, zone: string): Record<string, unknown> {
  // Kustvakt shows registration details to the plugin's owner only.
  const owner = c.registeredBy === username;
  return dropEmpty({
    client_id: c.id,
    client_name: c.name,
    client_type: c.type,
    client_description: c.description,
    client_url: c.url,
    permitted: c.permitted === true,
    source: c.source,
    registered_by: owner ? c.registeredBy : undefined,
    registration_date: owner ? javaZoned(new Date(c.registeredAt), zone) : undefined,
  });
}

function byName(a: FixtureClient | undefined, b: FixtureClient | undefined): number {
  return (a?.name ?? '').localeCompare(b?.name ?? '');
}

/** Jackson NON_EMPTY: absent fields are left out, not sent as null. */
function dropEmpty(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== ''));
}

function kustvaktError(
  status: number,
  code: number,
  message: string,
  ...args: string[]
): SimResponse {
  return json(status, { errors: [[code, message, ...args]] }, JSON_TYPE);
}

function oauthError(status: number, error: string, description: string): SimResponse {
  return json(status, { error, error_description: description }, JSON_TYPE);
}
