import type { GroupMembership } from './access-rules';
import type { ApproverDirectory } from './decide-request';
import { NotAuthorizedError } from './errors';
import type { Clock, Log } from './ports';

/** Looks up a Slack user group's members (usergroups.users.list). */
export interface UsergroupLookup {
  usergroupMembers(usergroupId: string): Promise<string[]>;
}

export interface ApproverOptions {
  /** APPROVER_USER_IDS. */
  userIds: readonly string[];
  /** APPROVER_USERGROUP_ID: its members may approve too. */
  usergroupId?: string;
  slack: UsergroupLookup;
  clock: Clock;
  log: Log;
  /** How long a group's member list is trusted (SLACK_CACHE_SECONDS): removals take effect within it. */
  cacheSeconds: number;
}

/**
 * Approvers from the configured ids and/or a Slack user group. The group is looked up on the server
 * for the click and cached briefly; if Slack cannot answer (rate limit, unknown group, 5xx) the click
 * is refused: access control fails closed.
 */
export function approverDirectory(options: ApproverOptions): ApproverDirectory {
  const ttlMs = options.cacheSeconds * 1000;
  let cached: { members: Set<string>; at: number } | undefined;
  return {
    async isApprover(userId) {
      if (options.userIds.includes(userId)) return true;
      if (!options.usergroupId) return false;
      const now = options.clock.now().getTime();
      if (!cached || now - cached.at > ttlMs) {
        try {
          cached = { members: new Set(await options.slack.usergroupMembers(options.usergroupId)), at: now };
        } catch (error) {
          cached = undefined;
          // Slack's short code (no_such_subteam, ratelimited) when the adapter kept it as the cause.
          const reason =
            (error as { cause?: { data?: { error?: string } } }).cause?.data?.error ??
            (error as { data?: { error?: string } }).data?.error ??
            (error as Error).message;
          options.log.error('approver group lookup failed; refusing the click', {
            usergroupId: options.usergroupId,
            reason,
            error,
          });
          throw new NotAuthorizedError(
            `I could not check the approver group with Slack (${reason}), so I cannot accept this click. Nothing was changed; try again in a minute.`,
          );
        }
      }
      return cached.members.has(userId);
    },
    async list() {
      const members = options.usergroupId ? await options.slack.usergroupMembers(options.usergroupId) : [];
      return [...new Set([...options.userIds, ...members])];
    },
  };
}

/**
 * Membership of the user groups the access rules name (requesters, approvers), looked up on the server
 * and cached per group like the approver group. If Slack cannot answer, it throws NotAuthorizedError:
 * a rule we cannot check refuses (fails closed).
 */
export function usergroupMembership(
  options: Pick<ApproverOptions, 'slack' | 'clock' | 'log' | 'cacheSeconds'>,
): GroupMembership {
  const ttlMs = options.cacheSeconds * 1000;
  const cache = new Map<string, { members: Set<string>; at: number }>();
  const membersOf = async (usergroupId: string): Promise<Set<string>> => {
    const now = options.clock.now().getTime();
    let entry = cache.get(usergroupId);
    if (!entry || now - entry.at > ttlMs) {
      try {
        entry = { members: new Set(await options.slack.usergroupMembers(usergroupId)), at: now };
        cache.set(usergroupId, entry);
      } catch (error) {
        cache.delete(usergroupId);
        options.log.error('user group lookup for the access rules failed; refusing', { usergroupId, error });
        throw new NotAuthorizedError(
          `I could not check user group ${usergroupId} with Slack, so I cannot apply the access rules. Nothing was changed; try again in a minute.`,
        );
      }
    }
    return entry.members;
  };
  return {
    isMember: async (userId, usergroupId) => (await membersOf(usergroupId)).has(userId),
    members: async (usergroupId) => [...(await membersOf(usergroupId))],
  };
}

/** At most this many approvers get a DM per request (a big group is not messaged one by one). */
export const MAX_APPROVER_DMS = 25;

/**
 * Everyone who may approve, for DMs and the Home tab: the configured ids, then the group's members.
 * A group Slack cannot list is logged and left out: a DM is extra, the card is still in the channel.
 */
export async function listApprovers(
  options: Pick<ApproverOptions, 'userIds' | 'usergroupId' | 'slack' | 'log'>,
): Promise<string[]> {
  const ids = new Set(options.userIds);
  if (options.usergroupId) {
    try {
      for (const id of await options.slack.usergroupMembers(options.usergroupId)) ids.add(id);
    } catch (error) {
      options.log.warn('could not list the approver group; its members get no direct message', {
        usergroupId: options.usergroupId,
        error,
      });
    }
  }
  return [...ids].slice(0, MAX_APPROVER_DMS);
}
