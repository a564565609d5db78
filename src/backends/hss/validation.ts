import { type FieldProblem, ValidationError } from '../../domain/errors.ts';

/** Input of startPlugin / stopPlugin; projectId and enterpriseProjectId override the config. */
export interface HssPluginOperationInput {
  readonly pluginCode: string;
  readonly hostIds?: readonly string[] | null | undefined;
  readonly operateAll?: boolean | null | undefined;
  readonly projectId?: string | null | undefined;
  readonly enterpriseProjectId?: string | null | undefined;
}

/** Length limits HSS documents for StartPlugin / StopPlugin (seed 002). */
export const LIMITS = {
  pluginCode: { min: 1, max: 64 },
  projectId: { min: 1, max: 256 },
  enterpriseProjectId: { min: 1, max: 256 },
  hostId: { min: 1, max: 256 },
} as const;

function lengthProblem(
  field: keyof typeof LIMITS,
  value: string,
  path: readonly string[],
): FieldProblem | undefined {
  const { min, max } = LIMITS[field];
  if (value.length >= min && value.length <= max) return undefined;
  return { path, message: `must be ${min} to ${max} characters` };
}

/** Every problem of the input, in field order; [] when HSS would accept it. */
export function startInputProblems(input: HssPluginOperationInput): FieldProblem[] {
  const problems: (FieldProblem | undefined)[] = [
    lengthProblem('pluginCode', input.pluginCode, ['input', 'pluginCode']),
  ];
  const hostIds = input.hostIds ?? [];
  if (!input.operateAll && hostIds.length === 0) {
    problems.push({ path: ['input', 'hostIds'], message: 'is required unless operateAll is true' });
  }
  hostIds.forEach((id, i) => {
    problems.push(lengthProblem('hostId', id, ['input', 'hostIds', String(i)]));
  });
  if (input.projectId !== undefined && input.projectId !== null) {
    problems.push(lengthProblem('projectId', input.projectId, ['input', 'projectId']));
  }
  if (input.enterpriseProjectId !== undefined && input.enterpriseProjectId !== null) {
    problems.push(
      lengthProblem('enterpriseProjectId', input.enterpriseProjectId, [
        'input',
        'enterpriseProjectId',
      ]),
    );
  }
  return problems.filter((p): p is FieldProblem => p !== undefined);
}

/**
 * Throws ValidationError naming every bad field (paths like ['input', 'pluginCode']) so the
 * resolver can refuse the mutation without calling HSS. Used for stopPlugin too.
 */
export function validateStartInput(input: HssPluginOperationInput): void {
  const problems = startInputProblems(input);
  if (problems.length > 0) throw new ValidationError(problems);
}
