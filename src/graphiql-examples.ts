/** The operations GraphiQL opens with: one per mutation and the subscription (SPEC §3). */
export const GRAPHIQL_EXAMPLES = `# plugin-graph: pick an operation with the run button's menu.
# Global ids are opaque; copy them from query results.

query Backends {
  backends { backend configured reachable latencyMs errorCode breaker }
}

query Updates {
  updates { id version type severity rebootRequired summary }
}

mutation InstallUpdate {
  installUpdate(input: { version: "9.0.3.0" }) {
    __typename
    ... on InstallUpdatePayload { task { id status progress operation } }
    ... on Error { code message }
    ... on ConflictError { task { id status } }
  }
}

query Tasks {
  tasks(first: 10) {
    edges { node { id backend operation status progress createdAt completedAt error { code message } } }
  }
}
`;
