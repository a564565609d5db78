import type { BackendName } from '../domain/backend.ts';
import { MUTATION_EXAMPLES } from './mutation.ts';
// Every mutation registers its example when its schema module loads.
import './index.ts';

const READS = `query Backends {
  backends { backend endpoint configured reachable latencyMs errorCode breaker }
}

query AllPlugins {
  plugins(first: 50) {
    edges { node { id backend nativeId name status vendorStatus observedAt installations { edges { node { status vendorStatus host { name address } } } } } }
    pageInfo { hasNextPage endCursor }
  }
}

query Hosts {
  hosts(first: 50) { edges { node { id backend name address status installations { edges { node { plugin { name } status } } } } } }
}

query Updates {
  updates { id endpoint version type severity rebootRequired summary }
}

query Tasks {
  tasks(first: 20) {
    edges { node { id backend operation status progress createdAt completedAt error { code message } target { id } } }
  }
}`;

const FOLLOW = `# A task's latest state. With Variables empty: the task the last mutation run in this browser
# tab returned (the page remembers it); for another, set Variables to { "id": "…" } with a task's
# \`id\` from any result.
query Task($id: ID!) {
  task(id: $id) { id operation status progress startedAt completedAt error { code message details } }
}

# Follow a task live (SSE). With Variables empty: the task the last mutation run in this browser
# tab returned; for another, set Variables to { "id": "…" } with a task's \`id\` from any result.
# The current state comes at once, then every change; it completes when the task ends.
subscription TaskProgress($id: ID!) {
  taskProgress(id: $id) { id operation status progress updatedAt completedAt error { code message } }
}`;

const ROLLOUTS = `# A rollout: start EDR on every HSS host of both regions (hss,
# hss-ap) where it is installed and stopped (in the demo, hss-ap's
# one: hss's EDR hosts run, are offline or failed), one host per
# unit, 2 units at a time, the first unit alone as a canary. Follow it with
# RolloutProgress (Variables: { "id": "…" }, the rollout's id).
mutation StartRollout {
  startRollout(input: {
    action: { startPlugin: { pluginCode: "edr" } }
    installationStatus: [STOPPED], hostsPerUnit: 1, maxConcurrency: "2", maxErrors: "1", canary: 1
  }) {
    __typename
    ... on StartRolloutPayload {
      rollout { id status maxConcurrency counts { total pending running }
        units(first: 20) { edges { node { index endpoint status targets { id } } } } }
    }
    ... on ValidationError { fields { path message } }
  }
}

# The plan only (dryRun: nothing is sent): update 9.0.4.0 on
# every appliance (appliance, appliance-dr) that offers it.
mutation PlanUpdateRollout {
  startRollout(input: {
    action: { installUpdate: { version: "9.0.4.0" } }
    endpoints: ["appliance", "appliance-dr"], dryRun: true
  }) {
    __typename
    ... on StartRolloutPayload { rollout { id status units { edges { node { endpoint } } } } }
    ... on ValidationError { fields { path message } }
  }
}

# Pause, resume or cancel it: Variables { "id": "…" } and
# one of "pause", "resume", "cancel" set to true.
mutation ControlRollout($id: ID!, $pause: Boolean = false,
  $resume: Boolean = false, $cancel: Boolean = false) {
  pauseRollout(input: { id: $id }) @include(if: $pause) {
    ... on PauseRolloutPayload { rollout { status } }
  }
  resumeRollout(input: { id: $id }) @include(if: $resume) {
    ... on ResumeRolloutPayload { rollout { status } }
  }
  cancelRollout(input: { id: $id }) @include(if: $cancel) {
    ... on CancelRolloutPayload { rollout { status counts { cancelled } } }
  }
}

subscription RolloutProgress($id: ID!) {
  rolloutProgress(id: $id) {
    id status haltedBecause counts { total pending running succeeded failed }
  }
}`;

const BACKEND_LABELS: Readonly<Record<BackendName, string>> = {
  sdm: 'SDM',
  zstack: 'ZStack',
  hss: 'HSS',
  appliance: 'appliance',
  korap: 'KorAP',
};

const names = (text: string): string[] =>
  [...text.matchAll(/^(?:query|mutation|subscription) (\w+)/gm)].map((m) => m[1] ?? '');

/** The contents comment: every example by name, in document order, mutations by backend. */
function contents(): string {
  const byBackend = new Map<BackendName, string[]>();
  for (const example of MUTATION_EXAMPLES) {
    byBackend.set(example.backend, [
      ...(byBackend.get(example.backend) ?? []),
      ...names(example.text),
    ]);
  }
  const [task, progress] = names(FOLLOW);
  return [
    '# plugin-graph examples, top to bottom; run one from the',
    '# menu of the run button (▶):',
    `#   read: ${names(READS).join(', ')}`,
    ...[...byBackend].map(
      ([backend, list]) => `#   ${BACKEND_LABELS[backend]}: ${list.join(', ')}`,
    ),
    `#   rollouts: ${names(ROLLOUTS).join(', ')}`,
    `#   follow a task: ${task}, ${progress} (with Variables`,
    '#     empty, the task of the last mutation run here)',
    '# Ids are opaque global ids (copy them from results);',
    '# mutations also take vendor-native ids. The demo is a',
    '# fleet: hss and hss-ap, appliance and appliance-dr;',
    '# a native id names its endpoint (endpoint: "hss").',
  ].join('\n');
}

/**
 * The document GraphiQL opens with (SPEC §3): an example for every query, mutation (each declared
 * beside its field: schema/mutation.ts `example`) and the subscription, runnable as is against
 * demo mode's fixtures. Pick one with the run button's menu; the contents comment names them all,
 * so none is missed where the menu would scroll. It stays under 60 columns where it can: GraphiQL's
 * editor pane is half the window.
 */
export const GRAPHIQL_EXAMPLES = `${[contents(), READS, ...MUTATION_EXAMPLES.map((e) => e.text), ROLLOUTS, FOLLOW].join('\n\n')}\n`;
