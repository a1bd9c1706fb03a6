import {
  type AccessRules,
  defaultAccessRules,
  type GroupMembership,
  NO_GROUPS,
  standingsFor,
  type TierStanding,
} from './access-rules';
import { type ApproverDirectory, approvesCommand } from './decide-request';
import type { Log, RequestLister, RequestStore } from './ports';
import { PENDING_STATUSES, type RequestDigest } from './request';

/** What one person's Home tab shows (src/slack/blocks/home-view.ts words it). */
export interface HomeContent {
  userId: string;
  isApprover: boolean;
  /** Time-bound grants in effect that give this person access or that they asked for, soonest end first. */
  grants: RequestDigest[];
  /** Their own requests still on the way, newest first. */
  pending: RequestDigest[];
  /** For an approver: requests waiting for a decision they may give, oldest first. */
  awaiting: RequestDigest[];
  /** The tier rules in effect (access-rules.yml or the defaults), marked for this person. */
  rules: TierStanding[];
}

export interface HomeDeps {
  requests: RequestLister;
  approvers: ApproverDirectory;
  /** The rules per tier: a tier that names its own approvers is decided by them alone (as on the card). */
  rules?: AccessRules;
  groups?: GroupMembership;
  log: Log;
}

/** How many requests of one status the Home tab reads; the view caps what it shows. */
const READ_LIMIT = 100;

const concerns = (request: RequestDigest, userId: string): boolean =>
  request.requester.userId === userId || request.target.slackUserId === userId;

/**
 * Whether `userId` could decide this request now: not the requester, not the person it is for, and not
 * already one of its approvals. The click itself is authorized again on the server (decideRequest).
 */
export const waitsFor = (request: RequestDigest, userId: string): boolean =>
  !concerns(request, userId) && !request.approvals.some((approval) => approval.userId === userId);

/** The requests the Home tabs show, read once from the byStatus index for any number of tabs. */
export interface HomeData {
  active: RequestDigest[];
  pending: RequestDigest[];
}

/** Reads the active grants and the pending requests (one query per status). */
export async function readHomeData(deps: Pick<HomeDeps, 'requests'>): Promise<HomeData> {
  const [active, ...pendingLists] = await Promise.all([
    deps.requests.listByStatus('active', { limit: READ_LIMIT }),
    ...PENDING_STATUSES.map((status) => deps.requests.listByStatus(status, { limit: READ_LIMIT })),
  ]);
  return { active: active ?? [], pending: await withExtensions(deps.requests, pendingLists.flat()) };
}

/** How many pending time-bound grants one read of the Home data looks up to tell the extensions apart. */
const EXTENSION_LOOKUPS = 30;

/**
 * The byStatus index does not project `extends` (a projection cannot change on a deployed index), so an
 * extension would read as a copy of its grant ("grant alice developer for 5h"). A pending time-bound
 * grant's record says whether it is an extension; the store behind the lister reads it (GetItem).
 */
async function withExtensions(lister: RequestLister, pending: RequestDigest[]): Promise<RequestDigest[]> {
  const records = (lister as Partial<Pick<RequestStore, 'get'>>).get?.bind(lister);
  if (records === undefined) return pending;
  const lookups = new Set(
    pending
      .filter(
        (request) => request.command.action === 'grant' && request.command.durationSeconds !== undefined,
      )
      .slice(0, EXTENSION_LOOKUPS)
      .map((request) => request.requestId),
  );
  return Promise.all(
    pending.map(async (request) => {
      if (!lookups.has(request.requestId)) return request;
      const record = await records(request.requestId).catch(() => undefined);
      return record?.extends ? { ...request, extends: record.extends } : request;
    }),
  );
}

type ApproverDeps = Pick<HomeDeps, 'approvers' | 'rules' | 'groups' | 'log'>;

/**
 * Whether the viewer approves anything: a global approver (revokes, service roles, kms, and every tier
 * whose rule names no approvers) or one a tier's rule names. Only decides whether the tab has a
 * "waiting for you" section; which requests it lists is decided per request (awaitingFor).
 */
export async function viewerIsApprover(deps: ApproverDeps, userId: string): Promise<boolean> {
  try {
    if (await deps.approvers.isApprover(userId)) return true;
    if (!deps.rules) return false;
    const standings = await standingsFor(
      deps.rules,
      userId,
      deps.groups ?? { isMember: async () => false },
      async () => false,
    );
    return standings.some((standing) => standing.mayApprove);
  } catch (error) {
    // A click is authorized on the server anyway; the tab only leaves the list out.
    deps.log.warn('could not tell whether the Home tab viewer is an approver', { userId, error });
    return false;
  }
}

/**
 * The pending requests `userId` may decide now, oldest first: awaiting approval, not theirs, not already
 * approved by them, and approvesCommand (the card's own check) says yes for the request's command. A
 * check Slack cannot answer leaves the request out (logged); the click is authorized again anyway.
 */
export async function awaitingFor(
  deps: ApproverDeps,
  data: HomeData,
  userId: string,
): Promise<RequestDigest[]> {
  const candidates = data.pending.filter(
    (request) => request.status === 'awaiting_approval' && waitsFor(request, userId),
  );
  const decidable = await Promise.all(
    candidates.map((request) =>
      approvesCommand(deps, request.command, userId).catch((error: unknown) => {
        deps.log.warn('could not tell whether the Home tab viewer may decide a request', {
          userId,
          requestId: request.requestId,
          error,
        });
        return false;
      }),
    ),
  );
  return candidates
    .filter((_request, i) => decidable[i])
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** One person's Home tab content from data read once. */
export async function homeContentFor(deps: HomeDeps, data: HomeData, userId: string): Promise<HomeContent> {
  const [isApprover, awaiting, rules] = await Promise.all([
    viewerIsApprover(deps, userId),
    awaitingFor(deps, data, userId),
    standingsFor(deps.rules ?? defaultAccessRules(), userId, deps.groups ?? NO_GROUPS, (id) =>
      deps.approvers.isApprover(id),
    ),
  ]);
  return {
    userId,
    isApprover: isApprover || awaiting.length > 0,
    grants: data.active
      .filter((request) => concerns(request, userId))
      .sort((a, b) => (a.accessExpiresAt ?? '').localeCompare(b.accessExpiresAt ?? '')),
    pending: data.pending
      .filter((request) => request.requester.userId === userId)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    awaiting,
    rules,
  };
}

/** Everything one person's Home tab shows, read from the byStatus index. */
export async function gatherHome(deps: HomeDeps, userId: string): Promise<HomeContent> {
  return homeContentFor(deps, await readHomeData(deps), userId);
}
