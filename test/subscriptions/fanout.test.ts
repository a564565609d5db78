import { describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';
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

/**
 * Poll rounds as they end, each with how many tasks it polled and how many task polls the
 * appliance had received by then: one poller makes exactly one poll per round, counted per
 * round, not per elapsed millisecond (a busy machine delays rounds, it never adds polls).
 */
function pollRounds() {
  const rounds: { tasks: number; polls: number }[] = [];
  let sim: { count(filter: typeof TASK_POLLS): number } | undefined;
  return {
    rounds,
    watch(server: { count(filter: typeof TASK_POLLS): number }) {
      sim = server;
    },
    hooks: {
      onPollRound: (round: { readonly tasks: number }) =>
        rounds.push({ tasks: round.tasks, polls: sim?.count(TASK_POLLS) ?? Number.NaN }),
    },
  };
}

/** Round i (from 0) ended with i + 1 polls received: one poll each, none between rounds. */
function expectOnePollPerRound(rounds: readonly { tasks: number; polls: number }[]): void {
  expect(rounds.length).toBeGreaterThanOrEqual(1);
  expect(rounds).toEqual(rounds.map((_, i) => ({ tasks: 1, polls: i + 1 })));
}

describe('one poller per live task', () => {
  it('50 subscribers on one task: every one completes, and the appliance sees one poller', async () => {
    const log = pollRounds();
    ({ t, http } = await listening({
      appliance: { installMs: 600 },
      config: { taskPollIntervalMs: INTERVAL_MS },
      hooks: log.hooks,
    }));
    log.watch(t.appliance.server);
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

    for (const events of all) {
      expect(events.at(-1)).toMatchObject({ status: 'SUCCESS', progress: 100 });
      expectMonotonic(events);
    }
    const firstPoll = t.appliance.server.requests.find((r) => TASK_POLLS.path.test(r.path))!;
    const pollsOfFirst = { method: 'GET', path: firstPoll.path };
    const after = t.appliance.server.count(pollsOfFirst);
    expect(after).toBeGreaterThanOrEqual(1);

    // Polling stopped at the terminal state. The proof of that absence is a later event: the
    // first poll round of a second task. Had the first still been followed, that round would
    // have polled it too (both are of one kind): two tasks in the round, its polls counted.
    const second = await t.gql<{ installUpdate: { task: { id: string } } }>(INSTALL, {
      version: '9.1.0.0',
    });
    expect(second.data?.installUpdate.task.id).toBeTruthy();
    const total = t.appliance.server.count(TASK_POLLS);
    await waitFor(() => log.rounds.some((r) => r.polls > total), "the second task's first round");
    expect(t.appliance.server.count(pollsOfFirst)).toBe(after);
    // One poller: every round, with 50 subscribers or none, asked once for one task.
    expectOnePollPerRound(log.rounds);
  });

  it('polls no more with 50 subscribers than one poller can (1 and 50 compared)', async () => {
    const roundsWith = async (subscribers: number) => {
      const log = pollRounds();
      const rt = await startTestRuntime({
        appliance: { installMs: 400 },
        config: { taskPollIntervalMs: INTERVAL_MS },
        hooks: log.hooks,
      });
      log.watch(rt.appliance.server);
      const server = await listen(rt.runtime.app);
      try {
        const res = await rt.gql<{ installUpdate: { task: { id: string } } }>(INSTALL, {
          version: '9.0.3.0',
        });
        const id = res.data!.installUpdate.task.id;
        await Promise.all(Array.from({ length: subscribers }, () => followSse(server.url, id)));
        const polls = rt.appliance.server.count(TASK_POLLS);
        // Compared per round, not per run: one poll each, however many watch (the last round may
        // still be ending when the subscribers have their last event: at most one poll ahead).
        expectOnePollPerRound(log.rounds);
        expect(polls).toBeLessThanOrEqual(log.rounds.length + 1);
        return log.rounds;
      } finally {
        await server.close();
        await rt.close();
      }
    };
    expect((await roundsWith(1)).length).toBeGreaterThanOrEqual(1);
    expect((await roundsWith(50)).length).toBeGreaterThanOrEqual(1);
  });
});
