import { describe, expect, it } from 'vitest';
import { evaluatePluginState } from '../../../src/backends/hss/task.ts';
import type { WireAttachment } from '../../../src/backends/hss/wire.ts';

const row = (host_id: string, plugin_status: string, status_detail = ''): WireAttachment => ({
  host_id,
  host_name: `name-${host_id}`,
  plugin_status,
  status_detail,
});

describe('synthesized start/stop task', () => {
  it('start: RUNNING while starting, progress is the share of hosts running', () => {
    const seen = evaluatePluginState(
      'start',
      ['a', 'b', 'c', 'd'],
      [row('a', 'running'), row('b', 'starting'), row('c', 'starting'), row('d', 'starting')],
    );
    expect(seen).toEqual({ status: 'RUNNING', progress: 25 });
  });

  it('start: SUCCESS when all run', () => {
    expect(
      evaluatePluginState('start', ['a', 'b'], [row('a', 'running'), row('b', 'running')]),
    ).toEqual({
      status: 'SUCCESS',
      progress: 100,
    });
  });

  it('start: ERROR on start_fail with status_detail as the message', () => {
    const seen = evaluatePluginState(
      'start',
      ['a', 'b'],
      [row('a', 'running'), row('b', 'start_fail', 'out of memory')],
    );
    expect(seen).toMatchObject({
      status: 'ERROR',
      progress: 50,
      error: { code: 'START_FAIL', message: 'out of memory', details: 'name-b (b): start_fail' },
    });
  });

  it('start: ERROR on offline', () => {
    const seen = evaluatePluginState('start', ['a'], [row('a', 'offline')]);
    expect(seen).toMatchObject({ status: 'ERROR', error: { code: 'OFFLINE' } });
  });

  it('stop: stopping -> stopped; ERROR on offline or any *_fail', () => {
    expect(
      evaluatePluginState('stop', ['a', 'b'], [row('a', 'stopped'), row('b', 'stopping')]),
    ).toEqual({
      status: 'RUNNING',
      progress: 50,
    });
    expect(evaluatePluginState('stop', ['a'], [row('a', 'stopped')])).toEqual({
      status: 'SUCCESS',
      progress: 100,
    });
    expect(evaluatePluginState('stop', ['a'], [row('a', 'offline')]).status).toBe('ERROR');
    expect(evaluatePluginState('stop', ['a'], [row('a', 'uninstall_fail')])).toMatchObject({
      status: 'ERROR',
      error: { code: 'UNINSTALL_FAIL' },
    });
  });

  it('a target that vanished is an error; no targets is an immediate success', () => {
    expect(evaluatePluginState('start', ['a'], [])).toMatchObject({
      status: 'ERROR',
      error: { code: 'HOST_NOT_FOUND' },
    });
    expect(evaluatePluginState('start', [], [])).toEqual({ status: 'SUCCESS', progress: 100 });
  });
});
