import { HssClient, type HssClientOptions } from '../../../src/backends/hss/client.ts';
import { sign } from '../../../src/backends/hss/signing.ts';
import {
  type HssSimulator,
  type HssSimulatorOptions,
  startHssSimulator,
} from '../../../src/backends/hss/simulator.ts';
import type { HssConfig } from '../../../src/config/index.ts';

export interface Rig {
  readonly sim: HssSimulator;
  readonly client: HssClient;
  close(): Promise<void>;
}

/** A simulator and a client pointed at it; `mode` picks AK/SK (default) or token config. */
export async function rig(
  simOptions: HssSimulatorOptions = {},
  clientOptions: Partial<HssClientOptions> & {
    mode?: 'aksk' | 'token';
    config?: Partial<HssConfig>;
  } = {},
): Promise<Rig> {
  const sim = await startHssSimulator({ stepMs: 0, ...simOptions });
  const { mode, config, ...options } = clientOptions;
  const base = mode === 'token' ? sim.tokenConfig() : sim.config();
  const client = new HssClient({ ...base, ...config }, { timeoutMs: 2_000, ...options });
  return {
    sim,
    client,
    close: async () => {
      await client.close();
      await sim.close();
    },
  };
}

export interface RawCall {
  readonly method?: 'GET' | 'POST';
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly body?: string;
  readonly date?: Date;
  /** Rewrites the signed headers before sending: the tampering under test. */
  readonly tamper?: (headers: Record<string, string>) => Record<string, string>;
  /** Sent instead of the signed body. */
  readonly sentBody?: string;
}

/** A request signed by hand, so tests can break exactly one thing the gateway checks. */
export async function rawSigned(
  sim: HssSimulator,
  call: RawCall,
): Promise<{ status: number; body: unknown }> {
  const cfg = sim.config();
  if (cfg.auth.mode !== 'aksk') throw new Error('AK/SK config expected');
  const url = new URL(call.path, sim.url);
  for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
  const method = call.method ?? 'GET';
  const body = call.body ?? '';
  const headers: Record<string, string> = { host: url.host };
  if (body) headers['content-type'] = 'application/json';
  const auth = sign({
    method,
    path: url.pathname,
    query: call.query ?? {},
    headers,
    body,
    accessKey: cfg.auth.accessKey,
    secretKey: cfg.auth.secretKey,
    date: call.date ?? new Date(),
  });
  const all: Record<string, string> = { ...headers, ...auth };
  const { host: _host, ...sent } = call.tamper ? call.tamper(all) : all;
  const payload = call.sentBody ?? body;
  const res = await fetch(url, { method, headers: sent, ...(payload ? { body: payload } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
