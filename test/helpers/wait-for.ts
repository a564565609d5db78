/** How `waitFor` probes; every field has a default, so most calls pass none. */
export interface WaitOptions {
  /**
   * Safety bound in ms (default 15 s): a net for a wait that will never end, not an assertion.
   * A busy 2-core machine may take long to get there; only a test that hangs should reach it.
   */
  readonly withinMs?: number;
  /** Pause between probes in ms (default 10). */
  readonly everyMs?: number;
  /** What was there instead, read once when the bound is reached and quoted in the failure. */
  readonly seen?: () => unknown;
}

/**
 * The one way a test waits for a condition it cannot await as an event: re-runs `probe` until it
 * returns a value other than `undefined` or `false`, and resolves with that value. A probe that
 * throws ends the wait at once with its error (an assertion inside a probe is not retried).
 * Past the bound it fails with a message naming `what` ("the task to end", "two polls").
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  { withinMs = 15_000, everyMs = 10, seen }: WaitOptions = {},
): Promise<T> {
  const bound = Date.now() + withinMs;
  for (let probes = 1; ; probes++) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > bound) {
      const instead = seen === undefined ? '' : `; seen instead:\n${show(await seen())}`;
      throw new Error(`waited ${withinMs} ms (${probes} probes) for ${what}${instead}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : String(JSON.stringify(value, null, 2));
}
