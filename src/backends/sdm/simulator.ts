import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { SdmConfig } from '../../config/index.ts';
import { empty, Router } from '../simulator/router.ts';
import {
  type SimRequest,
  type SimResponse,
  type SimulatorServer,
  startSimulatorServer,
} from '../simulator/server.ts';
import { isSdmAction, type SdmAction } from './actions.ts';
import { SDM_FIXTURE, type SdmFixtureMember, type SdmFixturePlugin } from './fixtures.ts';
import {
  formatSdmDate,
  parseXml,
  pluginActionDocument,
  renderXml,
  sessionDocument,
  type XmlValue,
} from './wire.ts';

/**
 * Oracle SDM REST on loopback (vendor-apis.md §1): XML under `/rest/{versionId}`, JSESSIONID
 * sessions, plug-in actions that walk the cluster members through a transitional state one
 * member per `stepMs`, one action per plug-in at a time (a second gets 400), `recover` repairing
 * only the first failed member, and 401/404 without a body.
 */

export interface SdmSimulatorOptions {
  /** Time each member takes to finish an action; 0 finishes them at the next request. Default 1000. */
  readonly stepMs?: number;
  /** The `versionId` path segment served; default `v1.3`. */
  readonly apiVersion?: string;
  /** `v1.1` wraps members as `<pluginClusterMembers><pluginClusterMember>`; default follows apiVersion. */
  readonly memberShape?: 'v1.3' | 'v1.1';
  /** Status of an accepted action: 202 (older docs) or 200 (newer); default follows memberShape. */
  readonly actionStatus?: 200 | 202;
  /** Whether Get All Plug-ins carries each plug-in's members; default true. */
  readonly listMembers?: boolean;
  readonly fixtures?: readonly SdmFixturePlugin[];
  readonly username?: string;
  readonly password?: string;
}

/** A plug-in as the simulator holds it (vendor field names: this is the vendor's side). */
export interface SdmSimPlugin extends Omit<SdmFixturePlugin, 'members'> {
  readonly members: SdmFixtureMember[];
  /** The action under way, if any. */
  readonly running: SdmAction | undefined;
}

export interface SdmSimulator {
  /** What goes into SDM_URL: origin plus `/rest` (the version is SDM_API_VERSION). */
  readonly url: string;
  readonly apiVersion: string;
  readonly server: SimulatorServer;
  readonly sessions: ReadonlySet<string>;
  config(): SdmConfig;
  /** A copy of a plug-in's current state, or undefined. */
  plugin(id: string): SdmSimPlugin | undefined;
  /** Forgets every session, as an SDM restart or session timeout does. */
  expireSessions(): void;
  /** Puts a member in FAILED now; a running action stops moving that member. */
  failMember(pluginId: string, ipAddress: string): void;
  /** Sets a member's raw `pluginStatus` (any word, e.g. one the client has never seen). */
  setMemberStatus(pluginId: string, ipAddress: string, pluginStatus: string): void;
  /** Completes every running action now. */
  finishActions(): void;
  /** Actions asked for on a plug-in while one ran on it (refused 400): a write sent twice. */
  actionsWhileBusy(): number;
  close(): Promise<void>;
}

interface Step {
  readonly ipAddress: string;
  readonly target: string;
  readonly at: number;
}

