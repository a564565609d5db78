/**
 * The document GraphiQL opens with (SPEC §3): an example for every query, mutation and the
 * subscription, runnable as is against demo mode's fixtures. Pick one with the run button's menu;
 * the contents comment names them all, so none is missed where the menu would scroll. It stays
 * under 60 columns: GraphiQL's editor pane is half the window.
 */
export const GRAPHIQL_EXAMPLES = `# plugin-graph examples, top to bottom; run one from the
# menu of the run button (▶):
#   read: Backends, AllPlugins, Hosts, Updates, Tasks
#   SDM: SdmInstallPlugin
#   ZStack: ZstackDeleteDriver, ZstackRefreshDrivers
#   HSS: HssStartPlugin, HssStopPlugin
#   appliance: InstallUpdate
#   KorAP: KorapInstallPlugin, KorapUninstallPlugin
#   follow a task: Task, TaskProgress (with Variables
#     empty, the task of the last mutation run here)
# Ids are opaque global ids (copy them from results);
# mutations also take vendor-native ids. The demo is a
# fleet: hss and hss-ap, appliance and appliance-dr;
# a native id names its endpoint (endpoint: "hss").

query Backends {
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
}

# SDM: install an uploaded plug-in on every cluster member (run it twice quickly: ConflictError).
mutation SdmInstallPlugin {
  performPluginAction(input: { pluginId: "ID7", action: INSTALL }) {
    __typename
    ... on PerformPluginActionPayload { task { id status progress } plugin { name status } }
    ... on ConflictError { code message task { id status } }
    ... on Error { code message }
  }
}

# ZStack: soft-delete the prometheus driver (ENFORCING removes it), then refresh to bring it back.
mutation ZstackDeleteDriver {
  deletePluginDriver(input: { pluginId: "e90949fe5ddd3e68a4646b97b812f905", deleteMode: PERMISSIVE }) {
    __typename
    ... on DeletePluginDriverPayload { task { id status nativeId } }
    ... on Error { code message }
  }
}

mutation ZstackRefreshDrivers {
  refreshPluginDrivers(input: { name: "prometheus" }) {
    __typename
    ... on RefreshPluginDriversPayload { task { id status } }
    ... on Error { code message }
  }
}

# HSS: start NDR on an online host (reaches SUCCESS). Try host 9f1d3b7c-2e4a-4d6b-b8c0-6a5e4f3d2c1b
# (agent offline: ERROR), or a 65-character pluginCode (ValidationError).
mutation HssStartPlugin {
  startPlugin(input: { endpoint: "hss", pluginCode: "ndr", hostIds: ["0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11"] }) {
    __typename
    ... on StartPluginPayload { task { id status progress } }
    ... on ValidationError { fields { path message } }
    ... on Error { code message }
  }
}

mutation HssStopPlugin {
  stopPlugin(input: { endpoint: "hss", pluginCode: "ndr", hostIds: ["0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11"] }) {
    __typename
    ... on StopPluginPayload { task { id status progress } }
    ... on Error { code message }
  }
}

# Appliance: install an update on one site (appliance-dr offers
# 9.0.2.2 and 9.0.4.0); the task follows the appliance's own task.
mutation InstallUpdate {
  installUpdate(input: { endpoint: "appliance", version: "9.0.3.0" }) {
    __typename
    ... on InstallUpdatePayload { task { id status progress } }
    ... on ConflictError { code message task { id status } }
    ... on Error { code message }
  }
}

# KorAP: install the Glemm Query Rewriter for the default super client (again: AlreadyInstalledError;
# clientId JpmdMRPt7796HpMpHRGHrr is not permitted: NotPermittedError).
mutation KorapInstallPlugin {
  installSuperClientPlugin(input: { clientId: "g1eMmQrW3tH8kLpV0xYz2A" }) {
    __typename
    ... on InstallSuperClientPluginPayload { task { id status } installation { id superClientId installedAt plugin { name } } }
    ... on Error { code message }
  }
}

mutation KorapUninstallPlugin {
  uninstallSuperClientPlugin(input: { clientId: "g1eMmQrW3tH8kLpV0xYz2A" }) {
    __typename
    ... on UninstallSuperClientPluginPayload { task { id status } }
    ... on Error { code message }
  }
}

# A task's latest state. With Variables empty: the task the last mutation run in this browser
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
}
`;
