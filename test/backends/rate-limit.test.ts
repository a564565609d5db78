import { afterEach, describe, expect, it } from 'vitest';
import { ApplianceClient } from '../../src/backends/appliance/client.ts';
import { startApplianceSimulator } from '../../src/backends/appliance/simulator.ts';
import type { ClientOptions } from '../../src/backends/catalog.ts';
import { BackendError } from '../../src/backends/errors.ts';
import { HssClient } from '../../src/backends/hss/client.ts';
import { startHssSimulator } from '../../src/backends/hss/simulator.ts';
import { KorapClient } from '../../src/backends/korap/client.ts';
import { startKorapSimulator } from '../../src/backends/korap/simulator.ts';
import { SdmClient } from '../../src/backends/sdm/client.ts';
import { startSdmSimulator } from '../../src/backends/sdm/simulator.ts';
import type { SimRequest, SimulatorServer } from '../../src/backends/simulator/server.ts';
import { ZstackClient } from '../../src/backends/zstack/client.ts';
import { startZstackSimulator } from '../../src/backends/zstack/simulator.ts';

/**
 * Issue 28 (small points): a vendor's 429 with Retry-After, met by each vendor client's first
 * read, against that vendor's simulator. The read is retried once the wait the header asks for
 * is over; a wait past the operation's deadline (BACKEND_TIMEOUT_MS) is not taken: the read
 * fails at once, BACKEND_UNAVAILABLE, after one request. Waits go to an injected sleep that
 * records them and returns at once: the test reads the delays asked for and counts what each
 * simulator received, no clock involved. The HTTP exchanges are real.
 */

interface Rig {
  readonly server: SimulatorServer;
  /** The read under test: the catalog's plugin list, or the appliance's update list. */
  read(): Promise<unknown>;
  /** The requests of that read (its login excluded). */
  readonly isRead: (req: SimRequest) => boolean;
  close(): Promise<void>;
}

const TIMEOUT_MS = 10_000;
let open: Rig | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

const RIGS: Record<string, (options: ClientOptions) => Promise<Rig>> = {
  sdm: async (options) => {
    const sim = await startSdmSimulator();
    const client = new SdmClient(sim.config(), options);
    return {
      server: sim.server,
      read: () => client.listPlugins(),
      isRead: (r) => r.method === 'GET' && r.path.endsWith('/admin/plugins'),
      close: async () => {
        await client.close();
        await sim.close();
      },
    };
  },
  zstack: async (options) => {
    const sim = await startZstackSimulator();
    const client = new ZstackClient(sim.config(), options);
    return {
      server: sim.server,
      read: () => client.listPlugins(),
      isRead: (r) => r.method === 'GET' && r.path.endsWith('/external/plugins'),
      close: async () => {
        await client.close();
        await sim.close();
      },
    };
  },
  hss: async (options) => {
    const sim = await startHssSimulator({ stepMs: 0 });
    const client = new HssClient(sim.config(), options);
    return {
      server: sim.server,
      read: () => client.listPlugins(),
      isRead: (r) => r.method === 'GET' && r.path.endsWith('/plugins'),
      close: async () => {
        await client.close();
        await sim.close();
      },
    };
  },
  korap: async (options) => {
    const sim = await startKorapSimulator();
    const client = new KorapClient(sim.config(), options);
    return {
      server: sim.server,
      read: () => client.listPlugins(),
      isRead: (r) => r.path.endsWith('/plugins'),
      close: async () => {
        await client.close();
        await sim.close();
      },
    };
  },
  // retrieve-updates is a POST: a read all the same, retried as reads are.
  appliance: async (options) => {
    const sim = await startApplianceSimulator({ installMs: 0 });
    const client = new ApplianceClient(sim.config(), { ...options, retrievePollMs: 5 });
    return {
      server: sim.server,
      read: () => client.listUpdates(),
      isRead: (r) => r.path.endsWith('/actions/retrieve-updates'),
      close: async () => {
        await client.close();
        await sim.close();
      },
    };
  },
};

async function start(vendor: string, timeoutMs = TIMEOUT_MS) {
  const waits: number[] = [];
  const make = RIGS[vendor];
  if (!make) throw new Error(vendor);
  open = await make({
    timeoutMs,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  return { rig: open, waits };
}

/** The vendor's 429 on its next read, asking for `retryAfter`. */
function rateLimit(rig: Rig, retryAfter: string) {
  rig.server.inject(
    { kind: 'status', status: 429, body: '', headers: { 'retry-after': retryAfter } },
    { times: 1, match: rig.isRead },
  );
}

const reads = (rig: Rig) => rig.server.requests.filter(rig.isRead).length;

describe.each(Object.keys(RIGS))('%s: a read answered 429 with Retry-After', (vendor) => {
  it('is retried after the wait the vendor asked for, once', async () => {
    const { rig, waits } = await start(vendor);
    rateLimit(rig, '3');
    await rig.read();
    expect(reads(rig)).toBe(2);
    expect(waits).toEqual([3_000]);
  });

  /** The read's failure: coded BACKEND_UNAVAILABLE, naming the wait asked for. */
  async function refused(rig: Rig, seconds: number) {
    const err = await rig.read().then(
      () => expect.unreachable('the read should have failed'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: vendor, httpStatus: 429 });
    expect((err as Error).message).toContain(`HTTP 429 and asked for a wait of ${seconds} s`);
  }

  it('asking for a wait past the deadline fails at once, BACKEND_UNAVAILABLE, one request', async () => {
    // 5 s: within the bound on any wait (5 s), past this client's 4 s deadline.
    const { rig, waits } = await start(vendor, 4_000);
    rateLimit(rig, '5');
    await refused(rig, 5);
    expect(reads(rig)).toBe(1);
    expect(waits).toEqual([]);
  });

  it('asking for a wait over the bound (5 s) fails at once too, however long the deadline', async () => {
    const { rig, waits } = await start(vendor, 600_000);
    rateLimit(rig, '6');
    await refused(rig, 6);
    expect(reads(rig)).toBe(1);
    expect(waits).toEqual([]);
  });
});

describe('a write answered 429', () => {
  it('is not retried, whatever Retry-After says: one request, BACKEND_UNAVAILABLE', async () => {
    const sim = await startApplianceSimulator({ installMs: 0 });
    const waits: number[] = [];
    const client = new ApplianceClient(sim.config(), {
      timeoutMs: TIMEOUT_MS,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    open = {
      server: sim.server,
      read: () => Promise.resolve(),
      isRead: () => false,
      close: async () => {
        await client.close();
        await sim.close();
      },
    };
    const install = (r: SimRequest) => r.path.endsWith('/actions/install');
    sim.server.inject(
      { kind: 'status', status: 429, body: '', headers: { 'retry-after': '1' } },
      { times: 1, match: install },
    );
    await expect(client.installUpdate('9.0.3.0')).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      httpStatus: 429,
    });
    expect(sim.server.requests.filter(install)).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});
