/**
 * Preloaded into a server process by `npm run bench` (with --expose-gc): on an IPC `heap`
 * message, collects garbage and answers with process.memoryUsage(), so memory per subscriber is
 * measured on live objects only. Does nothing in a process started without IPC.
 */
const gc = (globalThis as { gc?: () => void }).gc;
if (process.send) {
  process.on('message', (message: unknown) => {
    if (message !== 'heap') return;
    gc?.();
    gc?.();
    process.send?.({ heap: process.memoryUsage() });
  });
  process.channel?.unref();
}
