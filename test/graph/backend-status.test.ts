import { describe, expect, it } from 'vitest';
import { startTestRuntime } from '../helpers/runtime.ts';

describe('backends { latencyMs }', () => {
  it('is the last check in milliseconds, rounded to 0.1 ms', async () => {
    const t = await startTestRuntime();
    try {
      const res = await t.gql<{
        backends: { backend: string; configured: boolean; latencyMs: number | null }[];
      }>('{ backends { backend configured latencyMs } }');
      expect(res.errors).toBeUndefined();
      const appliance = res.data?.backends.find((b) => b.backend === 'APPLIANCE');
      expect(appliance?.configured).toBe(true);
      const latency = appliance?.latencyMs;
      expect(latency).toBeTypeOf('number');
      expect(latency).toBeGreaterThanOrEqual(0);
      // One decimal at most, as JSON prints it: 1.2, not 1.2345678.
      expect(String(latency)).toMatch(/^\d+(\.\d)?$/);
      // Backends not configured have no latency at all.
      expect(res.data?.backends.find((b) => b.backend === 'SDM')?.latencyMs).toBeNull();
    } finally {
      await t.close();
    }
  });
});
