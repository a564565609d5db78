import type { Simulators } from './stack.ts';

/**
 * Write check: every write the appliance and KorAP performed belongs to a task a caller got (no
 * vendor write without a stored task, whatever Redis did meanwhile), and no vendor got a write on
 * a target while an earlier one on it still ran (no write sent twice, whatever answers were lost).
 */

/** Writes never faulted but by a lost answer (another fault may hide a performed write). */
export const COUNTED_WRITES: Record<string, RegExp> = {
  appliance: /\/actions\/install$/,
  korap: /\/plugins\/(un)?install$/,
};

/** Each backend's writes, as the simulator receives them. */
const WRITES: Record<string, { readonly methods: readonly string[]; readonly path: RegExp }> = {
  sdm: { methods: ['POST'], path: /\/admin\/plugins\/[^/]+\/action$/ },
  zstack: { methods: ['PUT', 'DELETE'], path: /\/v1\/external\/plugins(\/[^/]+)?$/ },
  hss: { methods: ['POST'], path: /\/plugins\/attachments\/(start|stop)$/ },
  appliance: { methods: ['POST'], path: COUNTED_WRITES.appliance as RegExp },
  korap: { methods: ['POST'], path: COUNTED_WRITES.korap as RegExp },
};

/** Whether a request a simulator received is one of its backend's writes. */
export function isWrite(backend: string, r: { method: string; path: string }): boolean {
  const write = WRITES[backend];
  return (write?.methods.includes(r.method) ?? false) && (write?.path.test(r.path) ?? false);
}

/** What callers were given a task for, filled in by the mutations and the task check. */
export const writesWithTask = {
  /**
   * The appliance's own ids of the installs callers got a task for: from the mutation's answer,
   * or, when that answer was lost, from the task once it adopted the appliance's install task.
   */
  applianceInstalls: new Set<string>(),
  /** KorAP launches whose answer came: each is one write performed. */
  korapTasks: 0,
  /** KorAP launches whose answer was lost (OUTCOME_UNKNOWN): each is one write, or none. */
  korapMaybe: 0,
};

export interface WriteCheck {
  readonly unmatchedInstalls: readonly string[];
  /** KorAP writes beyond the tasks that may account for them. */
  readonly korapWritesWithoutTask: number;
  /** KorAP tasks whose answer came, beyond the writes KorAP performed. */
  readonly korapTasksWithoutWrite: number;
  /** Writes a vendor got on a target while an earlier write on it still ran (refused busy). */
  readonly duplicatedWrites: { readonly sdm: number; readonly appliance: number };
}

export function checkWrites(sims: Simulators): WriteCheck {
  return {
    unmatchedInstalls: sims.appliance
      .installTaskIds()
      .filter((id) => !writesWithTask.applianceInstalls.has(id)),
    korapWritesWithoutTask: Math.max(
      0,
      sims.korap.writesPerformed() - writesWithTask.korapTasks - writesWithTask.korapMaybe,
    ),
    korapTasksWithoutWrite: Math.max(0, writesWithTask.korapTasks - sims.korap.writesPerformed()),
    duplicatedWrites: {
      sdm: sims.sdm.actionsWhileBusy(),
      appliance: sims.appliance.installsWhileBusy(),
    },
  };
}

export function writeReport(sims: Simulators, check: WriteCheck) {
  return {
    applianceInstalls: sims.appliance.installTaskIds().length,
    installsWithoutTask: check.unmatchedInstalls.length,
    korapWrites: sims.korap.writesPerformed(),
    korapWritesWithoutTask: check.korapWritesWithoutTask,
    korapTasksWithOutcomeUnknown: writesWithTask.korapMaybe,
    duplicatedWrites: check.duplicatedWrites.sdm + check.duplicatedWrites.appliance,
  };
}

export function writeProblems(sims: Simulators, check: WriteCheck): string[] {
  const problems: string[] = [];
  if (check.unmatchedInstalls.length > 0)
    problems.push(`${check.unmatchedInstalls.length} appliance install(s) without a task`);
  if (check.korapWritesWithoutTask !== 0 || check.korapTasksWithoutWrite !== 0)
    problems.push(
      `KorAP performed ${sims.korap.writesPerformed()} writes, callers got ${writesWithTask.korapTasks} tasks (and ${writesWithTask.korapMaybe} whose answer was lost)`,
    );
  const { sdm, appliance } = check.duplicatedWrites;
  if (sdm + appliance > 0)
    problems.push(
      `writes sent while an earlier one on the target ran: ${sdm} SDM action(s), ${appliance} appliance install(s)`,
    );
  return problems;
}
