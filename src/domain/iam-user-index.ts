/**
 * IAM_USER_MAPPING=tag in a big account: which IAM user carries `SlackUserId=<U…>`, without listing every
 * user's tags on each command. An index (Slack user id -> IAM user name, per account) is kept in the
 * requests table under its own key prefix (src/aws/user-index-store.ts). It is only a hint: an entry is
 * trusted after IAM confirms it (GetUser returns the user's tags: one call), so a moved tag can never
 * map a Slack user to the wrong IAM user.
 *
 * Only the refreshUserIndex function scans the account (ListUsers + ListUserTags, about one IAM call per
 * user). The Slack path never does: a miss or a stale entry asks the refresh for a re-scan (one
 * conditional write, at most once per `rescanCooldownSeconds` per account) and answers at once, so a
 * mention costs the same few calls in a 10,000-user account whether the index knows it or not. The
 * refresh runs every minute and scans when asked to, or when its last scan is an hour old.
 */
import { AccountAccessDeniedError } from './accounts';
import type { PrincipalRef } from './plans';
import type { Clock, Log } from './ports';

/** The tag an IAM user carries to say which Slack user it is. */
export const SLACK_USER_ID_TAG = 'SlackUserId';

/** The account the index is kept for when config names none (local runs without AWS_ACCOUNT_ID). */
export const UNNAMED_ACCOUNT = 'this-account';

/** The refresh scans at least this often even when no miss asked it to (it runs every minute). */
export const FULL_REFRESH_SECONDS = 3600;

/** At most this many IAM users are named (and confirmed, one GetUser each) for one Slack id. */
export const MAX_NAMES_PER_ENTRY = 5;

/**
 * One index entry: a Slack user id and the IAM user that carried its tag when the account was scanned;
 * `otherUserNames` when more than one did (the mention is then refused, naming them all).
 */
export interface UserIndexEntry {
  slackUserId: string;
  userName: string;
  otherUserNames?: string[];
  indexedAt: string;
}

/** What the last complete scan of an account saw: when it started and how many users were tagged. */
export interface IndexPass {
  indexedAt: string;
  taggedUsers: number;
}

/** Where the index lives (DynamoDB in AWS, dynalite in tests and local mode). */
export interface UserIndexStore {
  get(accountId: string, slackUserId: string): Promise<UserIndexEntry | undefined>;
  /** Writes these entries (replacing those of the same Slack ids). */
  putAll(accountId: string, entries: readonly UserIndexEntry[]): Promise<void>;
  delete(accountId: string, slackUserId: string): Promise<void>;
  /**
   * Asks the refresh function to re-scan the account: true when no re-scan was asked for within
   * `cooldownSeconds`, or the last one asked was served by the scan that started at `lastIndexedAt`
   * (one conditional write, so concurrent misses make one request between them).
   */
  requestScan(
    accountId: string,
    now: string,
    cooldownSeconds: number,
    lastIndexedAt?: string,
  ): Promise<boolean>;
  /** When a re-scan was last asked for, if ever. */
  scanRequestedAt(accountId: string): Promise<string | undefined>;
  /** The last complete scan of the account, if any. */
  lastPass(accountId: string): Promise<IndexPass | undefined>;
  recordPass(accountId: string, pass: IndexPass): Promise<void>;
}

/** The IAM reads the index needs; IamPort implements them. */
export interface TaggedUserReader {
  /** The user and its tags (GetUser), or undefined when IAM says NoSuchEntity. */
  userWithTags(name: string): Promise<{ principal: PrincipalRef; tags: Record<string, string> } | undefined>;
  /** Every IAM user carrying tag `key`, with its value (ListUsers, then ListUserTags per user). */
  usersTagged(key: string): Promise<Array<{ principal: PrincipalRef; value: string }>>;
}

export interface UserIndexDeps {
  store: UserIndexStore;
  /** IAM of the account the index is for. */
  iam: TaggedUserReader;
  clock: Clock;
  log: Log;
  /** The account the index is for (the hub's by default; the accounts work adds others). */
  accountId: string;
  /** A miss asks for at most one re-scan per account within this many seconds (src/config.ts). */
  rescanCooldownSeconds: number;
}

/**
 * What a lookup found: one IAM user; none (a full scan found none); several carrying the tag (refused,
 * naming them); or not indexed yet (the index does not know the Slack id: a re-scan is asked for).
 */
export type IndexLookup =
  | { kind: 'found'; principal: PrincipalRef }
  | { kind: 'none' }
  | { kind: 'ambiguous'; userNames: string[] }
  | { kind: 'not_indexed'; accountId: string; lastPass?: IndexPass };

