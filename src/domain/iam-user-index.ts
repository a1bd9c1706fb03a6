/**
 * IAM_USER_MAPPING=tag in a big account: which IAM user carries `SlackUserId=<U…>`, without listing every
 * user's tags on each command. An index (Slack user id -> IAM user name, per account) is kept in the
 * requests table under its own key prefix (src/aws/user-index-store.ts). It is only a hint: an entry is
 * trusted after IAM confirms it (GetUser returns the user's tags: one call), so a moved tag can never
 * map a Slack user to the wrong IAM user. A miss or a stale entry re-scans the account (ListUsers +
 * ListUserTags), at most once per `rescanCooldownSeconds` per account; the scheduled refreshUserIndex
 * function re-scans too, so misses stay rare.
 */
import type { PrincipalRef } from './plans';
import type { Clock, Log } from './ports';

/** The tag an IAM user carries to say which Slack user it is. */
export const SLACK_USER_ID_TAG = 'SlackUserId';

/** The account the index is kept for when config names none (local runs without AWS_ACCOUNT_ID). */
export const UNNAMED_ACCOUNT = 'this-account';

/** One index entry: a Slack user id and the IAM user that carried its tag when the account was scanned. */
export interface UserIndexEntry {
  slackUserId: string;
  userName: string;
  indexedAt: string;
}

/** Where the index lives (DynamoDB in AWS, dynalite in tests and local mode). */
export interface UserIndexStore {
  get(accountId: string, slackUserId: string): Promise<UserIndexEntry | undefined>;
  /** Writes these entries (replacing those of the same Slack ids). */
  putAll(accountId: string, entries: readonly UserIndexEntry[]): Promise<void>;
  delete(accountId: string, slackUserId: string): Promise<void>;
  /**
   * Claims the right to re-scan the account now: true when no scan started within `cooldownSeconds`
   * (one conditional write, so concurrent misses start one scan between them).
   */
  claimScan(accountId: string, now: string, cooldownSeconds: number): Promise<boolean>;
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
  /** At most one re-scan on a miss per account within this many seconds (src/config.ts). */
  rescanCooldownSeconds: number;
}

/** What a lookup found: one IAM user, none, or more than one carrying the tag (ambiguous: refused). */
export type IndexLookup =
  | { kind: 'found'; principal: PrincipalRef }
  | { kind: 'none' }
  | { kind: 'ambiguous' };

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

/** Scans the account and rewrites the index from what IAM says now; the scheduled refresh calls it. */
export async function rebuildUserIndex(
  deps: Omit<UserIndexDeps, 'rescanCooldownSeconds'>,
): Promise<ScanResult> {
  const tagged = await deps.iam.usersTagged(SLACK_USER_ID_TAG);
  const bySlackId = new Map<string, PrincipalRef[]>();
  for (const { principal, value } of tagged) {
    bySlackId.set(value, [...(bySlackId.get(value) ?? []), principal]);
  }
  const indexedAt = deps.clock.now().toISOString();
  const entries: UserIndexEntry[] = [];
  for (const [slackUserId, principals] of bySlackId) {
    const [only] = principals;
    if (principals.length === 1 && only) entries.push({ slackUserId, userName: only.name, indexedAt });
  }
  await deps.store.putAll(deps.accountId, entries);
  // Two users claiming one Slack id: no entry, so a lookup re-scans and refuses rather than guess.
  for (const [slackUserId, principals] of bySlackId) {
    if (principals.length > 1) await deps.store.delete(deps.accountId, slackUserId);
  }
  deps.log.info('IAM user index rebuilt', {
    accountId: deps.accountId,
    taggedUsers: tagged.length,
    entries: entries.length,
  });
  return { bySlackId, users: tagged.length };
}

const fromScan = (scan: ScanResult, slackUserId: string): IndexLookup => {
  const found = scan.bySlackId.get(slackUserId) ?? [];
  const [only] = found;
  if (found.length > 1) return { kind: 'ambiguous' };
  return only ? { kind: 'found', principal: only } : { kind: 'none' };
};

/**
 * The IAM user tagged `SlackUserId=<slackUserId>`, confirmed by IAM. A hit costs one DynamoDB read and one
 * GetUser, whatever the number of IAM users. A miss, or an entry IAM no longer confirms (the tag moved,
 * the user was deleted), re-scans the account once per cooldown; within the cooldown it answers `none`.
 */
export async function findTaggedUser(deps: UserIndexDeps, slackUserId: string): Promise<IndexLookup> {
  const entry = await deps.store.get(deps.accountId, slackUserId);
  if (entry) {
    const principal = await userCarriesTag(deps.iam, entry.userName, slackUserId);
    if (principal) return { kind: 'found', principal };
    // Stale: never trusted. Dropped so no later lookup reads it again.
    deps.log.warn('IAM user index entry is stale; re-scanning', { accountId: deps.accountId, slackUserId });
    await deps.store.delete(deps.accountId, slackUserId);
  }
  const now = deps.clock.now().toISOString();
  if (!(await deps.store.claimScan(deps.accountId, now, deps.rescanCooldownSeconds))) {
    return { kind: 'none' };
  }
  return fromScan(await rebuildUserIndex(deps), slackUserId);
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
