import { applianceVersion } from '../backends/appliance/ids.ts';
import { parseId } from '../backends/id-grammar.ts';
import { requireBackend } from '../backends/registry.ts';
import type { Context } from '../context.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Update } from '../domain/model.ts';
import { launchTask, type TaskResult } from './task.ts';

/** Updates the appliance can install (retrieve-updates; the client caches it briefly). */
export function listUpdates(ctx: Context): Promise<Update[]> {
  return requireBackend(ctx.backends, 'appliance').listUpdates();
}

/** The Update loader's batch: one retrieve-updates answers every id of the request. */
export async function updatesByIds(
  ids: readonly string[],
  ctx: Context,
): Promise<(Update | Error)[]> {
  const byVersion = new Map((await listUpdates(ctx)).map((u) => [u.version, u]));
  return ids.map(
    (id) => byVersion.get(id.replace(/^appliance:/, '')) ?? new NotFoundError('Update', id),
  );
}

export async function installUpdate(input: { version: string }, ctx: Context): Promise<TaskResult> {
  const version = parseId(applianceVersion, input.version, ['input', 'version']);
  const appliance = requireBackend(ctx.backends, 'appliance');
  return launchTask(ctx, {
    backend: 'appliance',
    operation: 'INSTALL_UPDATE',
    description: `Install update ${version}`,
    target: { type: 'Update', id: `appliance:${version}` },
    // The appliance installs one update at a time, whichever version.
    lockKey: 'appliance:update-manager:install',
    start: () => appliance.installUpdate(version),
  });
}
