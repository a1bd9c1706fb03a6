import type { ResolvedTarget, TargetRef } from './command';
import { TargetNotFoundError } from './errors';
import { IAM_USER_NAME } from './iam-names';
import {
  findTaggedUser,
  type IndexLookup,
  lookupOf,
  SLACK_USER_ID_TAG,
  type UserIndexDeps,
} from './iam-user-index';
import type { UnmappedWhy } from './notices';
import type { PrincipalRef } from './plans';
import type { IamPort, SlackPort, Wording } from './ports';

export type IamUserMapping = 'email' | 'tag';

export interface ResolveDeps {
  iam: IamPort;
  slack: SlackPort;
  iamUserMapping: IamUserMapping;
  /**
   * IAM_USER_EMAIL_DOMAINS, lower case: only emails at these domains map by their local part. Any other
   * email must equal an IAM user name, so `alice@elsewhere` can never stand for IAM user `alice`.
   */
  iamUserEmailDomains: readonly string[];
  /** Words why a Slack user maps to no IAM user (src/slack/blocks/). */
  wording: Wording;
  /**
   * IAM_USER_MAPPING=tag: the Slack id -> IAM user index (src/domain/iam-user-index.ts), which IAM
   * confirms on each use. Absent (no table wired), every lookup scans the account's users.
   */
  userIndex?: Omit<UserIndexDeps, 'iam'>;
}

/** The IAM user tagged for a Slack user: through the index when one is wired, else by a full scan. */
async function taggedUser(deps: ResolveDeps, slackUserId: string): Promise<IndexLookup> {
  if (deps.userIndex) return findTaggedUser({ ...deps.userIndex, iam: deps.iam }, slackUserId);
  const found = (await deps.iam.usersTagged(SLACK_USER_ID_TAG)).filter((u) => u.value === slackUserId);
  return lookupOf(found.map((u) => u.principal));
}

/**
 * The IAM user names an email may map to, best first: the whole email, then its local part when the
 * email's domain is one the operator listed (compared without regard to case).
 */
export function emailUserNames(email: string, domains: readonly string[]): string[] {
  const at = email.lastIndexOf('@');
  const domain = at < 0 ? '' : email.slice(at + 1).toLowerCase();
  const names = domains.includes(domain) ? [email, email.slice(0, at)] : [email];
  return names.filter((name) => IAM_USER_NAME.test(name));
}

/** Why an email did not map, for the requester to act on. */
function unmappedEmail(email: string, domains: readonly string[]): UnmappedWhy {
  const at = email.lastIndexOf('@');
  return {
    kind: 'email_unmapped',
    email,
    tried: emailUserNames(email, domains),
    domains,
    domain: email.slice(at + 1),
  };
}

/** A TargetNotFoundError saying, in the wording module's words, why a Slack user maps to no IAM user. */
const notMapped = (deps: ResolveDeps, slackUserId: string, why: UnmappedWhy): TargetNotFoundError =>
  new TargetNotFoundError(deps.wording.say({ kind: 'slack_user_not_mapped', slackUserId, why }));

/** Why a tag lookup that found no single IAM user did not. */
function whyNotTagged(lookup: Exclude<IndexLookup, { kind: 'found' }>): UnmappedWhy {
  switch (lookup.kind) {
    case 'ambiguous':
      return { kind: 'several_tagged_users', userNames: lookup.userNames };
    case 'not_indexed': {
      const { accountId, lastPass } = lookup;
      return {
        kind: 'not_indexed_yet',
        accountId,
        ...(lastPass ? { lastIndexedAt: lastPass.indexedAt, taggedUsers: lastPass.taggedUsers } : {}),
      };
    }
    case 'none':
      return { kind: 'no_single_tagged_user' };
  }
}

/** Turns what the requester typed into an IAM user or group that exists, or says how to fix it. */
export async function resolveTarget(deps: ResolveDeps, ref: TargetRef): Promise<ResolvedTarget> {
  if (ref.kind === 'user' || ref.kind === 'group') {
    const principal = await deps.iam.findPrincipal(ref.kind, ref.name);
    if (!principal) {
      throw new TargetNotFoundError(`There is no IAM ${ref.kind} named \`${ref.name}\` in this account.`);
    }
    return { kind: principal.kind as 'user' | 'group', name: principal.name, arn: principal.arn };
  }
  const slackUser = await deps.slack.lookupUser(ref.slackUserId);
  if (!slackUser || slackUser.deleted) {
    throw notMapped(deps, ref.slackUserId, { kind: 'unknown_user' });
  }
  if (deps.iamUserMapping === 'tag') {
    const tagged = await taggedUser(deps, ref.slackUserId);
    if (tagged.kind !== 'found') throw notMapped(deps, ref.slackUserId, whyNotTagged(tagged));
    const { name, arn } = tagged.principal;
    return { kind: 'user', name, arn, slackUserId: ref.slackUserId };
  }
  const email = slackUser.email;
  if (!email) {
    throw notMapped(deps, ref.slackUserId, { kind: 'no_email' });
  }
  for (const name of emailUserNames(email, deps.iamUserEmailDomains)) {
    const principal = await deps.iam.findPrincipal('user', name);
    if (principal)
      return { kind: 'user', name: principal.name, arn: principal.arn, slackUserId: ref.slackUserId };
  }
  throw notMapped(deps, ref.slackUserId, unmappedEmail(email, deps.iamUserEmailDomains));
}

/**
 * The IAM user a Slack user maps to, for the "nobody approves a change to themselves" rule; undefined
 * when no IAM user maps. Other failures (Slack or IAM unavailable) propagate, so the click is refused.
 */
export const clickerIdentity =
  (deps: ResolveDeps) =>
  async (slackUserId: string): Promise<PrincipalRef | undefined> => {
    try {
      const target = await resolveTarget(deps, { kind: 'slack', slackUserId });
      return { kind: 'user', name: target.name, arn: target.arn };
    } catch (error) {
      if (error instanceof TargetNotFoundError) return undefined;
      throw error;
    }
  };
