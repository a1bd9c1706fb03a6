import type { Wording } from '../../domain/ports';
import {
  accountPrefix,
  approvalCard,
  autoApprovedLine,
  cardText,
  contextBlock,
  decidedCard,
} from './approval-card';
import { directMessage } from './direct-messages';
import { lifecycleActions, relinquishButton } from './lifecycle';
import { cardStatusLine, sayNotice } from './notices';
import { accountTag } from './text';

/** The Wording port on Slack: mrkdwn and Block Kit, built by this folder's pure builders. */
export const slackWording: Wording = {
  say: sayNotice,
  accountTag,
  direct: directMessage,
  approvalCard: (request, expiresAt) => ({
    text: cardText(request),
    blocks: approvalCard(request, expiresAt),
  }),
  autoApprovedCard: (request, by) => ({
    text: `${cardText(request)} (auto-approved by rule ${by.rule})`,
    blocks: decidedCard(request, autoApprovedLine(by.rule, by.source)),
  }),
  closedCard: (request, status, autoApproved) => ({
    text: `${accountPrefix(request)}${request.requestId}: ${request.status.replace('_', ' ')}`,
    blocks: [
      ...decidedCard(request, autoApproved && autoApprovedLine(autoApproved.rule, autoApproved.source)),
      contextBlock(cardStatusLine(status)),
      // A time-bound grant in effect: its holder may give it up (checked on the server per click).
      ...(request.status === 'active'
        ? [lifecycleActions(request.requestId, relinquishButton(request.requestId))]
        : []),
    ],
  }),
};
