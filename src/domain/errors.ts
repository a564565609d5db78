import type { BackendName } from './backend.ts';

/**
 * Domain outcomes a client must branch on (SPEC §5). Backends throw these; the schema exposes
 * them as members of each mutation's result union. Infrastructure failures are BackendError
 * (src/backends/errors.ts), never one of these.
 */
export type DomainErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'NOT_PERMITTED'
  | 'ALREADY_INSTALLED'
  | 'BACKEND_REJECTED';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

export interface FieldProblem {
  readonly path: readonly string[];
  readonly message: string;
}

export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  readonly code = 'VALIDATION';
  constructor(readonly fields: readonly FieldProblem[]) {
    super(`Invalid input: ${fields.map((f) => `${f.path.join('.')}: ${f.message}`).join('; ')}`);
  }
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  readonly code = 'NOT_FOUND';
  constructor(
    readonly what: string,
    readonly id: string,
  ) {
    super(`${what} ${id} was not found`);
  }
}

/** An action already runs on that target; `taskId` is the running task's internal id. */
export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  readonly code = 'CONFLICT';
  constructor(
    message: string,
    readonly taskId: string,
  ) {
    super(message);
  }
}

export class NotPermittedError extends DomainError {
  override readonly name = 'NotPermittedError';
  readonly code = 'NOT_PERMITTED';
  constructor(
    message: string,
    readonly vendorCode?: string,
  ) {
    super(message);
  }
}

export class AlreadyInstalledError extends DomainError {
  override readonly name = 'AlreadyInstalledError';
  readonly code = 'ALREADY_INSTALLED';
  constructor(
    message: string,
    readonly vendorCode?: string,
  ) {
    super(message);
  }
}

/**
 * Any other 4xx the vendor gave: the vendor said no, and its `vendorCode` says why. The message
 * is ours: the vendor's own text may quote what it was sent (SPEC §5).
 */
export class BackendRejectedError extends DomainError {
  override readonly name = 'BackendRejectedError';
  readonly code = 'BACKEND_REJECTED';
  constructor(
    message: string,
    readonly backend: BackendName,
    readonly vendorCode?: string,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}
