import type { TargetAccount } from '../../domain/accounts';
import type { ChangeCommand, TargetRef } from '../../domain/command';
import { capList } from './limits';

/**
 * Text that came from a user (a reason, a label) may carry broadcast and user-group mentions
 * (<!channel>, <!here>, <!everyone>, the legacy <!group>, <!subteam^S…|@team>). Posted in the audit
 * channel they would ping everyone, so they never reach Slack as mentions:
 * 1. a well-formed one reads as plain text: `<!here>` → `@here`, `<!subteam^S1|@devs>` → `@devs`;
 * 2. then the `<` of anything left that Slack could still read as one (nested or unclosed, such as
 *    the `<!here` inside `<!channel|<!here>>`, or another letter case) becomes `&lt;`, which Slack
 *    shows as "<" and never parses.
 * The output holds no `<!` + broadcast keyword at all, so applying it again changes nothing (a fixed
 * point, checked by a property test). Other tokens (`<!date^…>`, `<@U…>`) are left alone: the
 * bot's own messages use them, and every message passes here on its way out (SlackWebApi).
 */
const WELL_FORMED = /<!(subteam\^[A-Za-z0-9]+|channel|here|everyone|group)(?:\|([^>]*))?>/g;
const ANY_LEFT = /<(?=!(?:subteam\^|channel|here|everyone|group))/gi;

export const neutralizeBroadcasts = (text: string): string =>
  text
    .replace(WELL_FORMED, (_match, what: string, label?: string) =>
      label ? label.replace(/^@?/, '@') : `@${what.startsWith('subteam') ? 'group' : what}`,
    )
    .replace(ANY_LEFT, '&lt;');

/** A Slack user mention (`<@U…>`): the one place the app writes that markup. */
export const mention = (userId: string): string => `<@${userId}>`;

/** Several mentions joined for a sentence: "<@A> and <@B>". */
export const mentions = (userIds: readonly string[]): string => userIds.map(mention).join(' and ');

/** What a change command asks for, in words: "grant developer for @alice", "create service role build-bot". */
export const describeCommand = (command: ChangeCommand): string => {
  switch (command.action) {
    case 'grant':
    case 'revoke':
      return `${command.action} ${command.tier} for ${describeTargetRef(command.target)}`;
    case 'service-role':
      return (
        `create service role ${command.roleName}${command.vpc ? ' with VPC access' : ''} ` +
        `for projects named ${command.projectPrefix}…`
      );
    case 'kms-allow':
      return `allow role ${command.roleName} to use KMS key ${command.key}`;
    case 'kms-create':
      return `create KMS key ${command.alias} for role ${command.roleName}`;
  }
};

/** A human label for a target, as typed ("@alice", "user:alice", "group:devs"). */
export const describeTargetRef = (target: TargetRef): string => {
  switch (target.kind) {
    case 'slack':
      return target.label ? `@${target.label}` : mention(target.slackUserId);
    case 'user':
      return `user:${target.name}`;
    case 'group':
      return `group:${target.name}`;
  }
};

/** Slack date tokens live in dates.ts; re-exported so existing imports keep working. */
export { slackDate } from './dates';

/** A rules file may list many people; a message names the first few and counts the rest. */
const PRINCIPALS_SHOWN = 10;

/** A list of Slack ids as Slack renders them: users as mentions, user groups (S…) as group mentions. */
export const describePrincipals = (ids: readonly string[]): string =>
  capList(
    ids.map((id) => (id.startsWith('S') ? `<!subteam^${id}>` : mention(id))),
    PRINCIPALS_SHOWN,
  ).join(', ');

/**
 * The account a request works in, as the card and every thread reply begin with it: name and id (and a
 * kms request's region), so no one approves a change in prod thinking it is dev.
 */
export const accountTag = (account: TargetAccount): string =>
  `[${account.name} · ${account.id}${account.region ? ` · ${account.region}` : ''}]`;

/** The card's first line under its header: the account, bold, with a marker that stands out. */
export const accountLine = (account: TargetAccount): string =>
  `:warning: *AWS account ${account.name} (${account.id})${account.region ? `, region ${account.region}` : ''}*`;
