/**
 * Demo data: a Kustvakt instance behind the Kalamar front end with a handful of registered
 * plugins, one of them not yet reviewed by the administrators. Ids look like Kustvakt's
 * random client ids; the `source` objects are Kalamar plugin manifests.
 */

export interface FixtureClient {
  readonly id: string;
  readonly name: string;
  readonly type: 'CONFIDENTIAL' | 'PUBLIC';
  readonly description?: string;
  readonly url?: string;
  /** Plain secret (the simulator compares it; Kustvakt would store a hash). */
  readonly secret?: string;
  readonly super?: boolean;
  readonly permitted?: boolean;
  /** Plugin manifest: only clients with a source are plugins. */
  readonly source?: Readonly<Record<string, unknown>>;
  readonly registeredBy: string;
  /** ISO instant. */
  readonly registeredAt: string;
}

export interface FixtureUser {
  readonly username: string;
  readonly token: string;
  /** OAuth2 scopes granted to the token; `all` grants every one. */
  readonly scopes: readonly string[];
}

export interface FixtureInstallation {
  readonly username: string;
  readonly clientId: string;
  readonly superClientId: string;
  /** ISO instant. */
  readonly installedAt: string;
}

export interface KorapFixtures {
  readonly superClientId: string;
  readonly superClientSecret: string;
  readonly clients: readonly FixtureClient[];
  readonly users: readonly FixtureUser[];
  readonly installations: readonly FixtureInstallation[];
}

const manifest = (name: string, panel: string, template: string) => ({
  name,
  desc: `${name} for KorAP`,
  embed: [{ panel, title: name, onClick: { action: 'addWidget', template } }],
});

export const KORAP_FIXTURE = {
  superClientId: 'fCBbQkAyYzI4NzUxMg',
  superClientSecret: 'kalamar-demo-super-secret',
  clients: [
    {
      id: 'fCBbQkAyYzI4NzUxMg',
      name: 'Kalamar',
      type: 'CONFIDENTIAL',
      description: 'KorAP front end (super client)',
      url: 'https://korap.ids-mannheim.de',
      secret: 'kalamar-demo-super-secret',
      super: true,
      registeredBy: 'system',
      registeredAt: '2021-03-01T08:00:00Z',
    },
    {
      id: 'rQ7wZ2bpnTTxB9Pq1k3VbA',
      name: 'KorAP Python Client',
      type: 'CONFIDENTIAL',
      description: 'Command line access to the KorAP API (not a super client)',
      url: 'https://github.com/KorAP/PyKorAP',
      secret: 'pykorap-demo-secret',
      registeredBy: 'system',
      registeredAt: '2021-06-14T10:30:00Z',
    },
    {
      id: '52atrL0ajex_3_5imd9Mgw',
      name: 'Export Plugin',
      type: 'CONFIDENTIAL',
      description: 'Exports query matches as RTF, CSV or JSON',
      url: 'https://korap.ids-mannheim.de/plugin/export',
      secret: 'export-plugin-demo-secret',
      permitted: true,
      source: manifest('Export', 'result', 'https://korap.ids-mannheim.de/plugin/export/export'),
      registeredBy: 'marc',
      registeredAt: '2022-03-02T14:05:00Z',
    },
    {
      id: 'g1eMmQrW3tH8kLpV0xYz2A',
      name: 'Glemm Query Rewriter',
      type: 'PUBLIC',
      description: 'Rewrites Poliqarp queries with lemma and word-class expansions',
      url: 'https://korap.ids-mannheim.de/plugin/glemm',
      permitted: true,
      source: manifest('Glemm', 'query', 'https://korap.ids-mannheim.de/plugin/glemm/'),
      registeredBy: 'nils',
      registeredAt: '2022-09-20T09:12:00Z',
    },
    {
      id: 'cS9tAtZx4Lm2QwE8rYuI1o',
      name: 'Corpus Statistics',
      type: 'PUBLIC',
      description: 'Token, text and document counts for the current virtual corpus',
      url: 'https://korap.ids-mannheim.de/plugin/corpusstats',
      permitted: true,
      source: manifest('Statistics', 'corpus', 'https://korap.ids-mannheim.de/plugin/stats/'),
      registeredBy: 'eliza',
      registeredAt: '2023-01-11T16:45:00Z',
    },
    {
      id: 'kC0lLoC4t10nAnaLys1sXw',
      name: 'Collocation Analysis',
      type: 'CONFIDENTIAL',
      description: 'Collocation profiles of search hits (log-likelihood, MI, Dice)',
      url: 'https://korap.ids-mannheim.de/plugin/collocation',
      secret: 'collocation-demo-secret',
      permitted: true,
      source: manifest('Collocations', 'match', 'https://korap.ids-mannheim.de/plugin/kollo/'),
      registeredBy: 'marc',
      registeredAt: '2023-05-30T11:20:00Z',
    },
    {
      id: 'JpmdMRPt7796HpMpHRGHrr',
      name: 'Treebank Visualizer',
      type: 'PUBLIC',
      description: 'Draws dependency trees of matches (awaiting review)',
      url: 'https://plugins.example.org/treebank',
      permitted: false,
      source: manifest('Treebank', 'match', 'https://plugins.example.org/treebank/'),
      registeredBy: 'guest-dev',
      registeredAt: '2024-02-08T13:00:00Z',
    },
  ],
  users: [
    { username: 'demo', token: 'demo-access-token-4Fq9xLk2', scopes: ['all'] },
    {
      username: 'reader',
      token: 'reader-access-token-Zp0w7sEe',
      scopes: ['list_user_client'],
    },
  ],
  installations: [
    {
      username: 'demo',
      clientId: '52atrL0ajex_3_5imd9Mgw',
      superClientId: 'fCBbQkAyYzI4NzUxMg',
      installedAt: '2022-05-06T07:21:19.452Z',
    },
  ],
} as const satisfies KorapFixtures;
