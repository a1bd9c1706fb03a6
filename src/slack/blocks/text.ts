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

/** One mention helper for the whole app; the domain owns it so domain wording can use it too. */
export { mention, mentions } from '../../domain/mention';

/** Slack date tokens live in dates.ts; re-exported so existing imports keep working. */
export { slackDate } from './dates';
