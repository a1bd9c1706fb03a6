import type { Config } from '../config';
import { type GroupMembership, ruleFor } from '../domain/access-rules';
import { approverDirectory, listApprovers, usergroupMembership } from '../domain/approvers';
import type { ApproverDirectory } from '../domain/decide-request';
import { gatherHome, type HomeData, type HomeDeps, homeContentFor, readHomeData } from '../domain/home';
import type { Clock, HomeTabs, Log, RequestLister, SlackPort } from '../domain/ports';
import type { RequestDigest } from '../domain/request';
import { homeView } from './blocks/home-view';
import type { SlackWebApi } from './web-api';

/** The most Home tabs one change republishes (requester, target, approvers): bounded Slack calls. */
export const MAX_HOME_REFRESHES = 25;

/** How many of those are published at once, after the clicker's own (views.publish is Tier 4: 100/min). */
const HOME_REFRESH_CONCURRENCY = 5;

export interface HomeTabDeps extends HomeDeps {
  slack: SlackPort;
  /** Everyone who may approve: their "waiting for you" list changes with every request. */
  approverIds: () => Promise<string[]>;
}

export function homeTabs(deps: HomeTabDeps): HomeTabs {
  const show = async (userId: string, data: HomeData | undefined, notice?: string): Promise<void> => {
    try {
      const content = data ? await homeContentFor(deps, data, userId) : await gatherHome(deps, userId);
      await deps.slack.publishHome(userId, homeView(content, notice));
    } catch (error) {
      deps.log.warn('could not publish a Home tab', { userId, error });
    }
  };
  return {
    publish: (userId, notice) => show(userId, undefined, notice),
    async refreshFor(request, answer) {
      let approvers: string[] = [];
      let data: HomeData;
      try {
        [approvers, data] = await Promise.all([approversOf(deps, request), readHomeData(deps)]);
      } catch (error) {
        deps.log.warn('could not read what the Home tabs show; they stay as they were', { error });
        return;
      }
      // The one who clicked first: their tab carries the answer and is never cut by the cap.
      const people = new Set<string>(answer ? [answer.userId] : []);
      people.add(request.requester.userId);
      if (request.target.slackUserId) people.add(request.target.slackUserId);
      for (const id of approvers) people.add(id);
      const [first, ...rest] = [...people].slice(0, MAX_HOME_REFRESHES);
      if (first !== undefined) await show(first, data, first === answer?.userId ? answer.notice : undefined);
      // The others a few at a time: a cancel republishes them inside a Slack click, which must be
      // answered within 3 s (25 tabs one after another could take longer).
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < rest.length) {
          const userId = rest[next++] as string;
          await show(userId, data);
        }
      };
      await Promise.all(Array.from({ length: Math.min(HOME_REFRESH_CONCURRENCY, rest.length) }, worker));
    },
  };
}

/**
 * Whose "waiting for you" list a change to this request touches: the tier's own approvers when its rule
 * names them (ids, and the members of the user groups it names), else everyone who may approve.
 */
async function approversOf(deps: HomeTabDeps, request: Pick<RequestDigest, 'command'>): Promise<string[]> {
  const named = deps.rules ? ruleFor(deps.rules, request.command)?.approvers : undefined;
  if (named === undefined) return deps.approverIds();
  const ids = new Set(named.filter((id) => !id.startsWith('S')));
  for (const group of named.filter((id) => id.startsWith('S'))) {
    const members = await deps.groups?.members?.(group).catch((error: unknown) => {
      deps.log.warn('could not list a tier approver group; its members keep their Home tabs', {
        group,
        error,
      });
      return [];
    });
    for (const id of members ?? []) ids.add(id);
  }
  return [...ids];
}

/** Everyone who may approve (APPROVER_USER_IDS and the group's members), for DMs and Home tabs. */
export const approverLister = (config: Config, slack: SlackWebApi, log: Log) => (): Promise<string[]> =>
  listApprovers({
    userIds: config.approverUserIds,
    ...(config.approverUsergroupId ? { usergroupId: config.approverUsergroupId } : {}),
    slack,
    log,
  });

/** The Slack-side approver and user-group lookups, each with its SLACK_CACHE_SECONDS cache. */
export interface SlackDirectories {
  /** Membership of the user groups the access rules name. */
  groups: GroupMembership;
  /** APPROVER_USER_IDS and APPROVER_USERGROUP_ID: who may approve. */
  approvers: ApproverDirectory;
}

/**
 * The one definition of the approver and user-group lookups from config. A Bolt app builds it once and
 * gives the same instances to its listeners and its Home tabs, so both share one cache per group and a
 * click and a Home tab never answer from two different lists.
 */
export function slackDirectories(
  config: Config,
  slack: SlackWebApi,
  clock: Clock,
  log: Log,
): SlackDirectories {
  return {
    groups: usergroupMembership({ slack, clock, log, cacheSeconds: config.slackCacheSeconds }),
    approvers: approverDirectory({
      userIds: config.approverUserIds,
      ...(config.approverUsergroupId ? { usergroupId: config.approverUsergroupId } : {}),
      slack,
      clock,
      log,
      cacheSeconds: config.slackCacheSeconds,
    }),
  };
}

/** What the Home tabs need, from config: the same approver rule (and instances) as the clicks. */
export function homeTabDeps(
  config: Config,
  requests: RequestLister,
  slack: SlackWebApi,
  log: Log,
  directories: SlackDirectories,
  approverIds: () => Promise<string[]>,
): HomeTabDeps {
  return {
    requests,
    slack,
    log,
    approverIds,
    rules: config.accessRules,
    groups: directories.groups,
    approvers: directories.approvers,
    accounts: config.accounts,
  };
}
