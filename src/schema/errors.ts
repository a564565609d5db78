import {
  AlreadyInstalledError,
  BackendRejectedError,
  ConflictError,
  type DomainError,
  type DomainErrorCode,
  type FieldProblem,
  NotFoundError,
  NotPermittedError,
  ValidationError,
} from '../domain/errors.ts';
import { runningTask } from '../resolvers/task.ts';
import { builder } from './builder.ts';
import { BackendEnum } from './enums.ts';
import { TaskRef } from './task.ts';

/**
 * SPEC §5 domain outcomes: union members of each mutation result, all implementing `Error`.
 * Only these classes are caught by the errors plugin; anything else stays a (masked) error.
 */
const ERROR_CODES: readonly DomainErrorCode[] = [
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'NOT_PERMITTED',
  'ALREADY_INSTALLED',
  'BACKEND_REJECTED',
];
export const ErrorCodeEnum = builder.enumType('ErrorCode', { values: ERROR_CODES });

export const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  description: 'A domain outcome the client should branch on',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.field({ type: ErrorCodeEnum, resolve: (e) => e.code }),
  }),
});

const FieldProblemRef = builder.objectRef<FieldProblem>('FieldProblem').implement({
  fields: (t) => ({
    path: t.exposeStringList('path', {
      description: 'Path of the offending argument, e.g. ["input","pluginCode"]',
    }),
    message: t.exposeString('message'),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ValidationError,
  fields: (t) => ({ fields: t.field({ type: [FieldProblemRef], resolve: (e) => [...e.fields] }) }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof NotFoundError,
  fields: (t) => ({ id: t.exposeString('id', { description: 'The id that was not found' }) }),
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'An action already runs on that target; nothing was sent to the backend',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ConflictError,
  fields: (t) => ({
    task: t.field({
      type: TaskRef,
      description: 'The running task',
      // Non-null so that `task` selections merge with each payload's `task: Task!`.
      resolve: (e, _args, ctx) => runningTask(ctx, e.taskId),
    }),
  }),
});

builder.objectType(NotPermittedError, {
  name: 'NotPermittedError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof NotPermittedError,
  fields: (t) => ({ vendorCode: t.exposeString('vendorCode', { nullable: true }) }),
});

builder.objectType(AlreadyInstalledError, {
  name: 'AlreadyInstalledError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof AlreadyInstalledError,
  fields: (t) => ({ vendorCode: t.exposeString('vendorCode', { nullable: true }) }),
});

builder.objectType(BackendRejectedError, {
  name: 'BackendRejectedError',
  description: 'The vendor refused the request (a 4xx) and said why',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof BackendRejectedError,
  fields: (t) => ({
    backend: t.field({ type: BackendEnum, resolve: (e) => e.backend }),
    vendorCode: t.exposeString('vendorCode', { nullable: true }),
  }),
});
