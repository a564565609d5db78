import { randomUUID } from 'node:crypto';
import { getOperationAST, type OperationDefinitionNode } from 'graphql';
import { isAsyncIterable, type Plugin as YogaPlugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { callerOf } from '../auth/auth.ts';
import { currentRequestScope } from '../request/scope.ts';
import { requestSlot } from '../request/slot.ts';
import { operationNameLabel, UNAUTHENTICATED_OPERATION } from './bounded.ts';
import { errorCodes, type Metrics } from './metrics.ts';
import { serveMetrics } from './metrics-route.ts';

interface RequestState {
  readonly id: string;
  readonly started: number;
  /** `operationName` as sent (bounded: bounded.ts), for requests refused before execution. */
  sent?: string;
  /** Who asked, once authenticated: the request line names them (never their token). */
  caller?: { readonly name: string; readonly role: string; readonly via: string };
  readonly operations: {
    /** Bounded (bounded.ts): what the log line says. */
    name: string;
    type: string;
    codes: string[];
    /** Past authentication: only then does the operation get a series of its own name. */
    admitted: boolean;
  }[];
}

/** Header a caller (or a proxy) may set to correlate logs; echoed on the response. */
const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * `/metrics` (unauthenticated, like /healthz), one `graphql request` log line per request
 * (request id, operation names, duration, error codes; never variables or headers) and the
 * request/error counters. Open subscriptions are counted by LiveSubscriptions
 * (http/live-subscriptions.ts). Operation names are caller input read before authentication:
 * bounded before they are logged or counted, and a request that was not authenticated is
 * counted under `unauthenticated`, never under a name it chose (issue 25).
 */
export function useObservability(metrics: Metrics, logger: Logger): YogaPlugin {
  const requests = requestSlot<RequestState>('plugin-graph.request');
  /** The operation each execution ran, by its context (the same object in onExecutionResult). */
  const executed = requestSlot<OperationDefinitionNode | undefined>('plugin-graph.operation');
  const stateOf = (request: Request | undefined) =>
    request === undefined ? undefined : requests.get(request);
  const scrape = serveMetrics(metrics, logger);
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname === '/metrics') {
        endResponse(await scrape(fetchAPI));
        return;
      }
      const given = request.headers.get(REQUEST_ID_HEADER);
      const id = given !== null && REQUEST_ID.test(given) ? given : randomUUID();
      requests.set(request, { id, started: performance.now(), operations: [] });
      // The Node listener's scope for this request: the lines it causes carry the id.
      const scope = currentRequestScope();
      if (scope) scope.reqId = id;
    },
    onParams({ request, params }) {
      const state = stateOf(request);
      if (state && params.operationName) state.sent = operationNameLabel(params.operationName);
    },
    onExecute({ args }) {
      executed.set(args.contextValue as object, operationAst(args.document, args.operationName));
    },
    onExecutionResult({ request, result, context }) {
      const state = stateOf(request);
      if (!state) return;
      // Parse and validation failures never execute: the name is then what the client sent.
      const ast = executed.get(context);
      const sent = (context as { params?: { operationName?: unknown } }).params?.operationName;
      const codes = isAsyncIterable(result) ? [] : errorCodes(result);
      state.caller ??= callerOf(context);
      state.operations.push({
        name: operationNameLabel(ast?.name?.value ?? sent),
        type: ast?.operation ?? 'unknown',
        codes,
        // Yoga gets here only once every onParams hook, useAuth's among them, let the request
        // through; an UNAUTHENTICATED answer from a later check was not admitted either.
        admitted: !codes.includes('UNAUTHENTICATED'),
      });
    },
    onSubscribe({ args }) {
      // The stream itself is counted by LiveSubscriptions (http/live-subscriptions.ts).
      executed.set(args.contextValue as object, operationAst(args.document, args.operationName));
    },
    onResultProcess({ request, result }) {
      // Refused before execution (401 from onParams, an unparseable body): count it all the same.
      const state = stateOf(request);
      if (!state || state.operations.length > 0 || Array.isArray(result)) return;
      state.operations.push({
        name: state.sent ?? operationNameLabel(undefined),
        type: 'unknown',
        codes: isAsyncIterable(result) ? [] : errorCodes(result),
        admitted: false,
      });
    },
    onResponse({ request, response }) {
      const state = stateOf(request);
      if (!state) return;
      if (state.operations.length === 0) return; // GraphiQL page, CORS preflight, 4xx before params
      const seconds = (performance.now() - state.started) / 1000;
      for (const op of state.operations)
        metrics.operation(
          op.admitted ? op.name : UNAUTHENTICATED_OPERATION,
          op.type,
          seconds,
          op.codes,
        );
      try {
        response.headers.set(REQUEST_ID_HEADER, state.id);
      } catch {
        // Immutable headers (a Response made elsewhere): the id is still in the log line.
      }
      if (!logger.isLevelEnabled('info')) return;
      const [first] = state.operations;
      const codes = state.operations.flatMap((op) => op.codes);
      logger.info(
        {
          reqId: state.id,
          ...(state.caller && {
            caller: { name: state.caller.name, role: state.caller.role, via: state.caller.via },
          }),
          operationName: first?.name,
          operationType: first?.type,
          ...(state.operations.length > 1 ? { batch: state.operations.length } : {}),
          status: response.status,
          durationMs: Math.round(seconds * 1e6) / 1e3,
          ...(codes.length ? { errorCodes: [...new Set(codes)] } : {}),
        },
        'graphql request',
      );
    },
  };
}

/**
 * A parsed document's operations by name, kept on the document itself (Yoga's parser cache hands
 * back the same object for a source), not in a module-level WeakMap (bench/PROFILING.md).
 */
const operationsOf = requestSlot<Map<string, OperationDefinitionNode | null>>(
  'plugin-graph.operations-by-name',
);

function operationAst(
  document: object | undefined,
  operationName: string | null | undefined,
): OperationDefinitionNode | undefined {
  if (!document) return undefined;
  let byName = operationsOf.get(document);
  if (!byName) {
    byName = new Map();
    if (Object.isExtensible(document)) operationsOf.set(document, byName); // else: no cache
  }
  const key = operationName ?? '';
  let op = byName.get(key);
  if (op === undefined) {
    op = getOperationAST(document as Parameters<typeof getOperationAST>[0], operationName) ?? null;
    byName.set(key, op);
  }
  return op ?? undefined;
}
