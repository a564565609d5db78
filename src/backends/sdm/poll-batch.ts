import { NotFoundError } from '../../domain/errors.ts';
import type { BatchPoller, PollParams, TaskObservation } from '../../tasks/types.ts';
import { isSdmAction, observeAction, type SdmAction } from './actions.ts';
import type { SdmPluginInfo } from './wire.ts';

export const SDM_POLL_KIND = 'sdm.pluginAction';

/** The vendor reads a batch of plug-in action polls needs. */
export interface SdmPollReads {
  /** Get All Plug-ins, every page (with members, where the vendor lists them). */
  list(): Promise<SdmPluginInfo[]>;
  /** Get Plug-in Information (with members); NotFoundError on 404. */
  info(pluginId: string): Promise<SdmPluginInfo>;
  /** Plug-ins per list page: a list of n plug-ins costs floor(n / pageSize) + 1 calls. */
  readonly pageSize: number;
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
 * Every live plug-in action of one endpoint from one read per poll round, instead of one call per
 * task: 1,000 live tasks cost one Get All Plug-ins (its pages) per interval. While the live
 * plug-ins are fewer than the list's pages (its size learnt from the last list), Get Plug-in
 * Information of each is the cheaper read: one live action on a 1,000-plug-in SDM is one call
 * per interval, not three pages. A plug-in missing from the list, or answering 404, is gone for
 * good (an answer, not a failure to tell).
 */
export function sdmActionPoller(reads: SdmPollReads): BatchPoller {
  let listed: number | undefined;
  const listCalls = () => (listed === undefined ? 0 : Math.floor(listed / reads.pageSize) + 1);

  /** Get Plug-in Information once per plug-in in a round, however many of its actions poll. */
  const observeOne = async (
    { pluginId, action }: ActionPoll,
    infos: Map<string, Promise<SdmPluginInfo>>,
  ): Promise<TaskObservation | Error> => {
    try {
      const info = infos.get(pluginId) ?? reads.info(pluginId);
      infos.set(pluginId, info);
      return observeAction(action, (await info).members ?? []);
    } catch (err) {
      if (err instanceof NotFoundError) return gone(pluginId);
      return err instanceof Error ? err : new Error('Get Plug-in Information failed');
    }
  };

  return {
    batchKey: (params) => {
      actionPoll(params); // bad params fail their own task, not the batch
      return SDM_POLL_KIND;
    },
    async poll(all) {
      const polls = all.map(actionPoll);
      const live = new Set(polls.map((p) => p.pluginId));
      const infos = new Map<string, Promise<SdmPluginInfo>>();
      if (live.size < listCalls()) return Promise.all(polls.map((p) => observeOne(p, infos)));
      const list = await reads.list();
      listed = list.length;
      const byId = new Map(list.map((info) => [info.id, info]));
      return Promise.all(
        polls.map(async (poll): Promise<TaskObservation | Error> => {
          const entry = byId.get(poll.pluginId);
          if (!entry) return gone(poll.pluginId);
          // The vendor's list may give a plug-in without its members: ask for that one.
          return entry.members
            ? observeAction(poll.action, entry.members)
            : observeOne(poll, infos);
        }),
      );
    },
  };
}
