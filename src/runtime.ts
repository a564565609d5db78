import type { Logger } from 'pino';
import { type App, createApp } from './app.ts';
import { collectPollers, createBackends } from './backends/create.ts';
import { type Backends, configuredClients } from './backends/registry.ts';
import type { Config } from './config.ts';
import { HealthMonitor } from './health.ts';
import { MemoryTaskStore } from './tasks/store.ts';
import { TaskTracker } from './tasks/tracker.ts';

export interface Runtime {
  readonly app: App;
  readonly backends: Backends;
  readonly tracker: TaskTracker;
  /** Stops pollers and closes backend sessions and pools. */
  close(): Promise<void>;
}

/** Everything a running plugin-graph holds, wired from a parsed config. */
export function createRuntime(config: Config, logger: Logger): Runtime {
  const backends = createBackends(config.backends, {
    timeoutMs: config.backendTimeoutMs,
    onCall: (call) => logger.debug({ backendCall: call }, 'backend call'),
  });
  const tracker = new TaskTracker({
    store: new MemoryTaskStore(config.taskTtlSeconds),
    pollers: collectPollers(backends),
    intervalMs: config.taskPollIntervalMs,
    graceMs: config.taskGraceMs,
    onPollError: (task, err) =>
      logger.warn(
        { taskId: task.id, code: (err as { code?: unknown }).code },
        'task poll failed; will retry',
      ),
  });
  const health = new HealthMonitor(backends);
  const app = createApp({ config, backends, tracker, health, logger });
  return {
    app,
    backends,
    tracker,
    async close() {
      tracker.close();
      await Promise.allSettled(configuredClients(backends).map(([, client]) => client.close()));
    },
  };
}
