import type { Simulators } from './stack.ts';

/**
 * Write check: every write the appliance and KorAP performed belongs to a task a caller got (no
 * vendor write without a stored task, whatever Redis did meanwhile).
 */

/** Writes never faulted (a faulted one may be performed unseen): each must be matched to a task. */
export const COUNTED_WRITES: Record<string, RegExp> = {
  appliance: /\/actions\/install$/,
  korap: /\/plugins\/(un)?install$/,
};

/** What callers were given a task for, filled in by the mutations. */
export const writesWithTask = {
  /** The appliance's own ids of the installs callers got a task for. */
  applianceInstalls: new Set<string>(),
  korapTasks: 0,
};

export interface WriteCheck {
  readonly unmatchedInstalls: readonly string[];
  readonly korapWritesWithoutTask: number;
}

export function checkWrites(sims: Simulators): WriteCheck {
  return {
    unmatchedInstalls: sims.appliance
      .installTaskIds()
      .filter((id) => !writesWithTask.applianceInstalls.has(id)),
    korapWritesWithoutTask: sims.korap.writesPerformed() - writesWithTask.korapTasks,
  };
}

export function writeReport(sims: Simulators, check: WriteCheck) {
  return {
    applianceInstalls: sims.appliance.installTaskIds().length,
    installsWithoutTask: check.unmatchedInstalls.length,
    korapWrites: sims.korap.writesPerformed(),
    korapWritesWithoutTask: check.korapWritesWithoutTask,
  };
}

export function writeProblems(sims: Simulators, check: WriteCheck): string[] {
  const problems: string[] = [];
  if (check.unmatchedInstalls.length > 0)
    problems.push(`${check.unmatchedInstalls.length} appliance install(s) without a task`);
  if (check.korapWritesWithoutTask !== 0)
    problems.push(
      `KorAP performed ${sims.korap.writesPerformed()} writes, callers got ${writesWithTask.korapTasks} tasks`,
    );
  return problems;
}
