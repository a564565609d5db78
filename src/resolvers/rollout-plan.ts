import { randomUUID } from 'node:crypto';
import { callerOf } from '../auth/auth.ts';
import { callerScope } from '../auth/policy.ts';
import { notConfigured } from '../backends/errors.ts';
import type { IdGrammar } from '../backends/id-grammar.ts';
import { korapClientId } from '../backends/korap/ids.ts';
import { sdmPluginId } from '../backends/sdm/ids.ts';
import { zstackUuid } from '../backends/zstack/ids.ts';
import { type FieldProblem, ValidationError } from '../domain/errors.ts';
import type { InstallationStatus } from '../domain/model.ts';
import { parseRate, resolveConcurrency, resolveErrors } from '../rollouts/rates.ts';
import {
  ROLLOUT_FIELDS,
  type RolloutAction,
  type RolloutField,
  type RolloutHeader,
  type RolloutUnit,
} from '../rollouts/types.ts';
import { visibleEndpoint } from './catalog.ts';
import type { Context } from './context.ts';
import { endpointIdArg } from './endpoint-arg.ts';
import { holdsPlugin } from './plans/holds.ts';
import { hssUnitPlaces } from './rollout-hosts.ts';
import { ROLLOUT_BACKENDS, type UnitPlace, unitPlan } from './rollout-unit.ts';
import { listUpdates } from './update.ts';

/** `StartRolloutInput` as GraphQL hands it in. */
export interface StartRolloutInput {
  readonly action: Readonly<Partial<Record<RolloutField, Record<string, unknown> | null>>>;
  readonly endpoints?: readonly string[] | null;
  readonly hostIds?: readonly string[] | null;
  readonly installationStatus?: readonly InstallationStatus[] | null;
  readonly maxConcurrency?: string | null;
  readonly maxErrors?: string | null;
  readonly canary?: number | null;
  readonly pauseAfterCanary?: boolean | null;
  readonly hostsPerUnit?: number | null;
  readonly dryRun?: boolean | null;
}

const problem = (path: string[], message: string) => new ValidationError([{ path, message }]);

/** The one action set, as data; its object ids reduced to native ids (the unit names the endpoint). */
function actionOf(ctx: Context, input: StartRolloutInput): RolloutAction & { carried?: string } {
  const set = ROLLOUT_FIELDS.filter(
    (f) => input.action[f] !== undefined && input.action[f] !== null,
  );
  const [field] = set;
  if (set.length !== 1 || field === undefined)
    throw problem(['input', 'action'], `exactly one field must be set (${set.length} are)`);
  const given = input.action[field] as Record<string, unknown>;
  const fields: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(given))
    fields[key] = value === undefined || value === null ? null : String(value);
  const ids: Partial<Record<RolloutField, [string, string, IdGrammar]>> = {
    performPluginAction: ['pluginId', 'Plugin', sdmPluginId],
    deletePluginDriver: ['pluginId', 'Plugin', zstackUuid],
    installSuperClientPlugin: ['clientId', 'Plugin', korapClientId],
    uninstallSuperClientPlugin: ['clientId', 'Plugin', korapClientId],
  };
  const id = ids[field];
  if (!id) return { field, input: fields };
  const [key, typename, grammar] = id;
  const path = ['input', 'action', field, key];
  const arg = endpointIdArg(
    ctx,
    fields[key] ?? '',
    typename,
    ROLLOUT_BACKENDS[field],
    path,
    grammar,
  );
  const action = { field, input: { ...fields, [key]: arg.nativeId } };
  return arg.endpoint === undefined ? action : { ...action, carried: arg.endpoint };
}

/**
 * The endpoints asked for (each of the action's backend), default all of that backend the
 * caller operates (SPEC §14: a rollout covers only those). A named endpoint the caller does not
 * see is answered as a name nothing is configured under; one it only views is refused here.
 */
function endpointsOf(ctx: Context, input: StartRolloutInput, field: RolloutField): string[] {
  const backend = ROLLOUT_BACKENDS[field];
  const scope = callerScope(ctx);
  if (!input.endpoints) {
    const seen = ctx.endpoints.of(backend).filter((e) => scope.roleOn(e.name) !== undefined);
    if (seen.length === 0) throw notConfigured(backend);
    const operated = seen.filter((e) => scope.roleOn(e.name) === 'operator').map((e) => e.name);
    if (operated.length === 0)
      throw problem(['input', 'endpoints'], `you operate no ${backend.toUpperCase()} endpoint`);
    return operated;
  }
  const problems: FieldProblem[] = [];
  input.endpoints.forEach((name, i) => {
    const endpoint = visibleEndpoint(ctx, name);
    const path = ['input', 'endpoints', String(i)];
    if (!endpoint) problems.push({ path, message: `no endpoint is named ${name}` });
    else if (scope.roleOn(name) !== 'operator')
      problems.push({ path, message: `changing ${name} needs an operator grant on it` });
    else if (endpoint.backend !== backend)
      problems.push({
        path,
        message: `${name} is a ${endpoint.backend.toUpperCase()} endpoint; ${field} acts on ${backend.toUpperCase()}`,
      });
  });
  if (input.endpoints.length === 0)
    problems.push({ path: ['input', 'endpoints'], message: 'empty: name at least one endpoint' });
  if (problems.length > 0) throw new ValidationError(problems);
  return [...new Set(input.endpoints)];
}

