import { writeHeapSnapshot } from 'node:v8';

/**
 * Preloaded into a server process by `npm run bench` (with --expose-gc): on an IPC `heap`
 * message, collects garbage and answers with process.memoryUsage(), so memory per subscriber is
 * measured on live objects only. On `{ snapshot: path }` it writes a V8 heap snapshot there (for
 * memory work: diff one with and one without subscribers). Does nothing without IPC.
 */
const gc = (globalThis as { gc?: () => void }).gc;
if (process.send) {
  process.on('message', (message: unknown) => {
    if (message === 'heap') {
      gc?.();
      gc?.();
      process.send?.({ heap: process.memoryUsage() });
    } else if (typeof message === 'object' && message !== null && 'snapshot' in message) {
      gc?.();
      gc?.();
      const path = writeHeapSnapshot(String(message.snapshot));
      process.send?.({ snapshot: path });
    }
  });
  process.channel?.unref();
}
