import { afterEach, describe, expect, it } from 'vitest';
import { SDM_FIXTURE } from '../../src/backends/sdm/fixtures.ts';
import { WIRE_LIMITS } from '../../src/backends/wire-limits.ts';
import type { Config } from '../../src/config/index.ts';
import { type FullRuntime, startFullRuntime } from '../helpers/full-runtime.ts';

/**
 * Issue 26.3: a well-formed SDM list whose plug-in name was 20 MB went into the inventory snapshot
 * whole, and every `plugins` query answered 20 MB. A field past its wire bound (wire-limits.ts),
 * or an answer past BACKEND_MAX_RESPONSE_BYTES, makes that answer BACKEND_BAD_RESPONSE: the graph
 * answers small, with the coded error on SDM's field.
 */

const MB = 1024 * 1024;
const QUERY = '{ plugins(backend: SDM, first: 10) { edges { node { nativeId name } } } }';

let t: FullRuntime | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function withName(name: string, config: Partial<Config> = {}): Promise<FullRuntime> {
  const [first, ...rest] = SDM_FIXTURE.plugins;
  if (!first) throw new Error('SDM fixtures have plug-ins');
  return startFullRuntime(config, { sdm: { fixtures: [{ ...first, name }, ...rest] } });
}

async function askPlugins(rt: FullRuntime) {
  const text = await (await rt.post(QUERY)).text();
  return {
    bytes: text.length,
    body: JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] },
  };
}

describe('bounded vendor data', () => {
  it('a 20 MB plug-in name: refused, and `plugins` answers small', async () => {
    // The cap at 2 MiB and a long deadline: with 16 MiB to read first, a busy machine's
    // BACKEND_TIMEOUT came before the cap did (issue 26.7); the outcome, not the speed, is tested.
    t = await withName('N'.repeat(20 * MB), {
      backendMaxResponseBytes: 2 * MB,
      backendTimeoutMs: 15_000,
    });
    const { bytes, body } = await askPlugins(t);
    expect(bytes).toBeLessThan(64 * 1024);
    expect(body.errors?.[0]?.extensions?.code).toBe('BACKEND_BAD_RESPONSE');
  });

  it('a name past its field bound, in an answer well under the byte cap: refused too', async () => {
    t = await withName('N'.repeat(WIRE_LIMITS.short + 1));
    const { bytes, body } = await askPlugins(t);
    expect(bytes).toBeLessThan(64 * 1024);
    expect(body.errors?.[0]?.extensions?.code).toBe('BACKEND_BAD_RESPONSE');
  });

  it('a name at its bound is kept whole', async () => {
    const name = 'N'.repeat(WIRE_LIMITS.short);
    t = await withName(name);
    const { body } = await askPlugins(t);
    expect(body.errors).toBeUndefined();
    expect(JSON.stringify(body)).toContain(name);
  });
});
