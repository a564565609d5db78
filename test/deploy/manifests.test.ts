import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeFlags } from '../../bench/harness/start-flags.ts';
import { describeVariables, loadConfig } from '../../src/config/index.ts';
import { argsOf, execForm, readDockerfile, stageEnv } from './dockerfile.ts';
import {
  type Container,
  type Deployment,
  deploymentSchema,
  keyValues,
  materialise,
  readManifests,
} from './kubernetes.ts';

/**
 * The Dockerfile and deploy/kubernetes/ checked without a container engine or a cluster (issue
 * 28): what the image promises (non-root, HOST=0.0.0.0, a data volume, a health check, the
 * production start), that the probes and ports agree across image, Deployments and Service, and
 * that the configuration the manifests give is one plugin-graph's own loadConfig accepts.
 */

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  scripts: Record<string, string>;
  engines: { node: string };
};
const { args: buildArgs, stages } = readDockerfile();
const build = stages[0];
const runtime = stages.at(-1);
if (!build || !runtime || stages.length < 2) throw new Error('the Dockerfile is not multi-stage');
const imageEnv = stageEnv(runtime);

/** Every variable plugin-graph reads, and `X_FILE` for every secret X. */
const KNOWN = new Set(
  describeVariables().flatMap((v) => (v.secret ? [v.name, `${v.name}_FILE`] : [v.name])),
);

