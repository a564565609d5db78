import { setTimeout as sleep } from 'node:timers/promises';
import type { Fault } from '../../src/backends/simulator/server.ts';
import { FAULT_EVERY_MS } from './settings.ts';
import type { Simulators } from './stack.ts';
import { bump, counts, pick } from './tally.ts';
import { COUNTED_WRITES, isWrite } from './write-check.ts';

/** Random faults on random backends, each for a few requests or a short while. */
const faultKinds: { name: string; fault?: Fault; expire?: boolean; writes?: true }[] = [
  { name: 'hang', fault: { kind: 'hang' } },
  { name: '5xx', fault: { kind: 'status', status: 503 } },
  { name: 'malformed', fault: { kind: 'malformed' } },
  { name: 'drop', fault: { kind: 'drop' } },
  { name: 'latency', fault: { kind: 'latency', ms: 300 } },
  { name: 'expired-session', expire: true },
  // The vendor acts, then its answer is lost (issue 26.1): on writes only, the counted ones too,
  // since a lost answer must still leave the write its task, and never let it be sent twice.
  { name: 'lost-answer:hang', fault: { kind: 'acted', lost: 'hang' }, writes: true },
  { name: 'lost-answer:drop', fault: { kind: 'acted', lost: 'drop' }, writes: true },
  { name: 'lost-answer:html', fault: { kind: 'acted', lost: 'html' }, writes: true },
];

/** Injects a fault every SOAK_FAULT_EVERY_MS (mean) until `end` or until `lifted` aborts. */
export async function injectVendorFaults(
  sims: Simulators,
  end: number,
  lifted: AbortSignal,
): Promise<void> {
  while (!lifted.aborted && Date.now() < end) {
    await sleep(Math.random() * 2 * FAULT_EVERY_MS);
    if (lifted.aborted) break;
    const backend = pick(Object.keys(sims.all));
    const kind = pick(faultKinds);
    bump(counts.faults, `${backend}:${kind.name}`);
    if (kind.expire) {
      if (backend === 'sdm') sims.sdm.expireSessions();
      else if (backend === 'zstack') sims.zstack.expireSessions();
      else if (backend === 'appliance') sims.appliance.expireSessions();
      continue;
    }
    const sim = sims.all[backend];
    if (!sim || !kind.fault) continue;
    sim.server.inject(kind.fault, {
      times: 1 + Math.floor(Math.random() * 5),
      // Other faults skip the counted writes: one performed unseen (a malformed answer) is not
      // what the write check counts.
      match: kind.writes
        ? (r) => isWrite(backend, r)
        : (r) => !COUNTED_WRITES[backend]?.test(r.path),
    });
  }
}
