import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from './helpers/runtime.ts';

let t: TestRuntime;
beforeAll(async () => {
  t = await startTestRuntime();
});
afterAll(() => t.close());

describe('GraphQL over HTTP (graphql-http audit)', () => {
  for (const audit of serverAudits({
    url: 'http://localhost/graphql',
    fetchFn: (input: RequestInfo | URL, init?: RequestInit) =>
      t.runtime.app.fetch(input as URL, init ?? {}),
  })) {
    it(audit.name, async () => {
      const result = await audit.fn();
      // Every MUST holds; SHOULD/MAY results are reported by name but do not fail the build.
      if (audit.name.startsWith('MUST'))
        expect(result, 'reason' in result ? result.reason : '').toMatchObject({ status: 'ok' });
    });
  }
});