describe('Dockerfile', () => {
  it('builds in one stage and runs from another, on a Node the package accepts', () => {
    expect(build.name).toBe('build');
    expect(argsOf(build, 'RUN').join('\n')).toMatch(/npm ci[\s\S]*npm run build/);
    expect(argsOf(build, 'RUN').join('\n')).toContain('npm prune --omit=dev');
    // What the runtime stage takes from the build stage: nothing but the production output.
    expect(argsOf(runtime, 'COPY').map((c) => c.replace('--from=build ', ''))).toEqual([
      '/app/package.json ./',
      '/app/node_modules ./node_modules',
      '/app/dist ./dist',
    ]);
    const [major, minor] = (buildArgs.get('NODE_VERSION') ?? '').split('.').map(Number);
    const [, minMajor, minMinor] = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node)?.map(Number) ?? [];
    expect(major).toBe(minMajor);
    expect(minor).toBeGreaterThanOrEqual(minMinor ?? Number.POSITIVE_INFINITY);
  });

  it('copies into the build stage only files git tracks and .dockerignore keeps', () => {
    const tracked = execFileSync('git', ['ls-files'], { encoding: 'utf8' }).split('\n');
    const ignored = readFileSync(new URL('../../.dockerignore', import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    const sources = argsOf(build, 'COPY').flatMap((c) => c.split(' ').slice(0, -1));
    expect(sources).toEqual(expect.arrayContaining(['package-lock.json', 'tsconfig.build.json']));
    for (const source of sources) {
      const isTracked = tracked.some((f) => f === source || f.startsWith(`${source}/`));
      expect(isTracked, `${source} is tracked by git`).toBe(true);
      expect(ignored, `${source} is sent to the build`).not.toContain(source);
    }
  });

  it('runs as a non-root user, listens on every interface, keeps its data on a volume', () => {
    const [user] = argsOf(runtime, 'USER');
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(imageEnv.HOST).toBe('0.0.0.0');
    expect(argsOf(runtime, 'VOLUME')).toEqual([imageEnv.PLUGIN_GRAPH_DATA_DIR]);
    expect(argsOf(runtime, 'EXPOSE')).toEqual([imageEnv.PORT]);
    for (const name of Object.keys(imageEnv))
      if (name !== 'NODE_ENV') expect(KNOWN).toContain(name);
  });

  it('checks /healthz on its port, and starts as `npm run start:prod` does, node as PID 1', () => {
    const [healthcheck = ''] = argsOf(runtime, 'HEALTHCHECK');
    const [, probe = ''] = /CMD (\[.*\])$/.exec(healthcheck) ?? [];
    // Its port is the image's PORT, read by node in the container (no shell expands it).
    expect(execForm(probe).join(' ')).toMatch(/127\.0\.0\.1:\$\{process\.env\.PORT\}\/healthz/);
    const [cmd = ''] = argsOf(runtime, 'CMD');
    const start = ['node', ...startNodeFlags(), 'dist/server.js'];
    expect(execForm(cmd)).toEqual(start);
    expect(pkg.scripts['start:prod']).toBe(start.join(' '));
  });
});

describe('deploy/kubernetes', () => {
  const manifests = readManifests();
  const deployments = manifests
    .filter((m) => m.kind === 'Deployment')
    .map((m) => ({ file: m.file, deployment: deploymentSchema.parse(m.doc) }));
  const service = manifests.find((m) => m.kind === 'Service');
  const byFile = (file: string): Deployment => {
    const found = deployments.find((d) => d.file === file);
    if (!found) throw new Error(`no Deployment in ${file}`);
    return found.deployment;
  };
  const containerOf = (d: Deployment): Container => {
    const [c] = d.spec.template.spec.containers;
    if (!c) throw new Error('no container');
    return c;
  };
  const roots: string[] = [];
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it('holds a Deployment on SQLite, one on Redis, a Service, a Secret and ConfigMaps', () => {
    expect(deployments.map((d) => d.file).sort()).toEqual([
      'deployment-redis.yaml',
      'deployment-sqlite.yaml',
    ]);
    expect(manifests.map((m) => m.kind)).toEqual(
      expect.arrayContaining(['Service', 'Secret', 'ConfigMap', 'PersistentVolumeClaim']),
    );
  });

  it.each(['deployment-sqlite.yaml', 'deployment-redis.yaml'])(
    '%s: probes /healthz and /readyz on the port the image listens on',
    (file) => {
      const deployment = byFile(file);
      const main = containerOf(deployment);
      const portOf = (port: string | number) =>
        typeof port === 'number' ? port : main.ports.find((p) => p.name === port)?.containerPort;
      expect(main.ports.map((p) => p.containerPort)).toEqual([Number(imageEnv.PORT)]);
      expect(main.livenessProbe?.httpGet.path).toBe('/healthz');
      expect(main.startupProbe?.httpGet.path).toBe('/healthz');
      expect(main.readinessProbe?.httpGet.path).toBe('/readyz');
      for (const probe of [main.livenessProbe, main.startupProbe, main.readinessProbe])
        expect(portOf(probe?.httpGet.port ?? '')).toBe(Number(imageEnv.PORT));
      // The Service reaches this pod on that port.
      const spec = service?.doc.spec as {
        selector: Record<string, string>;
        ports: { targetPort: string | number }[];
      };
      expect(deployment.spec.template.metadata.labels).toMatchObject(spec.selector);
      expect(deployment.spec.template.metadata.labels).toMatchObject(
        deployment.spec.selector.matchLabels,
      );
      expect(spec.ports.map((p) => portOf(p.targetPort))).toEqual([Number(imageEnv.PORT)]);
      // The drain (up to 10 s for in-flight requests, then closing sessions) fits the grace period.
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(10);
    },
  );

  it.each(['deployment-sqlite.yaml', 'deployment-redis.yaml'])(
    '%s: runs as the image user, not root, on a read-only root file system',
    (file) => {
      const pod = byFile(file).spec.template.spec;
      const [uid] = (argsOf(runtime, 'USER')[0] ?? '').split(':').map(Number);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid });
      expect(containerOf(byFile(file)).securityContext?.readOnlyRootFilesystem).toBe(true);
      // The Secret's files: readable by the pod's group (fsGroup), not by others; 0440 read as octal.
      expect(pod.volumes.find((v) => v.secret)?.secret?.defaultMode).toBe(0o440);
    },
  );

  it.each(['deployment-sqlite.yaml', 'deployment-redis.yaml'])(
    '%s: names only variables plugin-graph reads',
    (file) => {
      const main = containerOf(byFile(file));
      const names = [
        ...main.env.map((e) => e.name),
        ...main.envFrom.flatMap((f) =>
          f.configMapRef ? Object.keys(keyValues(manifests, 'ConfigMap', f.configMapRef.name)) : [],
        ),
      ];
      expect(names.length).toBeGreaterThan(2);
      for (const name of names) expect(KNOWN).toContain(name);
    },
  );

  it('SQLite: one replica at a time, its data dir on a claimed volume', () => {
    const deployment = byFile('deployment-sqlite.yaml');
    expect(deployment.spec.replicas).toBe(1);
    // A rolling update would start the new pod while the old one holds the data dir's lock.
    expect(deployment.spec.strategy.type).toBe('Recreate');
    const main = containerOf(deployment);
    const dataDir = main.env.find((e) => e.name === 'PLUGIN_GRAPH_DATA_DIR')?.value;
    const mount = main.volumeMounts.find((m) => m.mountPath === dataDir);
    const claim = deployment.spec.template.spec.volumes.find((v) => v.name === mount?.name);
    expect(
      manifests.some(
        (m) =>
          m.kind === 'PersistentVolumeClaim' && m.name === claim?.persistentVolumeClaim?.claimName,
      ),
    ).toBe(true);
  });

  it('Redis: several replicas, REDIS_URL from the Secret, no volume for data', () => {
    const deployment = byFile('deployment-redis.yaml');
    expect(deployment.spec.replicas).toBeGreaterThan(1);
    const main = containerOf(deployment);
    expect(main.env.find((e) => e.name === 'REDIS_URL')?.valueFrom?.secretKeyRef).toBeDefined();
    expect(deployment.spec.template.spec.volumes.some((v) => v.persistentVolumeClaim)).toBe(false);
  });

  it.each(['deployment-sqlite.yaml', 'deployment-redis.yaml'])(
    '%s: gives a configuration loadConfig accepts: tokens, the endpoints file, its secrets',
    (file) => {
      const root = mkdtempSync(join(tmpdir(), 'plugin-graph-k8s-'));
      roots.push(root);
      const config = loadConfig({ ...imageEnv, ...materialise(manifests, byFile(file), root) });
      expect(config.demo).toBe(false);
      expect(config.host).toBe('0.0.0.0');
      expect(config.auth.mode).toBe('tokens');
      expect(config.endpoints.map((e) => `${e.backend}:${e.name}`).sort()).toEqual([
        'appliance:appliance',
        'hss:hss',
        'korap:korap',
        'sdm:sdm',
        'zstack:zstack',
      ]);
      // Every vendor secret came from the Secret's files, none is missing.
      expect(config.secrets.length).toBeGreaterThanOrEqual(9);
      if (file === 'deployment-redis.yaml') expect(config.redisUrl).toMatch(/^redis:\/\//);
      else expect(config.redisUrl).toBeUndefined();
    },
  );
});
