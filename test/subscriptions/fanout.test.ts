import { describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import {
  expectMonotonic,
  followSse,
  followWs,
  INSTALL,
  type Listening,
  listen,
  listening,
} from './helpers.ts';

/** The running test's runtime and socket (listening() closes them when it ends). */
let t: TestRuntime;
let http: Listening;

const INTERVAL_MS = 25;
const TASK_POLLS = { method: 'GET', path: /^\/tasks\// };

describe('one poller per live task', () => {
  it('50 subscribers on one task: every one completes, and the appliance sees one poller', async () => {
    ({ t, http } = await listening({
      appliance: { installMs: 600 },
      config: { taskPollIntervalMs: INTERVAL_MS },
    }));
    const started = Date.now();
    const res = await t.gql<{ installUpdate: { task: { id: string } } }>(INSTALL, {
      version: '9.0.3.0',
    });
    const id = res.data!.installUpdate.task.id;
    const { url, wsUrl } = http;
    // Half over SSE (one HTTP connection each), half over WebSocket (one socket each).
    const runs = Array.from({ length: 50 }, (_, i) =>
      i % 2 === 0 ? followSse(url, id) : followWs(wsUrl, id),
    );
    const all = await Promise.all(runs);
    const elapsed = Date.now() - started;

    for (const events of all) {
      expect(events.at(-1)).toMatchObject({ status: 'SUCCESS', progress: 100 });
      expectMonotonic(events);
    }
    // One poller waits an interval after each poll: at most elapsed / interval polls (+1 for
    // rounding). 50 pollers would have made ~50 times as many. A busy machine only lengthens
    // `elapsed` and delays polls, so this bound never fails for want of speed; no lower bound
    // on the count is asserted (it would measure the machine, issue 26.7).
    const polls = t.appliance.server.count(TASK_POLLS);
    expect(polls).toBeGreaterThanOrEqual(1);
    expect(polls).toBeLessThanOrEqual(Math.ceil(elapsed / INTERVAL_MS) + 1);
    // And polling stopped at the terminal state.
    const after = t.appliance.server.count(TASK_POLLS);
    await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS)); // bounded: proves an absence
    expect(t.appliance.server.count(TASK_POLLS)).toBe(after);
  });

  it('polls no more with 50 subscribers than one poller can (1 and 50 compared)', async () => {
    const pollsWith = async (subscribers: number) => {
      const rt = await startTestRuntime({
        appliance: { installMs: 400 },
        config: { taskPollIntervalMs: INTERVAL_MS },
      });
      const server = await listen(rt.runtime.app);
      try {
        const res = await rt.gql<{ installUpdate: { task: { id: string } } }>(INSTALL, {
          version: '9.0.3.0',
        });
        const id = res.data!.installUpdate.task.id;
        const started = Date.now();
        await Promise.all(Array.from({ length: subscribers }, () => followSse(server.url, id)));
        const polls = rt.appliance.server.count(TASK_POLLS);
        // Each run against the most one poller could make in its own time (a slow run only
        // widens it): comparing two runs' counts measured the machine's load between them.
        expect(polls).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / INTERVAL_MS) + 2);
        return polls;
      } finally {
        await server.close();
        await rt.close();
      }
    };
    expect(await pollsWith(1)).toBeGreaterThanOrEqual(1);
    expect(await pollsWith(50)).toBeGreaterThanOrEqual(1);
  });
});
