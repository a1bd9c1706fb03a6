import type { ActionsBlock, Button, HomeView, KnownBlock, SectionBlock } from '@slack/types';
import type { AccountRulesContent, HomeContent, NamedAccount } from '../../domain/home';
import type { RequestDigest } from '../../domain/request';
import { ACTION_IDS } from '../ids';
import { accountPrefix, extensionText } from './approval-card';
import { fitLines, SLACK_LIMITS, truncate } from './limits';
import { tierStandingLine } from './rules-text';
import { describeCommand, mention, neutralizeBroadcasts, slackDate } from './text';

/** Slack's limit for a Home tab; the lists below are capped so the view always fits. */
export const MAX_HOME_BLOCKS = 100;
/** Requests shown per list; the rest are counted in an "and N more" line. */
export const HOME_LIST_CAP = 15;
/** Section text is at most 3,000 characters; a reason is the only free text and is cut well below. */
const MAX_REASON_CHARS = 200;

const section = (text: string, accessory?: Button): SectionBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text },
  ...(accessory ? { accessory } : {}),
});
const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
const header = (text: string): KnownBlock => ({
  type: 'header',
  text: { type: 'plain_text', text, emoji: true },
});

const button = (text: string, actionId: string, requestId: string, style?: 'primary' | 'danger'): Button => ({
  type: 'button',
  text: { type: 'plain_text', text, emoji: true },
  action_id: actionId,
  value: requestId,
  ...(style ? { style } : {}),
});

