import type { KnownBlock } from '@slack/types';
import type { DirectMessage, RenderedMessage } from '../../domain/notices';
import type { AccessRequest, RequestDigest } from '../../domain/request';
import { accountPrefix } from './approval-card';
import { SLACK_LIMITS, truncate } from './limits';
import { describeCommand, mention, neutralizeBroadcasts, slackDate } from './text';

const summaryOf = (request: AccessRequest): string =>
  request.plan?.summary ?? describeCommand(request.command);

/** A link in mrkdwn, when there is one. */
const cardLink = (permalink: string | undefined): string =>
  permalink ? `<${permalink}|Open the approval card>` : 'The approval card is in the audit channel.';

// The account first, as on the card: an approver deciding from a DM must see "prod".
const asks = (request: RequestDigest): string =>
  `${accountPrefix(request)}${mention(request.requester.userId)} asks to *${describeCommand(request.command)}* (${request.requestId}).`;

function decided(request: AccessRequest): string {
  const decision = request.decision;
  const by = decision?.by.length ? decision.by.map(mention).join(' and ') : 'an approver';
  if (decision?.outcome === 'denied') {
    const reason = decision.reason ? ` Reason: ${truncate(neutralizeBroadcasts(decision.reason), 1000)}` : '';
    return `:no_entry: ${summaryOf(request)} was denied by ${by}; nothing was changed.${reason}`;
  }
  return `:white_check_mark: ${summaryOf(request)} was approved by ${by}. I am applying it and will tell you when it is done.`;
}

function approvalNeeded(request: RequestDigest, permalink: string | undefined): RenderedMessage {
  const reason = request.command.reason
    ? `\n>${truncate(neutralizeBroadcasts(request.command.reason), 1000)}`
    : '';
  const until = request.approvalExpiresAt ? ` It expires ${slackDate(request.approvalExpiresAt)}.` : '';
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `:inbox_tray: *Your approval is needed.* ${asks(request)}${reason}`,
          SLACK_LIMITS.text,
        ),
      },
    },
    {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `${cardLink(permalink)}; approve or deny there or in my Home tab.${until}` },
      ],
    },
  ];
  return {
    text: `${accountPrefix(request)}Approval needed: ${request.requestId} by ${mention(request.requester.userId)}`,
    blocks,
  };
}

function approvalReminder(request: RequestDigest, permalink: string | undefined): RenderedMessage {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `:alarm_clock: *Still waiting for approval* since ${slackDate(request.createdAt)}: ${asks(request)}`,
          SLACK_LIMITS.text,
        ),
      },
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${cardLink(permalink)}.` }] },
  ];
  return { text: `${accountPrefix(request)}Reminder: ${request.requestId} still waits for approval`, blocks };
}

/** Why a time-bound grant ended, as its requester reads it: relinquished early, or its time limit. */
function accessEnded(request: AccessRequest, failed: boolean): string {
  const ended = request.relinquishedBy
    ? `was relinquished by ${mention(request.relinquishedBy)} before its time limit`
    : undefined;
  if (failed) {
    const what = ended
      ? `${summaryOf(request)} ${ended}`
      : `The time limit of ${summaryOf(request)} was reached`;
    return `:warning: ${what}, but some access could NOT be revoked; the audit thread has the command to run.`;
  }
  return ended
    ? `:leftwards_arrow_with_hook: ${summaryOf(request)} ${ended}; the access was revoked.`
    : `:hourglass: ${summaryOf(request)} has expired; the access was revoked. Ask again if you still need it.`;
}

/** Every direct message the bot sends, worded (the Wording port's `direct`), within Slack's advised length. */
export function directMessage(message: DirectMessage): RenderedMessage {
  const rendered = directMessageOf(message);
  return { ...rendered, text: truncate(rendered.text, SLACK_LIMITS.messageText) };
}

function directMessageOf(message: DirectMessage): RenderedMessage {
  switch (message.kind) {
    case 'update':
      return { text: `${message.requestId}: ${message.said}` };
    case 'decided':
      return { text: `${message.request.requestId}: ${decided(message.request)}` };
    case 'access_ended':
      return { text: `${message.request.requestId}: ${accessEnded(message.request, message.failed)}` };
    case 'approval_needed':
      return approvalNeeded(message.request, message.permalink);
    case 'approval_reminder':
      return approvalReminder(message.request, message.permalink);
    case 'failed_note':
      return {
        text: `:warning: I could not send ${mention(message.userId)} a direct message (${message.reason}); this thread has everything.`,
      };
  }
}
