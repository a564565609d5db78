import type { KorapConfig } from '../../config/index.ts';
import { ValidationError } from '../../domain/errors.ts';
import type { Host, Installation, Plugin } from '../../domain/model.ts';
import type { SinglePoller, Started } from '../../tasks/types.ts';
import type { VendorWrite } from '../../tasks/vendor-write.ts';
import type { BackendClient, Catalog, ClientOptions } from '../catalog.ts';
import { BackendError } from '../errors.ts';
import { clientHttp, type HttpResponse, type VendorHttp } from '../http.ts';
import { parseJson } from '../parse.ts';
import { requestOnce } from '../request-once.ts';
import { Scrubber } from '../scrub.ts';
import { mapError } from './errors.ts';
import {
  installedListSchema,
  installedPluginSchema,
  pluginListSchema,
  toInstallation,
  toPlugin,
} from './wire.ts';

/** Input of install / uninstall: the super client defaults from configuration. */
export interface KorapPluginInput {
  readonly clientId: string;
  readonly superClientId?: string | undefined;
  readonly superClientSecret?: string | undefined;
  /**
   * The caller's own KorAP bearer token (KORAP_FORWARD_USER_TOKEN), sent instead of the
   * configured one. Held only for the call: never stored, logged or echoed (scrubbed).
   */
  readonly userToken?: string | undefined;
}

/** The super client one call acts in, and whether the caller (not our config) named it. */
interface SuperClient {
  readonly id: string;
  readonly secret: string | undefined;
  readonly fromCaller: boolean;
}

/** One form POST to the plugin service. */
interface Call {
  readonly path: string;
  readonly operation: string;
  readonly superClient: SuperClient;
  /** Form fields after the super client's two. */
  readonly fields?: Readonly<Record<string, string>>;
  /** The plugin acted on, so errors can name it. */
  readonly clientId?: string;
  /** The list calls are POSTs that change nothing; install and uninstall are never repeated. */
  readonly idempotent?: boolean;
  readonly deadline?: number;
  /** The caller's token instead of the configured one (installs and uninstalls, forwarding on). */
  readonly userToken?: string | undefined;
  /** A launch's write (http.ts tells it how the attempt ended). */
  readonly write?: VendorWrite | undefined;
}

const B = 'korap';

/** Where a ValidationError about the forwarded token points: the request header, not an argument. */
export const USER_TOKEN_PATH = ['headers', 'X-KorAP-Authorization'] as const;

/**
 * KorAP Kustvakt plugin service client (vendor-apis.md §5): every call a form-encoded POST with
 * the user's bearer token and the super client's credentials in the body. No session: the token
 * is configured, so there is nothing to log in to or out of. Install and uninstall are
 * synchronous, so their tasks are born finished.
 */
export class KorapClient implements Catalog, BackendClient {
  private readonly http: VendorHttp;
  private readonly config: KorapConfig;
  private readonly scrubber: Scrubber;

  constructor(config: KorapConfig, options: ClientOptions) {
    if (!config.accessToken) throw new TypeError('korap: accessToken is required');
    this.config = config;
    this.scrubber = new Scrubber([config.accessToken, config.superClientSecret]);
    this.http = clientHttp(B, config.url, options);
  }

  /** Every registered plugin, marked INSTALLED where this user has it in the configured super client. */
  /** KORAP_FORWARD_USER_TOKEN: installs and uninstalls need the caller's KorAP token. */
  get forwardsUserToken(): boolean {
    return this.config.forwardUserToken === true;
  }

  async listPlugins(reads?: object): Promise<Plugin[]> {
    const superClient = this.configuredSuperClient('listPlugins');
    const deadline = this.http.deadline();
    const [plugins, installed] = await Promise.all([
      this.post({
        path: '/plugins',
        operation: 'listPlugins',
        superClient,
        fields: { permitted_only: 'false' },
        deadline,
      }),
      this.installed(superClient, reads, deadline),
    ]);
    const list = parseJson(B, plugins, pluginListSchema, 'plugin list');
    const installedIds = new Set(installed.map((p) => p.client_id));
    return list.map((info) => toPlugin(info, installedIds));
  }

  /** KorAP has no hosts: plugins are installed into super clients. */
  async listHosts(): Promise<Host[]> {
    return [];
  }

  async listInstallations(reads?: object): Promise<Installation[]> {
    const superClient = this.configuredSuperClient('listInstallations');
    return (await this.installed(superClient, reads)).map(toInstallation);
  }

  /** The super client's installed plugins: read once per request (`reads`). */
  private installed(superClient: SuperClient, reads?: object, deadline?: number) {
    return requestOnce(reads, 'korap.installed', async () => {
      const res = await this.post({
        path: '/plugins/installed',
        operation: 'listInstalledPlugins',
        superClient,
        ...(deadline === undefined ? {} : { deadline }),
      });
      return parseJson(B, res, installedListSchema, 'installed plugin list');
    });
  }

