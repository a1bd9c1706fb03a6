import type { ResolvedTarget, TargetRef } from './command';
import { TargetNotFoundError } from './errors';
import { IAM_USER_NAME } from './iam-names';
import { mention } from './mention';
import type { PrincipalRef } from './plan';
import type { IamPort, SlackPort } from './ports';

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
}

const HOW_TO_NAME = 'Name the IAM user directly with `user:NAME`.';

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

/** Why an email did not map, in words the requester can act on. */
function unmappedEmail(email: string, slackUserId: string, domains: readonly string[]): string {
  const at = email.lastIndexOf('@');
  const domain = email.slice(at + 1);
  const names = emailUserNames(email, domains);
  const tried =
    names.length === 0
      ? 'No IAM user name can be made from it'
      : `No IAM user is named \`${names.join('` or `')}\``;
  const rule =
    names.length > 1
      ? ''
      : domains.length === 0
        ? ' The bot maps an email to an IAM user only when the user is named exactly as the email (IAM_USER_EMAIL_DOMAINS lists no domain).'
        : ` Only emails at ${domains.join(', ')} map by the part before the @ (IAM_USER_EMAIL_DOMAINS); at ${domain} the IAM user must be named exactly as the email.`;
  return `${mention(slackUserId)}'s Slack email is \`${email}\`. ${tried} for them.${rule} ${HOW_TO_NAME}`;
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
    throw new TargetNotFoundError(
      `Slack does not know an active user ${mention(ref.slackUserId)}. ${HOW_TO_NAME}`,
    );
  }
  if (deps.iamUserMapping === 'tag') {
    const tagged = await deps.iam.findUserByTag('SlackUserId', ref.slackUserId);
    if (!tagged) {
      throw new TargetNotFoundError(
        `No single IAM user is tagged \`SlackUserId=${ref.slackUserId}\` for ${mention(ref.slackUserId)}. ${HOW_TO_NAME}`,
      );
    }
    return { kind: 'user', name: tagged.name, arn: tagged.arn, slackUserId: ref.slackUserId };
  }
  const email = slackUser.email;
  if (!email) {
    throw new TargetNotFoundError(
      `${mention(ref.slackUserId)} has no email in their Slack profile that the bot can read. ${HOW_TO_NAME}`,
    );
  }
  for (const name of emailUserNames(email, deps.iamUserEmailDomains)) {
    const principal = await deps.iam.findPrincipal('user', name);
    if (principal)
      return { kind: 'user', name: principal.name, arn: principal.arn, slackUserId: ref.slackUserId };
  }
  throw new TargetNotFoundError(unmappedEmail(email, ref.slackUserId, deps.iamUserEmailDomains));
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
