import { VIEWER } from './settings.ts';
import { counts, pick, tasks } from './tally.ts';

/** Subscriptions: follows a random known task over SSE to its end (or 20 s). */
export async function followRandomTask(url: string): Promise<void> {
  const id = pick([...tasks]);
  if (!id) return;
  counts.subscriptions.opened++;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${VIEWER}`,
      },
      body: JSON.stringify({
        query: 'subscription($id: ID!) { taskProgress(id: $id) { status progress } }',
        variables: { id },
      }),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    if (text.includes('SHUTTING_DOWN')) counts.subscriptions.shuttingDown++;
    if (text.includes('event: complete')) counts.subscriptions.completed++;
  } catch {
    counts.subscriptions.failed++;
  }
}
