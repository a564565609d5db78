import { EventEmitter, once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

/**
 * A local OpenID provider on 127.0.0.1:0: its discovery document and JWKS over real HTTP, keys
 * that can be rotated, and jose-signed tokens. Counts the requests each document received.
 */
export interface TestIdp {
  readonly issuer: string;
  readonly jwksUrl: string;
  /** Requests received per path (`/.well-known/openid-configuration`, `/jwks`). */
  readonly requests: Map<string, number>;
  /** A token signed with the served key `kid` (default: the first), claims merged over defaults. */
  sign(claims?: JWTPayload, options?: SignOptions): Promise<string>;
  /** A new key pair; `serve: true` puts it in the JWKS (a rotation), false keeps it unpublished. */
  addKey(kid: string, serve: boolean): Promise<void>;
  /** Stops serving a key (the end of a rotation). */
  retireKey(kid: string): void;
  /** The public key `kid` as PEM text (for the HS256 key-confusion attack). */
  publicPem(kid: string): Promise<string>;
  /** The discovery document answers 503 while true. */
  discoveryDown: boolean;
  /**
   * How discovery and JWKS requests are answered: `ok`; `error`, 500; `hang`, never (held until
   * the client gives up or the IdP closes); `huge`, a 50 MB body streamed as the reader takes it.
   */
  mode: IdpMode;
  /** Requests held now by `hang`. */
  readonly held: () => number;
  /**
   * Emits `aborted` with the path when a client closes a request before its answer ended (a
   * deadline, or a size cap, reached on the client's side).
   */
  readonly events: EventEmitter;
  /** Discovery and JWKS requests received in all. */
  fetches(): number;
  close(): Promise<void>;
}

export type IdpMode = 'ok' | 'error' | 'hang' | 'huge';

const DOCUMENTS = ['/.well-known/openid-configuration', '/jwks'];
const HUGE_BYTES = 50 * 1024 * 1024;

export interface SignOptions {
  readonly kid?: string;
  /** Seconds from now; default 300; null: no `exp` claim. */
  readonly expiresIn?: number | null;
  readonly audience?: string;
  readonly issuer?: string;
  readonly subject?: string;
}

export const TEST_AUDIENCE = 'plugin-graph-test';

interface Key {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
  served: boolean;
}

export async function startTestIdp(): Promise<TestIdp> {
  const keys = new Map<string, Key>();
  const requests = new Map<string, number>();
  const events = new EventEmitter();
  let held = 0;
  let issuer = '';
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.set(path, (requests.get(path) ?? 0) + 1);
    res.on('close', () => {
      if (!res.writableFinished) events.emit('aborted', path);
    });
    res.setHeader('content-type', 'application/json');
    if (DOCUMENTS.includes(path) && idp.mode !== 'ok') {
      misbehave(idp.mode, res);
      return;
    }
    if (path === '/.well-known/openid-configuration') {
      if (idp.discoveryDown) {
        res.writeHead(503).end('{}');
        return;
      }
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (path === '/jwks') {
      const served = [...keys.values()].filter((key) => key.served).map((key) => key.jwk);
      res.end(JSON.stringify({ keys: served }));
    } else res.writeHead(404).end('{}');
  });
  function misbehave(mode: IdpMode, res: ServerResponse) {
    if (mode === 'error') res.writeHead(500).end('{"error":"server_error"}');
    else if (mode === 'hang') {
      held++;
      res.on('close', () => held--);
    } else streamHuge(res);
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function addKey(kid: string, serve: boolean) {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    keys.set(kid, { privateKey, publicKey, jwk, served: serve });
  }
  await addKey('key-1', true);

  const idp: TestIdp = {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    requests,
    discoveryDown: false,
    mode: 'ok',
    held: () => held,
    events,
    fetches: () => DOCUMENTS.reduce((sum, path) => sum + (requests.get(path) ?? 0), 0),
    addKey,
    retireKey(kid) {
      const key = keys.get(kid);
      if (key) key.served = false;
    },
    async publicPem(kid) {
      const key = keys.get(kid);
      if (!key) throw new Error(`no key ${kid}`);
      const spki = Buffer.from(await crypto.subtle.exportKey('spki', key.publicKey));
      const body = spki.toString('base64').replace(/(.{64})/g, '$1\n');
      return `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`;
    },
    async sign(claims = {}, options = {}) {
      const kid = options.kid ?? 'key-1';
      const key = keys.get(kid);
      if (!key) throw new Error(`no key ${kid}`);
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT({ roles: ['operator'], ...claims })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? TEST_AUDIENCE)
        .setSubject(options.subject ?? 'alice')
        .setIssuedAt(now);
      if (options.expiresIn !== null) jwt.setExpirationTime(now + (options.expiresIn ?? 300));
      return jwt.sign(key.privateKey);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return idp;
}

/** A JSON body of 50 MB, chunked (no Content-Length), written only as fast as it is read. */
function streamHuge(res: ServerResponse) {
  res.write('{"keys":[],"padding":"');
  const chunk = 'A'.repeat(64 * 1024);
  let sent = 0;
  const more = () => {
    while (sent < HUGE_BYTES && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    if (!res.destroyed) res.end('"}');
  };
  more();
}