const reasonLine = (request: RequestDigest): string => {
  const reason = request.command.reason;
  if (!reason) return '';
  const cut = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason;
  return `\n_${neutralizeBroadcasts(cut).replace(/[_*~`]/g, ' ')}_`;
};

/** A list capped at HOME_LIST_CAP, with "and N more" when it was cut. */
function capped<T>(items: readonly T[], render: (item: T) => KnownBlock[], more: string): KnownBlock[] {
  const shown = items.slice(0, HOME_LIST_CAP).flatMap(render);
  const hidden = items.length - HOME_LIST_CAP;
  return hidden > 0 ? [...shown, context(`…and ${hidden} more ${more}.`)] : shown;
}

// Extend opens a modal (the time the tier still allows, a reason); Relinquish ends the grant now.
const grantBlocks = (request: RequestDigest): KnownBlock[] => [
  section(
    `${accountPrefix(request)}*${describeCommand(request.command)}* (${request.requestId})\n` +
      (request.accessExpiresAt ? `Ends ${slackDate(request.accessExpiresAt)}` : 'In effect'),
  ),
  {
    type: 'actions',
    block_id: `grant:${request.requestId}`,
    elements: [
      button('Extend', ACTION_IDS.extend, request.requestId),
      button('Relinquish', ACTION_IDS.relinquish, request.requestId, 'danger'),
    ],
  } satisfies ActionsBlock,
];

/** What a request asks, as its card says it: an extension reads "extend REQ-X by 2h: ends … → …". */
const asked = (request: RequestDigest): string =>
  request.extends ? extensionText(request.extends) : describeCommand(request.command);

const pendingBlocks = (request: RequestDigest): KnownBlock[] => [
  section(
    `${accountPrefix(request)}*${asked(request)}* (${request.requestId})\n` +
      `${request.status === 'awaiting_approval' ? `Waiting for approval (${request.approvals.length} of ${request.requiredApprovals})` : request.status.replace('_', ' ')}` +
      ` · asked ${slackDate(request.createdAt)}`,
    request.status === 'awaiting_approval' || request.status === 'planning'
      ? button('Cancel', ACTION_IDS.cancel, request.requestId)
      : undefined,
  ),
];

// The same action ids as the card's buttons: a click here is authorized by the same server-side check.
const awaitingBlocks = (request: RequestDigest): KnownBlock[] => [
  section(
    `${accountPrefix(request)}${mention(request.requester.userId)} asks to *${asked(request)}* (${request.requestId})` +
      `${reasonLine(request)}\nAsked ${slackDate(request.createdAt)}` +
      (request.requiredApprovals > 1
        ? ` · ${request.approvals.length} of ${request.requiredApprovals} approvals`
        : ''),
  ),
  {
    type: 'actions',
    block_id: `decide:${request.requestId}`,
    elements: [
      button('Approve', ACTION_IDS.approve, request.requestId, 'primary'),
      button('Deny', ACTION_IDS.deny, request.requestId, 'danger'),
    ],
  } satisfies ActionsBlock,
];

/** One person's Home tab: their grants, their pending requests, what waits for them, and the rules. */
export function homeView(content: HomeContent, notice?: string): HomeView {
  const blocks: KnownBlock[] = [header('CodeBuild access')];
  if (notice) blocks.push(section(truncate(neutralizeBroadcasts(notice), SLACK_LIMITS.text)));
  blocks.push(header('Your access'));
  blocks.push(
    ...(content.grants.length > 0
      ? capped(content.grants, grantBlocks, 'grants')
      : [
          // The viewer's own mention, not a placeholder: `@you` typed as it is names no one.
          context(
            `No time-bound access in effect. Ask with /codebuild-access grant ${mention(content.userId)} developer for 8h`,
          ),
        ]),
  );
  blocks.push({ type: 'divider' }, header('Your pending requests'));
  blocks.push(
    ...(content.pending.length > 0
      ? capped(content.pending, pendingBlocks, 'pending requests')
      : [context('Nothing pending.')]),
  );
  if (content.isApprover) {
    blocks.push({ type: 'divider' }, header('Waiting for your approval'));
    blocks.push(
      ...(content.awaiting.length > 0
        ? capped(content.awaiting, awaitingBlocks, 'requests (see the audit channel)')
        : [context('Nothing waits for you.')]),
    );
  }
  blocks.push({ type: 'divider' }, header('Rules that apply to you'));
  const standings = [
    content.rules,
    ...(content.perAccount?.overrides.map((each) => each.rules) ?? []),
  ].flat();
  const footer = context(
    standings.some((standing) => standing.rule.breakGlass)
      ? 'Nobody approves their own request or a change for themselves, except their own access on a break-glass tier.'
      : 'Nobody approves their own request or a change for themselves.',
  );
  // The rules come last: they get the blocks the capped lists above left, and the footer keeps one.
  blocks.push(...rulesBlocks(content, MAX_HOME_BLOCKS - blocks.length - 1));
  blocks.push(footer);
  return { type: 'home', blocks };
}

const accountName = (account: NamedAccount): string =>
  account.id === undefined ? `*${account.name}*` : `*${account.name}* · ${account.id}`;

/** A set of tier rules as one section: its heading line, then a line per tier, cut to fit a section. */
const rulesSection = (heading: string | undefined, standings: HomeContent['rules']): KnownBlock =>
  section(fitLines([...(heading ? [heading] : []), ...standings.map(tierStandingLine)], SLACK_LIMITS.text));

/**
 * The rules that apply to the viewer: the top-level tiers alone when no account has rules of its own;
 * else the top-level tiers as the default (naming the accounts that follow them), then one section per
 * account with its own rules. At most `budget` blocks: accounts past it are named in one last line,
 * with the command that shows their rules.
 */
function rulesBlocks(content: HomeContent, budget: number): KnownBlock[] {
  const perAccount = content.perAccount;
  if (perAccount === undefined) return [section(content.rules.map(tierStandingLine).join('\n'))];
  const blocks: KnownBlock[] = [rulesSection(defaultHeading(perAccount), content.rules)];
  const room = Math.max(0, budget - blocks.length);
  const fits = perAccount.overrides.length <= room;
  const shown = fits ? perAccount.overrides : perAccount.overrides.slice(0, Math.max(0, room - 1));
  for (const { account, rules } of shown) {
    blocks.push(rulesSection(`In ${accountName(account)}, its own rules:`, rules));
  }
  const hidden = perAccount.overrides.slice(shown.length);
  if (hidden.length > 0) {
    const names = hidden.map(({ account }) => `\`rules in ${account.name}\``).join(', ');
    blocks.push(
      context(
        truncate(`…and ${hidden.length} more accounts with their own rules: ${names}.`, SLACK_LIMITS.text),
      ),
    );
  }
  return blocks;
}

/** Which accounts the top-level tiers govern: the named ones, or (names unknown) every other account. */
function defaultHeading(perAccount: AccountRulesContent): string {
  if (perAccount.defaultAccounts.length === 0) {
    return '*Default rules*, in every account without rules of its own:';
  }
  return `*Default rules*, in ${perAccount.defaultAccounts.map(accountName).join(', ')}:`;
}
