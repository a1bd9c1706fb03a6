import {
  type AccessRules,
  defaultAccessRules,
  type GroupMembership,
  NO_GROUPS,
  rulesIn,
  standingsFor,
  type TierStanding,
} from './access-rules';
import { type AccountDirectory, accountNames, accountOfCommand, memberId } from './accounts';
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
  /**
   * Only when the rules file gives accounts rules of their own: which accounts follow `rules` (the
   * top-level tiers), and each account with its own rules, marked for this person.
   */
  perAccount?: AccountRulesContent;
}

/** An account as the Home tab names it: its name, and its id when the bot's config knows it. */
export interface NamedAccount {
  name: string;
  id?: string;
}

/** The rules per account, for a Home tab. */
export interface AccountRulesContent {
  /** The configured accounts without rules of their own (they follow the top-level tiers). */
  defaultAccounts: NamedAccount[];
  /** Each account with its own rules, in the order ACCOUNTS lists them. */
  overrides: Array<{ account: NamedAccount; rules: TierStanding[] }>;
}

export interface HomeDeps {
  requests: RequestLister;
  approvers: ApproverDirectory;
  /** The rules per tier: a tier that names its own approvers is decided by them alone (as on the card). */
  rules?: AccessRules;
  groups?: GroupMembership;
  /** The configured accounts (names and ids), to say which account follows which rules. */
  accounts?: AccountDirectory;
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
export async function readHomeData(deps: Pick<HomeDeps, 'requests' | 'accounts'>): Promise<HomeData> {
  const [active, ...pendingLists] = await Promise.all([
    deps.requests.listByStatus('active', { limit: READ_LIMIT }),
    ...PENDING_STATUSES.map((status) => deps.requests.listByStatus(status, { limit: READ_LIMIT })),
  ]);
  const named = (request: RequestDigest) => withAccount(deps.accounts, request);
  return {
    active: (active ?? []).map(named),
    pending: (await withExtensions(deps.requests, pendingLists.flat())).map(named),
  };
}

/**
 * The byStatus index does not project `account` either, so a Home line would not say which account it
 * changes. The request recorded the account its command resolved to when it was made; the same
 * resolution from the same configuration gives it back (nothing in a single-account bot, as on the card).
 */
export function withAccount(directory: AccountDirectory | undefined, request: RequestDigest): RequestDigest {
  if (request.account !== undefined || directory === undefined) return request;
  try {
    const account = accountOfCommand(directory, request.command);
    return account === undefined ? request : { ...request, account };
  } catch {
    // An account no longer configured: the line names the account as the command did.
    const name = request.command.account;
    return name === undefined ? request : { ...request, account: { name, id: 'not configured' } };
  }
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
    const rules = deps.rules;
    // An approver named only by one account's own rules approves too.
    const sets = [rules, ...Object.keys(rules.accounts ?? {}).map((name) => rulesIn(rules, name))];
    const standings = await Promise.all(
      sets.map((set) =>
        standingsFor(set, userId, deps.groups ?? { isMember: async () => false }, async () => false),
      ),
    );
    return standings.flat().some((standing) => standing.mayApprove);
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

/** The account's name with its configured id (the hub's only when AWS_ACCOUNT_ID is set). */
const named = (directory: AccountDirectory | undefined, name: string): NamedAccount => {
  const id =
    directory === undefined
      ? undefined
      : name === directory.hubName
        ? directory.hubId
        : memberId(directory, name);
  return id === undefined ? { name } : { name, id };
};

/**
 * The rules per account as `userId` stands in them, or undefined when the file gives no account rules of
 * its own (the tab then shows the top-level tiers alone, as before). Overrides follow ACCOUNTS' order.
 */
export async function accountRulesFor(
  deps: Pick<HomeDeps, 'rules' | 'groups' | 'approvers' | 'accounts'>,
  userId: string,
): Promise<AccountRulesContent | undefined> {
  const rules = deps.rules;
  const own = Object.keys(rules?.accounts ?? {});
  if (rules === undefined || own.length === 0) return undefined;
  const configured = deps.accounts ? accountNames(deps.accounts) : [];
  const ordered = [
    ...configured.filter((name) => own.includes(name)),
    ...own.filter((name) => !configured.includes(name)),
  ];
  const overrides = await Promise.all(
    ordered.map(async (name) => ({
      account: named(deps.accounts, name),
      rules: await standingsFor(rulesIn(rules, name), userId, deps.groups ?? NO_GROUPS, (id) =>
        deps.approvers.isApprover(id),
      ),
    })),
  );
  return {
    defaultAccounts: configured
      .filter((name) => !own.includes(name))
      .map((name) => named(deps.accounts, name)),
    overrides,
  };
}

/** One person's Home tab content from data read once. */
export async function homeContentFor(deps: HomeDeps, data: HomeData, userId: string): Promise<HomeContent> {
  const [isApprover, awaiting, rules, perAccount] = await Promise.all([
    viewerIsApprover(deps, userId),
    awaitingFor(deps, data, userId),
    standingsFor(deps.rules ?? defaultAccessRules(), userId, deps.groups ?? NO_GROUPS, (id) =>
      deps.approvers.isApprover(id),
    ),
    accountRulesFor(deps, userId),
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
    ...(perAccount ? { perAccount } : {}),
  };
}

/** Everything one person's Home tab shows, read from the byStatus index. */
export async function gatherHome(deps: HomeDeps, userId: string): Promise<HomeContent> {
  return homeContentFor(deps, await readHomeData(deps), userId);
}