/** What one scan of the account found: Slack id -> the IAM users tagged with it. */
export interface ScanResult {
  bySlackId: Map<string, PrincipalRef[]>;
  users: number;
}

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Whether IAM user `name` carries `SlackUserId=<slackUserId>` now (GetUser: one IAM call). */
export async function userCarriesTag(
  iam: TaggedUserReader,
  name: string,
  slackUserId: string,
): Promise<PrincipalRef | undefined> {
  const user = await iam.userWithTags(name);
  return user && user.tags[SLACK_USER_ID_TAG] === slackUserId ? user.principal : undefined;
}

/** The lookup answer for the IAM users found carrying one Slack id (by a scan or confirmed entries). */
export const lookupOf = (principals: readonly PrincipalRef[]): IndexLookup => {
  const [only] = principals;
  if (principals.length > 1) return { kind: 'ambiguous', userNames: principals.map((p) => p.name) };
  return only ? { kind: 'found', principal: only } : { kind: 'none' };
};

/** Scans the account and rewrites the index from what IAM says now; only the refresh function calls it. */
export async function rebuildUserIndex(
  deps: Omit<UserIndexDeps, 'rescanCooldownSeconds'>,
): Promise<ScanResult> {
  // A tag added while the scan runs may be missed: a request made after this instant asks for another.
  const indexedAt = deps.clock.now().toISOString();
  const tagged = await deps.iam.usersTagged(SLACK_USER_ID_TAG);
  const bySlackId = new Map<string, PrincipalRef[]>();
  for (const { principal, value } of tagged) {
    bySlackId.set(value, [...(bySlackId.get(value) ?? []), principal]);
  }
  const entries: UserIndexEntry[] = [];
  for (const [slackUserId, principals] of bySlackId) {
    const [first, ...others] = principals.slice(0, MAX_NAMES_PER_ENTRY).map((p) => p.name);
    if (!first) continue;
    // Two users claiming one Slack id: both are kept, so a lookup refuses and names them rather than guess.
    entries.push({
      slackUserId,
      userName: first,
      ...(others.length ? { otherUserNames: others } : {}),
      indexedAt,
    });
  }
  await deps.store.putAll(deps.accountId, entries);
  await deps.store.recordPass(deps.accountId, { indexedAt, taggedUsers: tagged.length });
  deps.log.info('IAM user index rebuilt', {
    accountId: deps.accountId,
    taggedUsers: tagged.length,
    entries: entries.length,
  });
  return { bySlackId, users: tagged.length };
}

/**
 * Whether the refresh should scan now: never scanned, a miss asked since the last scan, or an hour passed;
 * `dueSince` (ISO) orders the due accounts: the one waiting longest first (never indexed: the epoch).
 */
export async function scanIsDue(
  deps: Pick<UserIndexDeps, 'store' | 'clock' | 'accountId'>,
): Promise<{ due: boolean; why: string; dueSince?: string }> {
  const [pass, requestedAt] = await Promise.all([
    deps.store.lastPass(deps.accountId),
    deps.store.scanRequestedAt(deps.accountId),
  ]);
  if (!pass) return { due: true, why: 'never indexed', dueSince: new Date(0).toISOString() };
  if (requestedAt !== undefined && requestedAt >= pass.indexedAt) {
    return { due: true, why: 'a miss asked', dueSince: requestedAt };
  }
  const hourly = Date.parse(pass.indexedAt) + FULL_REFRESH_SECONDS * 1000;
  return deps.clock.now().getTime() >= hourly
    ? { due: true, why: 'hourly', dueSince: new Date(hourly).toISOString() }
    : { due: false, why: 'up to date' };
}

/** An account whose index the refresh keeps (the hub, and each member of ACCOUNTS). */
export interface IndexedAccount {
  name: string;
  id: string;
  hub: boolean;
}

/** What one refresh tick needs: every account to keep an index for, hub first, and IAM in each. */
export interface IndexRefreshDeps extends Pick<UserIndexDeps, 'store' | 'clock' | 'log'> {
  accounts: readonly IndexedAccount[];
  /**
   * The IAM reads in an account: the hub with the function's own credentials, a member through its
   * refreshUserIndex member role (an AccountAccessDeniedError when the account refuses it).
   */
  iamIn(account: IndexedAccount): Promise<TaggedUserReader>;
}

/**
 * A tick does not start a scan with less time left than this (a 10,000-user scan takes about a minute):
 * the accounts it leaves stay due and the next tick, a minute later, takes them first.
 */
export const MIN_SCAN_TIME_MS = 90_000;

/** What a tick did in one account. */
export type AccountRefresh = { account: string; accountId: string } & (
  | { outcome: 'scanned'; why: string; taggedUsers: number }
  | { outcome: 'up to date' }
  /** Due, but too little time was left: still due on the next tick. */
  | { outcome: 'deferred'; why: string }
  /** The member role was refused (stack missing, trust wrong): `message` says what to deploy. */
  | { outcome: 'refused'; why: string; message: string }
  | { outcome: 'failed'; why: string; message: string }
);

