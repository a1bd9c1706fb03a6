import type { ResolvedTarget, TargetRef } from './command';
import { TargetNotFoundError } from './errors';
import type { IamPort, SlackPort } from './ports';

export type IamUserMapping = 'email' | 'tag';

export interface ResolveDeps {
  iam: IamPort;
  slack: SlackPort;
  iamUserMapping: IamUserMapping;
}

const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;
const HOW_TO_NAME = 'Name the IAM user directly with `user:NAME`.';

/** Turns what the requester typed into an IAM user or group that exists, or says how to fix it. */
export async function resolveTarget(deps: ResolveDeps, ref: TargetRef): Promise<ResolvedTarget> {
  if (ref.kind === 'user' || ref.kind === 'group') {
    const principal = await deps.iam.findPrincipal(ref.kind, ref.name);
    if (!principal) {
      throw new TargetNotFoundError(
        `There is no IAM ${ref.kind} named \`${ref.name}\` in this account (names are case-sensitive).`,
      );
    }
    return { kind: principal.kind as 'user' | 'group', name: principal.name, arn: principal.arn };
  }
  const slackUser = await deps.slack.lookupUser(ref.slackUserId);
  if (!slackUser || slackUser.deleted) {
    throw new TargetNotFoundError(`Slack does not know an active user <@${ref.slackUserId}>. ${HOW_TO_NAME}`);
  }
  if (deps.iamUserMapping === 'tag') {
    const tagged = await deps.iam.findUserByTag('SlackUserId', ref.slackUserId);
    if (!tagged) {
      throw new TargetNotFoundError(
        `No single IAM user is tagged \`SlackUserId=${ref.slackUserId}\` for <@${ref.slackUserId}>. ${HOW_TO_NAME}`,
      );
    }
    return { kind: 'user', name: tagged.name, arn: tagged.arn, slackUserId: ref.slackUserId };
  }
  const email = slackUser.email;
  if (!email) {
    throw new TargetNotFoundError(
      `<@${ref.slackUserId}> has no email in their Slack profile that the bot can read. ${HOW_TO_NAME}`,
    );
  }
  // The IAM user named exactly as the email, else the email's local part.
  const candidates = [email, email.slice(0, email.indexOf('@'))].filter((name) => IAM_USER_NAME.test(name));
  for (const name of candidates) {
    const principal = await deps.iam.findPrincipal('user', name);
    if (principal)
      return { kind: 'user', name: principal.name, arn: principal.arn, slackUserId: ref.slackUserId };
  }
  throw new TargetNotFoundError(
    `No IAM user is named \`${candidates.join('` or `')}\` for <@${ref.slackUserId}>. ${HOW_TO_NAME}`,
  );
}

/**
 * The IAM user ARN a Slack user maps to, for the "nobody approves a change to themselves" rule; undefined
 * when no IAM user maps. Other failures (Slack or IAM unavailable) propagate, so the click is refused.
 */
export const clickerIdentity =
  (deps: ResolveDeps) =>
  async (slackUserId: string): Promise<string | undefined> => {
    try {
      return (await resolveTarget(deps, { kind: 'slack', slackUserId })).arn;
    } catch (error) {
      if (error instanceof TargetNotFoundError) return undefined;
      throw error;
    }
  };
