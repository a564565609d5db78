import type { BackendCallInfo } from '../../src/backends/http.ts';

/**
 * What a vendor client did, recorded instead of timed: every HTTP attempt it reports (onCall)
 * and every wait between attempts it asks for (sleep, which returns at once). A test that a
 * failure is fast counts these and the requests the simulator received, never milliseconds.
 */
export interface ClientEvents {
  readonly calls: BackendCallInfo[];
  readonly waits: number[];
  /** Spread into the client's options. */
  readonly options: {
    readonly onCall: (info: BackendCallInfo) => void;
    readonly sleep: (ms: number) => Promise<void>;
  };
}

export function clientEvents(): ClientEvents {
  const calls: BackendCallInfo[] = [];
  const waits: number[] = [];
  return {
    calls,
    waits,
    options: {
      onCall: (info) => calls.push(info),
      sleep: async (ms) => {
        waits.push(ms);
      },
    },
  };
}
