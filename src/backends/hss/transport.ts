import type { HssConfig } from '../../config/index.ts';
import type { HttpMethod, HttpResponse, VendorHttp } from '../http.ts';
import type { Scrubber } from '../scrub.ts';
import type { WriteWitness } from '../write-witness.ts';
import { hssFailure } from './errors.ts';
import { sign } from './signing.ts';

type Query = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A request below `/v5/{project_id}`. */
export interface HssRequest {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operation: string;
  readonly projectId?: string | undefined;
  readonly enterpriseProjectId?: string | undefined;
  readonly query?: Query;
  readonly body?: unknown;
  readonly deadline: number;
  /** A launch's write (http.ts tells it how the attempt ended). */
  readonly write?: WriteWitness | undefined;
}

/**
 * How a request reaches HSS through Huawei's API gateway: the path under `/v5/{project_id}`, the
 * enterprise project, a JSON body, then an AK/SK signature over all of it (or the IAM token).
 * A 2xx answer is returned; any other is thrown as our error (errors.ts).
 */
export class HssTransport {
  private readonly host: string;
  /** The URL's own path prefix: the gateway signs the whole path. */
  private readonly basePath: string;

  constructor(
    private readonly config: HssConfig,
    private readonly http: VendorHttp,
    private readonly scrubber: Scrubber,
  ) {
    const url = new URL(config.url);
    this.host = url.host;
    this.basePath = url.pathname.replace(/\/+$/, '');
  }

  async send(req: HssRequest): Promise<HttpResponse> {
    const path = `/v5/${encodeURIComponent(req.projectId ?? this.config.projectId)}${req.path}`;
    const query = { ...req.query, enterprise_project_id: req.enterpriseProjectId };
    const body = req.body === undefined ? '' : JSON.stringify(req.body);
    const headers: Record<string, string> = { host: this.host };
    if (body !== '') headers['content-type'] = 'application/json;charset=UTF-8';
    const res = await this.http.request({
      method: req.method,
      path,
      query,
      headers: { ...headers, ...this.authHeaders(req.method, path, query, headers, body) },
      ...(body === '' ? {} : { body }),
      operation: req.operation,
      deadline: req.deadline,
      write: req.write,
    });
    if (res.status >= 200 && res.status < 300) return res;
    throw hssFailure(res, req.operation, this.scrubber, this.config.auth.mode);
  }

  private authHeaders(
    method: HttpMethod,
    path: string,
    query: Query,
    headers: Readonly<Record<string, string>>,
    body: string,
  ): Record<string, string> {
    const { auth } = this.config;
    if (auth.mode === 'token') return { 'X-Auth-Token': auth.token };
    return sign({
      method,
      path: this.basePath + path,
      query,
      headers,
      body,
      accessKey: auth.accessKey,
      secretKey: auth.secretKey,
      date: new Date(),
    });
  }
}