  async installPlugin(
    input: KorapPluginInput,
    write?: VendorWrite,
  ): Promise<{ started: Started; installation: Installation }> {
    const superClient = this.superClientFor(input);
    const res = await this.write('/plugins/install', 'installPlugin', input, superClient, write);
    const installation = toInstallation(
      parseJson(B, res, installedPluginSchema, 'installed plugin'),
    );
    return { started: finished(), installation };
  }

  /** KorAP answers 200 with an empty body and revokes the plugin's tokens for this user. */
  async uninstallPlugin(
    input: KorapPluginInput,
    write?: VendorWrite,
  ): Promise<{ started: Started }> {
    const superClient = this.superClientFor(input);
    await this.write('/plugins/uninstall', 'uninstallPlugin', input, superClient, write);
    return { started: finished() };
  }

  /** KorAP calls finish inside the request: nothing to poll. */
  pollers(): Record<string, SinglePoller> {
    return {};
  }

  /** Lists installed plugins: authenticated (token, scope and super client) and cheap. */
  async ping(): Promise<void> {
    const superClient = this.configuredSuperClient('ping');
    const res = await this.post({ path: '/plugins/installed', operation: 'ping', superClient });
    parseJson(B, res, installedListSchema, 'installed plugin list');
  }

  /** No session to end (the bearer token is not ours to revoke): only the pool closes. */
  async close(): Promise<void> {
    await this.http.close();
  }

  // -------------------------------------------------------------------------------------------

  private write(
    path: string,
    operation: string,
    input: KorapPluginInput,
    superClient: SuperClient,
    write: VendorWrite | undefined,
  ) {
    const { clientId } = input;
    const userToken = nonEmpty(input.userToken);
    // Never the service token in the caller's stead: the resolver checks first, this is the backstop.
    if (this.forwardsUserToken && userToken === undefined)
      throw new ValidationError([
        { path: [...USER_TOKEN_PATH], message: 'give your KorAP token: Bearer <token>' },
      ]);
    // An empty client id is sent as absent, so KorAP itself answers 107 (missing parameter).
    const form: Record<string, string> = clientId ? { client_id: clientId } : {};
    return this.post({
      path,
      operation,
      superClient,
      fields: form,
      clientId,
      idempotent: false,
      write,
      ...(this.forwardsUserToken && { userToken }),
    });
  }

  /** Reads (list, list installed) go in the configured super client only. */
  private configuredSuperClient(operation: string): SuperClient {
    const id = nonEmpty(this.config.superClientId);
    if (id === undefined) {
      throw new BackendError(
        'BACKEND_NOT_CONFIGURED',
        B,
        `korap ${operation} needs a super client: set KORAP_SUPER_CLIENT_ID and KORAP_SUPER_CLIENT_SECRET`,
      );
    }
    return { id, secret: nonEmpty(this.config.superClientSecret), fromCaller: false };
  }

  /**
   * The caller's super client, else the configured one. The configured secret is only ever sent
   * with the configured id: a caller naming another super client must bring its own secret.
   */
  private superClientFor(input: KorapPluginInput): SuperClient {
    const callerId = nonEmpty(input.superClientId);
    const callerSecret = nonEmpty(input.superClientSecret);
    const configId = nonEmpty(this.config.superClientId);
    const id = callerId ?? configId;
    if (id === undefined) {
      throw new ValidationError([
        {
          path: ['input', 'superClientId'],
          message: 'give a super client id: none is configured (KORAP_SUPER_CLIENT_ID)',
        },
      ]);
    }
    const usesConfig = id === configId;
    const secret =
      callerSecret ?? (usesConfig ? nonEmpty(this.config.superClientSecret) : undefined);
    return { id, secret, fromCaller: callerSecret !== undefined || !usesConfig };
  }

  private async post(call: Call): Promise<HttpResponse> {
    const { superClient, operation } = call;
    const form = new URLSearchParams({ super_client_id: superClient.id });
    if (superClient.secret !== undefined) form.set('super_client_secret', superClient.secret);
    for (const [name, value] of Object.entries(call.fields ?? {})) form.set(name, value);
    const res = await this.http.request({
      method: 'POST',
      path: call.path,
      operation,
      headers: {
        authorization: `Bearer ${call.userToken ?? this.config.accessToken}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
      idempotent: call.idempotent ?? true,
      write: call.write,
      ...(call.deadline === undefined ? {} : { deadline: call.deadline }),
    });
    if (res.status >= 200 && res.status < 300) return res;
    throw mapError(res, {
      operation,
      superClient,
      ...(call.clientId ? { clientId: call.clientId } : {}),
      // The caller's token joins this call's scrubbing: KorAP may quote what it refused.
      scrubber: call.userToken
        ? new Scrubber([this.config.accessToken, this.config.superClientSecret, call.userToken])
        : this.scrubber,
      callerSecret: superClient.secret,
    });
  }
}

function finished(): Started {
  return { initial: { status: 'SUCCESS', progress: 100, completedAt: new Date() } };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
