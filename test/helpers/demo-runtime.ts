import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.ts';
import { startDemoSimulators } from '../../src/demo/fleet.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';

/** The runtime `npm start` builds with no configuration at all: demo mode over its simulators. */
export interface DemoRuntime {
  readonly runtime: Runtime;
  /** POST a document to /graphql in process, with this Accept (default GraphQL-over-HTTP JSON). */
  post(query: string, variables?: Record<string, unknown>, accept?: string): Promise<Response>;
  close(): Promise<void>;
}

export async function startDemoRuntime(): Promise<DemoRuntime> {
  const demo = await startDemoSimulators();
  const base = loadConfig({});
  if (!base.demo) throw new Error('no configuration should mean demo mode');
  // What src/server.ts does in demo mode.
  const runtime = createRuntime(
    { ...base, backends: demo.backends, endpoints: demo.endpoints },
    pino({ level: 'silent' }),
  );
  return {
    runtime,
    post: async (query, variables = {}, accept = 'application/graphql-response+json') =>
      runtime.app.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({ query, variables }),
      }),
    async close() {
      await runtime.close();
      await demo.close();
    },
  };
}
