import type { Wording } from '../../domain/ports';
import { approvalCard, cardText, decidedCard } from './approval-card';
import { cardStatusLine, sayNotice } from './notices';

/** The Wording port on Slack: mrkdwn and Block Kit, built by this folder's pure builders. */
export const slackWording: Wording = {
  say: sayNotice,
  approvalCard: (request, expiresAt) => ({
    text: cardText(request),
    blocks: approvalCard(request, expiresAt),
  }),
  closedCard: (request, status) => ({
    text: `${request.requestId}: ${request.status.replace('_', ' ')}`,
    blocks: [
      ...decidedCard(request),
      { type: 'context', elements: [{ type: 'mrkdwn', text: cardStatusLine(status) }] },
    ],
  }),
};
