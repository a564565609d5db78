import { NotFoundError } from '../../domain/errors.ts';
import type { BatchPoller, PollParams, TaskObservation } from '../../tasks/types.ts';
import { isSdmAction, observeAction, type SdmAction } from './actions.ts';
import type { SdmPluginInfo } from './wire.ts';

export const SDM_POLL_KIND = 'sdm.pluginAction';

/** The vendor reads a batch of plug-in action polls needs. */
export interface SdmPollReads {
  /** Get All Plug-ins, every page (with members, where the vendor lists them). */
  list(): Promise<SdmPluginInfo[]>;
  /** Get Plug-in Information, for a plug-in the list gave without members; NotFoundError on 404. */
  info(pluginId: string): Promise<SdmPluginInfo>;
}

interface ActionPoll {
  readonly pluginId: string;
  readonly action: SdmAction;
}

function actionPoll(params: PollParams): ActionPoll {
  const { pluginId, action } = params;
  if (typeof pluginId !== 'string' || !isSdmAction(action)) {
    throw new TypeError(`${SDM_POLL_KIND} needs a pluginId and an action`);
  }
  return { pluginId, action };
}

const gone = (pluginId: string): TaskObservation => ({
  status: 'ERROR',
  error: { code: 'NOT_FOUND', message: `Plug-in ${pluginId} no longer exists` },
});

/**
 * Every live plug-in action of one endpoint from one Get All Plug-ins per poll round, instead of
 * one Get Plug-in Information per task: 1,000 live tasks cost one list call per interval. A
 * plug-in missing from the list is gone for good (an answer, not a failure to tell).
 */
export function sdmActionPoller(reads: SdmPollReads): BatchPoller {
  return {
    batchKey: (params) => {
      actionPoll(params); // bad params fail their own task, not the batch
      return SDM_POLL_KIND;
    },
    async poll(all) {
      const polls = all.map(actionPoll);
      const byId = new Map((await reads.list()).map((info) => [info.id, info]));
      return Promise.all(
        polls.map(async ({ pluginId, action }): Promise<TaskObservation | Error> => {
          const listed = byId.get(pluginId);
          if (!listed) return gone(pluginId);
          if (listed.members) return observeAction(action, listed.members);
          try {
            return observeAction(action, (await reads.info(pluginId)).members ?? []);
          } catch (err) {
            if (err instanceof NotFoundError) return gone(pluginId);
            return err instanceof Error ? err : new Error('Get Plug-in Information failed');
          }
        }),
      );
    },
  };
}