/**
 * One tick of the refresh across every account: which are due (scanIsDue, each its own), then the due
 * ones one at a time, the hub first and then the one waiting longest, while `remainingMs()` leaves
 * MIN_SCAN_TIME_MS for a scan. A member that refuses its role, or a scan that fails, is logged and
 * reported, and the other accounts are still scanned (the failed one stays due).
 */
export async function refreshUserIndexes(
  deps: IndexRefreshDeps,
  remainingMs: () => number,
): Promise<AccountRefresh[]> {
  const checked = await Promise.all(
    deps.accounts.map(async (account) => ({
      account,
      ...(await scanIsDue({ store: deps.store, clock: deps.clock, accountId: account.id })),
    })),
  );
  const queue = checked
    .filter((entry) => entry.due)
    .sort(
      (a, b) =>
        Number(b.account.hub) - Number(a.account.hub) || (a.dueSince ?? '').localeCompare(b.dueSince ?? ''),
    );
  const results = new Map<string, AccountRefresh>();
  for (const { account } of checked.filter((entry) => !entry.due)) {
    results.set(account.id, { account: account.name, accountId: account.id, outcome: 'up to date' });
  }
  for (const { account, why } of queue) {
    results.set(account.id, await refreshOne(deps, account, why, remainingMs));
  }
  return deps.accounts.flatMap((account) => results.get(account.id) ?? []);
}

async function refreshOne(
  deps: IndexRefreshDeps,
  account: IndexedAccount,
  why: string,
  remainingMs: () => number,
): Promise<AccountRefresh> {
  const named = { account: account.name, accountId: account.id };
  if (remainingMs() < MIN_SCAN_TIME_MS) {
    deps.log.info('IAM user index scan left for the next tick: too little time left', { ...named, why });
    return { ...named, outcome: 'deferred', why };
  }
  try {
    const iam = await deps.iamIn(account);
    const scan = await rebuildUserIndex({ ...deps, iam, accountId: account.id });
    return { ...named, outcome: 'scanned', why, taggedUsers: scan.users };
  } catch (error) {
    if (error instanceof AccountAccessDeniedError) {
      // Mentions in this account stay unresolved until its member stack is deployed: say what to deploy.
      deps.log.warn('IAM user index: the member account refused the refresh role', {
        ...named,
        deploy: error.userMessage,
        ...(error.detail ? { detail: error.detail } : {}),
      });
      return { ...named, outcome: 'refused', why, message: error.userMessage };
    }
    deps.log.error('IAM user index scan failed', { ...named, why, error });
    return { ...named, outcome: 'failed', why, message: (error as Error).message };
  }
}

/**
 * The IAM user tagged `SlackUserId=<slackUserId>`, confirmed by IAM. A hit costs one DynamoDB read and one
 * GetUser per IAM user the entry names, whatever the number of IAM users. A miss, or an entry IAM no
 * longer confirms (the tag moved, the user was deleted), makes no IAM call: it asks the refresh function
 * for a re-scan (once per cooldown) and answers `not_indexed`, with when the account was last indexed.
 */
export async function findTaggedUser(deps: UserIndexDeps, slackUserId: string): Promise<IndexLookup> {
  const entry = await deps.store.get(deps.accountId, slackUserId);
  if (entry) {
    const names = [entry.userName, ...(entry.otherUserNames ?? [])].slice(0, MAX_NAMES_PER_ENTRY);
    const confirmed = await Promise.all(names.map((name) => userCarriesTag(deps.iam, name, slackUserId)));
    const carrying = confirmed.filter((p): p is PrincipalRef => p !== undefined);
    if (carrying.length > 0) return lookupOf(carrying);
    // Stale: never trusted. Dropped so no later lookup reads it again.
    deps.log.warn('IAM user index entry is stale; asking for a re-scan', {
      accountId: deps.accountId,
      slackUserId,
    });
    await deps.store.delete(deps.accountId, slackUserId);
  }
  const now = deps.clock.now().toISOString();
  const lastPass = await deps.store.lastPass(deps.accountId);
  const asked = await deps.store.requestScan(
    deps.accountId,
    now,
    deps.rescanCooldownSeconds,
    lastPass?.indexedAt,
  );
  deps.log.info('IAM user index miss', { accountId: deps.accountId, slackUserId, rescanAsked: asked });
  return { kind: 'not_indexed', accountId: deps.accountId, ...(lastPass ? { lastPass } : {}) };
}

/** Whether the IAM user `userName` is the one tagged for `slackUserId` right now (no index involved). */
export async function isTaggedFor(
  iam: TaggedUserReader,
  userName: string,
  slackUserId: string,
): Promise<boolean> {
  const principal = await userCarriesTag(iam, userName, slackUserId);
  return principal !== undefined && sameName(principal.name, userName);
}