/** The rate controls, each `N` or `N%`, against the unit count. */
function rates(input: StartRolloutInput) {
  const problems: FieldProblem[] = [];
  const rate = (key: 'maxConcurrency' | 'maxErrors', fallback: string) => {
    const parsed = parseRate(input[key] ?? fallback);
    if (!parsed) problems.push({ path: ['input', key], message: 'must be "N" or "N%" (0..100%)' });
    return parsed ?? { n: 0, percent: false };
  };
  const concurrency = rate('maxConcurrency', '1');
  const errors = rate('maxErrors', '0');
  const canary = input.canary ?? 0;
  if (canary < 0) problems.push({ path: ['input', 'canary'], message: 'must be 0 or more' });
  const hostsPerUnit = input.hostsPerUnit ?? 50;
  if (hostsPerUnit < 1 || hostsPerUnit > 200)
    problems.push({ path: ['input', 'hostsPerUnit'], message: 'must be 1..200' });
  if (problems.length > 0) throw new ValidationError(problems);
  return { concurrency, errors, canary, hostsPerUnit };
}

/** The endpoints that have what a non-HSS action names; a ValidationError naming them if none. */
async function holdingEndpoints(
  ctx: Context,
  action: RolloutAction & { carried?: string },
  endpoints: readonly string[],
): Promise<string[]> {
  const { field, input } = action;
  const candidates = action.carried ? endpoints.filter((e) => e === action.carried) : endpoints;
  const holds = async (name: string): Promise<boolean> => {
    if (field === 'refreshPluginDrivers') return true;
    if (field === 'installUpdate')
      return (await listUpdates(ctx, { name, backend: 'appliance' })).some(
        (u) => u.version === input.version,
      );
    return holdsPlugin(ctx, input.pluginId ?? input.clientId ?? '')(name);
  };
  const having = (
    await Promise.all(candidates.map(async (e) => ((await holds(e)) ? e : undefined)))
  ).filter((e): e is string => e !== undefined);
  if (having.length > 0) return having;
  const key = Object.keys(input).find((k) => ['version', 'pluginId', 'clientId'].includes(k)) ?? '';
  const what = field === 'installUpdate' ? `offers update ${input.version}` : `has ${input[key]}`;
  throw problem(
    ['input', 'action', field, key],
    `no selected endpoint (${endpoints.join(', ')}) ${what}`,
  );
}

/**
 * `startRollout`'s input to a rollout and its units (SPEC §13), all refusals before any vendor
 * write: each unit's plan is built here once by the mutation's own builder (rollout-unit.ts), so
 * an input the single mutation refuses is refused here, naming its field.
 */
export async function planRollout(
  ctx: Context,
  input: StartRolloutInput,
  maxUnits: number,
): Promise<{ header: RolloutHeader; units: RolloutUnit[] }> {
  const action = actionOf(ctx, input);
  const backend = ROLLOUT_BACKENDS[action.field];
  const endpoints = endpointsOf(ctx, input, action.field);
  const { concurrency, errors, canary, hostsPerUnit } = rates(input);
  if (backend !== 'hss' && (input.hostIds || input.installationStatus))
    throw problem(['input', input.hostIds ? 'hostIds' : 'installationStatus'], 'HSS actions only');
  const places: UnitPlace[] =
    backend === 'hss'
      ? await hssUnitPlaces(ctx, action, endpoints, input, hostsPerUnit)
      : (await holdingEndpoints(ctx, action, endpoints)).map((endpoint) => ({ endpoint }));
  if (places.length > maxUnits)
    throw problem(
      ['input', backend === 'hss' ? 'hostsPerUnit' : 'endpoints'],
      `the plan has ${places.length} units, more than ROLLOUT_MAX_UNITS (${maxUnits})`,
    );
  if (places.length === 0) {
    const field = backend !== 'hss' ? 'action' : input.hostIds ? 'hostIds' : 'installationStatus';
    throw problem(['input', field], 'the plan is empty: no host is in these states');
  }
  const plans = await Promise.all(places.map((place) => unitPlan(ctx, action, place)));
  const units: RolloutUnit[] = places.map((place, index) => ({
    index,
    endpoint: place.endpoint,
    ...(place.hostIds && { hostIds: place.hostIds }),
    targets: place.hostIds
      ? place.hostIds.map((id) => ({ type: 'Host' as const, id: `${place.endpoint}:${id}` }))
      : plans[index]?.target
        ? [plans[index].target]
        : [],
    status: 'PENDING',
  }));
  const caller = callerOf(ctx);
  const now = new Date();
  const header: RolloutHeader = {
    id: randomUUID(),
    backend,
    action: { field: action.field, input: action.input },
    operation: plans[0]?.operation ?? 'START_PLUGIN',
    status: input.dryRun ? 'PLANNED' : 'RUNNING',
    createdAt: now,
    updatedAt: now,
    ...(!input.dryRun && { startedAt: now }),
    ...(caller && { startedBy: { name: caller.name, role: caller.role, via: caller.via } }),
    endpoints: [...new Set(units.map((u) => u.endpoint))],
    total: units.length,
    maxConcurrency: resolveConcurrency(concurrency, units.length),
    maxErrors: resolveErrors(errors, units.length),
    canary: Math.min(canary, units.length),
    pauseAfterCanary: input.pauseAfterCanary ?? false,
    canaryPassed: false,
    revision: 0,
  };
  return { header, units };
}
