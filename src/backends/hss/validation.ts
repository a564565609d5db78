import { type FieldProblem, ValidationError } from '../../domain/errors.ts';
import { type IdGrammar, idProblem } from '../id-grammar.ts';
import {
  HSS_MAX_HOST_IDS,
  hssEnterpriseProjectId,
  hssHostId,
  hssPluginCode,
  hssProjectId,
} from './ids.ts';

/** Input of startPlugin / stopPlugin; projectId and enterpriseProjectId override the config. */
export interface HssPluginOperationInput {
  readonly pluginCode: string;
  readonly hostIds?: readonly string[] | null | undefined;
  readonly operateAll?: boolean | null | undefined;
  readonly projectId?: string | null | undefined;
  readonly enterpriseProjectId?: string | null | undefined;
}

function optional(
  grammar: IdGrammar,
  value: string | null | undefined,
  path: readonly string[],
): FieldProblem | undefined {
  return value === undefined || value === null ? undefined : idProblem(grammar, value, path);
}

/** Every problem of the input, in field order; [] when HSS would accept it. */
export function startInputProblems(input: HssPluginOperationInput): FieldProblem[] {
  const problems: (FieldProblem | undefined)[] = [
    idProblem(hssPluginCode, input.pluginCode, ['input', 'pluginCode']),
  ];
  const hostIds = input.hostIds ?? [];
  if (!input.operateAll && hostIds.length === 0) {
    problems.push({ path: ['input', 'hostIds'], message: 'is required unless operateAll is true' });
  }
  if (hostIds.length > HSS_MAX_HOST_IDS) {
    // One problem for the list, not one per id: 10,000 ids must not make 10,000 problems.
    problems.push({
      path: ['input', 'hostIds'],
      message: `must hold at most ${HSS_MAX_HOST_IDS} host ids (use operateAll for every host)`,
    });
  } else {
    hostIds.forEach((id, i) => {
      problems.push(idProblem(hssHostId, id, ['input', 'hostIds', String(i)]));
    });
  }
  problems.push(optional(hssProjectId, input.projectId, ['input', 'projectId']));
  problems.push(
    optional(hssEnterpriseProjectId, input.enterpriseProjectId, ['input', 'enterpriseProjectId']),
  );
  return problems.filter((p): p is FieldProblem => p !== undefined);
}

declare const validated: unique symbol;

/** Input that passed `validateStartInput`: the client sends it as it is, unchecked. */
export type ValidHssOperation = HssPluginOperationInput & { readonly [validated]: true };

/**
 * The input, checked once: throws ValidationError naming every bad field (paths like
 * ['input', 'pluginCode']), `earlier` problems first (a field named there is not named again), so
 * the mutation is refused without calling HSS. Used for stopPlugin too.
 */
export function validateStartInput(
  input: HssPluginOperationInput,
  earlier: readonly FieldProblem[] = [],
): ValidHssOperation {
  const named = new Set(earlier.map((p) => p.path.join('.')));
  const problems = [
    ...earlier,
    ...startInputProblems(input).filter((p) => !named.has(p.path.join('.'))),
  ];
  if (problems.length > 0) throw new ValidationError(problems);
  return input as ValidHssOperation;
}
