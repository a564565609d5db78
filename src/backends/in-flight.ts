/**
 * Coalesces identical reads that are in flight at the same time: the second caller of a key
 * joins the first caller's promise instead of asking the vendor again. Nothing is kept once the
 * call settles, so this is not a cache: a read never returns data older than its own start,
 * except that it may join a read started a moment earlier.
 */
export class InFlight {
  private readonly calls = new Map<string, Promise<unknown>>();

  run<T>(key: string, call: () => Promise<T>): Promise<T> {
    const running = this.calls.get(key) as Promise<T> | undefined;
    if (running) return running;
    const started = call();
    this.calls.set(key, started);
    const forget = () => {
      if (this.calls.get(key) === started) this.calls.delete(key);
    };
    started.then(forget, forget);
    return started;
  }
}

/**
 * Each owner's registry sits on the owner under a private symbol. Not a module-level WeakMap:
 * on Node 20 a long-lived WeakMap's entries survive scavenges (bench/PROFILING.md), and biome's
 * no-module-weakmap plugin refuses one in src/.
 */
const REGISTRY = Symbol('plugin-graph.in-flight');

/** The in-flight registry of one owner (a backend client): keys never mix across clients. */
export function inFlightOf(owner: object): InFlight {
  const slot = owner as { [REGISTRY]?: InFlight };
  slot[REGISTRY] ??= new InFlight();
  return slot[REGISTRY];
}
