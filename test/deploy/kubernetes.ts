import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

/**
 * deploy/kubernetes/ read as the API server would take it (no cluster here): every document of
 * every file, YAML 1.1 as kubectl reads it (`0440` is octal), narrowed with zod to the fields the
 * tests check, and a container's environment and mounted files rebuilt on disk so that
 * plugin-graph's own loadConfig can judge them.
 */

export const KUBERNETES_DIR = new URL('../../deploy/kubernetes/', import.meta.url);

const keyRef = z.object({ name: z.string(), key: z.string() });
const envVar = z.object({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z
    .object({ secretKeyRef: keyRef.optional(), configMapKeyRef: keyRef.optional() })
    .optional(),
});
const probe = z.object({
  httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }),
});
const container = z.object({
  name: z.string(),
  image: z.string(),
  ports: z.array(z.object({ name: z.string().optional(), containerPort: z.number() })),
  env: z.array(envVar).default([]),
  envFrom: z
    .array(z.object({ configMapRef: z.object({ name: z.string() }).optional() }))
    .default([]),
  volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string() })).default([]),
  startupProbe: probe.optional(),
  livenessProbe: probe.optional(),
  readinessProbe: probe.optional(),
  securityContext: z
    .object({ readOnlyRootFilesystem: z.boolean().optional() })
    .passthrough()
    .optional(),
});
const volume = z.object({
  name: z.string(),
  configMap: z.object({ name: z.string() }).optional(),
  secret: z.object({ secretName: z.string(), defaultMode: z.number().optional() }).optional(),
  persistentVolumeClaim: z.object({ claimName: z.string() }).optional(),
  emptyDir: z.object({}).optional(),
});
const labels = z.record(z.string(), z.string());
export const deploymentSchema = z.object({
  kind: z.literal('Deployment'),
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    replicas: z.number(),
    strategy: z.object({ type: z.string() }),
    selector: z.object({ matchLabels: labels }),
    template: z.object({
      metadata: z.object({ labels }),
      spec: z.object({
        securityContext: z
          .object({ runAsNonRoot: z.boolean().optional(), runAsUser: z.number().optional() })
          .passthrough(),
        terminationGracePeriodSeconds: z.number().optional(),
        containers: z.array(container).length(1),
        volumes: z.array(volume).default([]),
      }),
    }),
  }),
});
export type Deployment = z.infer<typeof deploymentSchema>;
export type Container = z.infer<typeof container>;

export interface Manifest {
  readonly file: string;
  readonly kind: string;
  readonly name: string;
  readonly doc: Record<string, unknown>;
}

const head = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.object({ name: z.string() }),
});

/** Every document of every deploy/kubernetes/*.yaml; a file that is not YAML throws. */
export function readManifests(): Manifest[] {
  const manifests: Manifest[] = [];
  for (const file of readdirSync(KUBERNETES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const text = readFileSync(new URL(file, KUBERNETES_DIR), 'utf8');
    for (const document of parseAllDocuments(text, { version: '1.1' })) {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
      const doc = z.record(z.string(), z.unknown()).parse(document.toJS());
      const { kind, metadata } = head.parse(doc);
      manifests.push({ file, kind, name: metadata.name, doc });
    }
  }
  return manifests;
}

/** A ConfigMap's `data` or a Secret's `stringData` (base64 `data` decoded), by name. */
export function keyValues(manifests: readonly Manifest[], kind: string, name: string) {
  const found = manifests.find((m) => m.kind === kind && m.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/kubernetes/`);
  const values = z.record(z.string(), z.string());
  const data = values.optional().parse(found.doc.data) ?? {};
  const stringData = values.optional().parse(found.doc.stringData) ?? {};
  const decoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, kind === 'Secret' ? atob(v) : v]),
  );
  return { ...decoded, ...stringData };
}

/**
 * The container's environment as the kubelet would give it (envFrom ConfigMaps, then env, values
 * from Secrets and ConfigMaps resolved), with every volume's files written under `root` and every
 * path into a mount, in the environment and in the files, moved under `root` too.
 */
export function materialise(
  manifests: readonly Manifest[],
  deployment: Deployment,
  root: string,
): Record<string, string> {
  const pod = deployment.spec.template.spec;
  const [main] = pod.containers;
  if (!main) throw new Error('no container');
  // Every mount path as a whole path segment (`/data`, `/data/x`, never `/database`), in one
  // pass: the relocated paths are under a temp dir, which a `/tmp` mount would match again.
  const mounts = main.volumeMounts.map((m) => escapeRegExp(m.mountPath));
  const anyMount = new RegExp(`(?<![\\w/])(${mounts.join('|')})(?=/|$|\\s)`, 'gm');
  const relocate = (text: string) => text.replace(anyMount, (mount) => join(root, mount));
  for (const mount of main.volumeMounts) {
    const source = pod.volumes.find((v) => v.name === mount.name);
    if (!source) throw new Error(`volumeMount ${mount.name} has no volume`);
    const files = source.configMap
      ? keyValues(manifests, 'ConfigMap', source.configMap.name)
      : source.secret
        ? keyValues(manifests, 'Secret', source.secret.secretName)
        : {};
    const dir = join(root, mount.mountPath);
    mkdirSync(dir, { recursive: true });
    for (const [key, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, key)), { recursive: true });
      writeFileSync(join(dir, key), relocate(content));
    }
  }
  const env: Record<string, string> = {};
  for (const from of main.envFrom)
    if (from.configMapRef)
      Object.assign(env, keyValues(manifests, 'ConfigMap', from.configMapRef.name));
  for (const variable of main.env) {
    const ref = variable.valueFrom;
    const value =
      variable.value ??
      (ref?.secretKeyRef &&
        keyValues(manifests, 'Secret', ref.secretKeyRef.name)[ref.secretKeyRef.key]) ??
      (ref?.configMapKeyRef &&
        keyValues(manifests, 'ConfigMap', ref.configMapKeyRef.name)[ref.configMapKeyRef.key]);
    if (value === undefined) throw new Error(`env ${variable.name} resolves to nothing`);
    env[variable.name] = value;
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, relocate(v)]));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