interface SimAction {
  readonly type: SdmAction;
  steps: Step[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface State extends Mutable<Omit<SdmFixturePlugin, 'members'>> {
  members: Mutable<SdmFixtureMember>[];
  action: SimAction | undefined;
}

/** What an action does to a member: which members it takes, through which state, to which. */
const ACTION_RULES: Readonly<
  Record<SdmAction, { readonly from: readonly string[]; readonly via: string; readonly to: string }>
> = {
  install: { from: ['UPLOADED', 'FAILED'], via: 'INSTALLING', to: 'INSTALLED' },
  uninstall: { from: ['INSTALLED', 'FAILED'], via: 'UNINSTALLING', to: 'UPLOADED' },
  replace: { from: ['INSTALLED'], via: 'REPLACING', to: 'INSTALLED' },
  recover: { from: ['FAILED'], via: 'RECOVERING', to: 'INSTALLED' },
};

const XML_TYPE = { 'content-type': 'application/xml' };

function xml(status: number, root: string, value: XmlValue): SimResponse {
  return { status, headers: XML_TYPE, body: renderXml(root, value) };
}

export async function startSdmSimulator(options: SdmSimulatorOptions = {}): Promise<SdmSimulator> {
  const apiVersion = options.apiVersion ?? 'v1.3';
  const shape = options.memberShape ?? (apiVersion === 'v1.1' ? 'v1.1' : 'v1.3');
  const actionStatus = options.actionStatus ?? (shape === 'v1.1' ? 202 : 200);
  const stepMs = options.stepMs ?? 1_000;
  const listMembers = options.listMembers ?? true;
  const username = options.username ?? SDM_FIXTURE.username;
  const password = options.password ?? SDM_FIXTURE.password;
  const plugins = new Map<string, State>(
    (options.fixtures ?? SDM_FIXTURE.plugins).map((p) => [
      p.id,
      { ...p, members: p.members.map((m) => ({ ...m })), action: undefined },
    ]),
  );
  const sessions = new Set<string>();
  let whileBusy = 0;

  const member = (plugin: State, ip: string) => plugin.members.find((m) => m.ipAddress === ip);
  const setStatus = (plugin: State, ip: string, status: string, at = Date.now()) => {
    const m = member(plugin, ip);
    if (!m) return;
    m.pluginStatus = status;
    m.lastModifiedDate = formatSdmDate(new Date(at));
  };

  /** Applies every step whose time has come; state is computed lazily, so no timers leak. */
  const settle = (now = Date.now()) => {
    for (const plugin of plugins.values()) {
      const action = plugin.action;
      if (!action) continue;
      for (const step of action.steps.filter((s) => s.at <= now)) {
        setStatus(plugin, step.ipAddress, step.target, Math.min(step.at, Date.now()));
      }
      action.steps = action.steps.filter((s) => s.at > now);
      if (action.steps.length === 0) plugin.action = undefined;
    }
  };

  const begin = (plugin: State, type: SdmAction) => {
    const rule = ACTION_RULES[type];
    let chosen = plugin.members.filter((m) => rule.from.includes(m.pluginStatus));
    // Vendor rule: recover repairs the first failed member only.
    if (type === 'recover') chosen = chosen.slice(0, 1);
    if (chosen.length === 0) return;
    const now = Date.now();
    for (const m of chosen) setStatus(plugin, m.ipAddress, rule.via, now);
    if (type === 'replace' && plugin.previousVersion === undefined) {
      plugin.previousVersion = plugin.version;
    }
    plugin.action = {
      type,
      steps: chosen.map((m, i) => ({
        ipAddress: m.ipAddress,
        target: rule.to,
        at: now + (i + 1) * stepMs,
      })),
    };
  };

  const sessionOf = (req: SimRequest): string | undefined => {
    const cookie = req.headers.cookie;
    const id = cookie === undefined ? undefined : /(?:^|;\s*)JSESSIONID=([^;]+)/.exec(cookie)?.[1];
    return id !== undefined && sessions.has(id) ? id : undefined;
  };
  const isXml = (req: SimRequest) => /^application\/xml\b/i.test(req.headers['content-type'] ?? '');

  const renderInfo = (p: State, withMembers = true): Record<string, XmlValue | undefined> => {
    const members = p.members.map((m) => ({
      clusterMemberStatus: m.clusterMemberStatus,
      ipAddress: m.ipAddress,
      lastModifiedDate: m.lastModifiedDate,
      pluginStatus: m.pluginStatus,
      uploadedDate: m.uploadedDate,
    }));
    const memberElements = !withMembers
      ? {}
      : shape === 'v1.1'
        ? { pluginClusterMembers: { pluginClusterMember: members } }
        : { clusterMembers: members };
    return {
      ...memberElements,
      description: p.description,
      emPluginAPIVersion: p.emPluginAPIVersion,
      id: p.id,
      name: p.name,
      packageName: p.packageName,
      previousVersion: p.previousVersion,
      product: p.product,
      restPrefixName: p.restPrefixName,
      type: p.type,
      vendor: p.vendor,
      version: p.version,
    };
  };

  const listPlugins = (req: SimRequest): SimResponse => {
    const offset = Number(req.query.get('offset') ?? 0);
    const limit = Number(req.query.get('limit') ?? 50);
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1) {
      return empty(400);
    }
    const page = [...plugins.values()].slice(offset, offset + Math.min(limit, 1_000));
    return xml(200, 'pluginInfos', {
      pageInfo: {
        limitation: String(limit),
        numberOfElements: String(page.length),
        offset: String(offset),
      },
      pluginInfos: page.map((p) => renderInfo(p, listMembers)),
    });
  };

  const performAction = (req: SimRequest, id: string): SimResponse => {
    const plugin = plugins.get(id);
    if (!plugin) return empty(404);
    if (!isXml(req)) return empty(415);
    const parsed = safeXml(req.body, pluginActionDocument);
    // Old docs show `Install`: any case is accepted.
    const type = parsed?.pluginAction.type.trim().toLowerCase();
    if (!isSdmAction(type)) return empty(400);
    if (plugin.action) {
      whileBusy++;
      return empty(400); // one action per plug-in at a time
    }
    begin(plugin, type);
    return empty(actionStatus);
  };

  const authed =
    (handler: (req: SimRequest, params: Readonly<Record<string, string>>) => SimResponse) =>
    (req: SimRequest, params: Readonly<Record<string, string>>): SimResponse =>
      sessionOf(req) === undefined ? empty(401) : handler(req, params);

  const router = new Router(`/rest/${apiVersion}`)
    .on('POST', '/admin/login', (req) => {
      if (!isXml(req)) return empty(415);
      const body = safeXml(req.body, sessionDocument);
      if (!body) return empty(400);
      if (body.session.userName !== username || body.session.password !== password)
        return empty(401);
      const id = randomBytes(16).toString('hex').toUpperCase();
      sessions.add(id);
      return { status: 200, headers: { 'set-cookie': `JSESSIONID=${id}; Path=/rest; HttpOnly` } };
    })
    .on(
      'POST',
      '/admin/logout',
      authed((req) => {
        sessions.delete(sessionOf(req)!);
        return empty(204);
      }),
    )
    .on('GET', '/admin/plugins', authed(listPlugins))
    .on(
      'GET',
      '/admin/plugins/:id',
      authed((_req, { id }) => {
        const plugin = plugins.get(id!);
        return plugin ? xml(200, 'pluginInfo', renderInfo(plugin)) : empty(404);
      }),
    )
    .on(
      'POST',
      '/admin/plugins/:id/action',
      authed((req, { id }) => performAction(req, id!)),
    )
    .on(
      'DELETE',
      '/admin/plugins/:id',
      authed((_req, { id }) => {
        const plugin = plugins.get(id!);
        if (!plugin) return empty(404);
        // Must be uninstalled everywhere first.
        if (plugin.action || plugin.members.some((m) => m.pluginStatus !== 'UPLOADED')) {
          return empty(400);
        }
        plugins.delete(id!);
        return empty(204);
      }),
    );

  const routed = router.handler(() => empty(404));
  const server = await startSimulatorServer((req) => {
    settle();
    return routed(req);
  });

  const url = `${server.origin}/rest`;
  const find = (pluginId: string): State => {
    settle();
    const plugin = plugins.get(pluginId);
    if (!plugin) throw new Error(`no plug-in ${pluginId} in the SDM simulator`);
    return plugin;
  };

  return {
    url,
    apiVersion,
    server,
    sessions,
    config: () => ({ url, apiVersion, username, password }),
    plugin: (id) => {
      settle();
      const p = plugins.get(id);
      if (!p) return undefined;
      const { action, ...rest } = p;
      return { ...rest, members: p.members.map((m) => ({ ...m })), running: action?.type };
    },
    expireSessions: () => sessions.clear(),
    failMember: (pluginId, ipAddress) => {
      const plugin = find(pluginId);
      setStatus(plugin, ipAddress, 'FAILED');
      if (plugin.action) {
        plugin.action.steps = plugin.action.steps.filter((s) => s.ipAddress !== ipAddress);
        if (plugin.action.steps.length === 0) plugin.action = undefined;
      }
    },
    setMemberStatus: (pluginId, ipAddress, pluginStatus) => {
      setStatus(find(pluginId), ipAddress, pluginStatus);
    },
    finishActions: () => settle(Number.POSITIVE_INFINITY),
    actionsWhileBusy: () => whileBusy,
    close: () => server.close(),
  };
}

function safeXml<T extends z.ZodType>(body: string, schema: T): z.output<T> | undefined {
  try {
    const result = schema.safeParse(parseXml(body));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
