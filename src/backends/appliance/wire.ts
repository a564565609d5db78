import { z } from 'zod';
import type { Update } from '../../domain/model.ts';
import type { TaskObservation } from '../../tasks/types.ts';
import { distinctBy } from '../rows.ts';
import { detailText, longText, shortText } from '../wire-limits.ts';

/**
 * The appliance configuration API's bodies (vendor-apis.md §4). Vendor field names stop here.
 * Older API versions send times as strings and `error` as a serialized Java exception: both are
 * accepted. Strings are bounded (wire-limits.ts): one past its bound makes the answer
 * BACKEND_BAD_RESPONSE.
 */

export const sessionBody = z.object({ session_id: shortText.min(1) });

/** Epoch milliseconds (current API) or a string: digits or an ISO date (older API versions). */
const vendorTime = z.union([z.number(), shortText]).transform((v, ctx) => {
  const date = typeof v === 'number' || /^\d+$/.test(v) ? new Date(Number(v)) : new Date(v);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'not a time' });
    return z.NEVER;
  }
  return date;
});

const taskError = z.union([
  z.object({ message: detailText.optional(), details: detailText.optional() }),
  // e.g. "com.vmware.vim.vmomi.core.exception.InternalException: disk full"
  detailText.transform((text) => ({ message: text, details: undefined })),
]);

export const taskBody = z.object({
  id: shortText.optional(),
  description: longText.optional(),
  type: shortText.optional(),
  status: z.enum(['QUEUED', 'RUNNING', 'SUCCESS', 'ERROR', 'CANCELLED']),
  error: taskError.nullish(),
  result: z.unknown().optional(),
  progress: z.number().min(0).max(100).nullish(),
  start_time: vendorTime.nullish(),
  complete_time: vendorTime.nullish(),
});
export type TaskBody = z.output<typeof taskBody>;

/** The update item shape is unpublished (vendor-apis.md: guess); everything but version is optional. */
const updateItem = z.object({
  version: shortText.min(1),
  type: shortText.nullish(),
  severity: shortText.nullish(),
  release_date: vendorTime.nullish(),
  reboot_required: z.boolean().nullish(),
  summary: longText.nullish(),
});

/** retrieve-updates result: `{ updates: [...] }` or a bare list; each version once. */
export const updatesResult = z
  .union([
    z.object({ updates: z.array(updateItem) }).transform((r) => r.updates),
    z.array(updateItem),
  ])
  .transform((items) => distinctBy(items, (u) => u.version));

export const responseError = z.object({
  error_code: shortText.optional(),
  message: detailText.optional(),
  op_id: shortText.optional(),
});

export function toUpdate(item: z.output<typeof updateItem>): Update {
  return {
    version: item.version,
    type: item.type ?? undefined,
    severity: item.severity ?? undefined,
    releaseDate: item.release_date ?? undefined,
    rebootRequired: item.reboot_required ?? undefined,
    summary: item.summary ?? undefined,
  };
}

export function toObservation(task: TaskBody): TaskObservation {
  return {
    status: task.status,
    progress: task.progress ?? undefined,
    description: task.description,
    startedAt: task.start_time ?? undefined,
    completedAt: task.complete_time ?? undefined,
    error:
      task.status === 'ERROR'
        ? {
            code: 'APPLIANCE_TASK_FAILED',
            message: task.error?.message ?? 'The appliance task failed',
            details: task.error?.details,
          }
        : undefined,
  };
}
