import { describeTargetRef } from '../../domain/command';
import { describeOperation } from '../../domain/plan';
import type { AccessRequest } from '../../domain/request';
import { ACTION_IDS, DECISION_BLOCK_ID } from '../ids';
import { mention, neutralizeBroadcasts, slackDate } from './text';

type Block = Record<string, unknown>;

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
const bullets = (lines: string[]): string => lines.map((line) => `• ${line}`).join('\n');

/** The fallback text of the card (notifications, screen readers). */
export const cardText = (request: AccessRequest): string =>
  `CodeBuild access request ${request.requestId}: ${request.plan?.summary ?? request.command.action}`;

/** The part of the card every state shares: who, what, why, and the exact change. */
function describeRequest(request: AccessRequest): Block[] {
  const plan = request.plan;
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: `CodeBuild access request ${request.requestId}` } },
    section(
      `${mention(request.requester.userId)} asks to *${request.command.action} ${request.command.tier}* ` +
        `for ${describeTargetRef(request.command.target)}.`,
    ),
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Target*\n\`${request.target.arn}\`` },
        {
          type: 'mrkdwn',
          text: `*Reason*\n${request.command.reason ? neutralizeBroadcasts(request.command.reason) : '_none given_'}`,
        },
      ],
    },
  ];
  if (plan) {
    const changes = plan.steps.map((step) => describeOperation(step.do));
    blocks.push(section(`*Will change*\n${changes.length > 0 ? bullets(changes) : '_nothing_'}`));
    if (plan.unchanged.length > 0) blocks.push(context(`Already in place: ${plan.unchanged.join('; ')}`));
    for (const warning of plan.warnings) blocks.push(section(`:warning: *${warning}*`));
  }
  return blocks;
}

/** The card posted to the audit channel while a request waits for approval. */
export function approvalCard(request: AccessRequest, expiresAt: string): Block[] {
  const approved = request.approvals.map((approval) => mention(approval.userId));
  const progress =
    request.requiredApprovals > 1
      ? `Approvals: ${approved.length} of ${request.requiredApprovals}${approved.length > 0 ? ` (${approved.join(', ')})` : ''}. `
      : '';
  return [
    ...describeRequest(request),
    context(
      `${progress}Needs ${request.requiredApprovals === 1 ? 'one approver' : `${request.requiredApprovals} different approvers`} ` +
        `other than the requester. Expires ${slackDate(expiresAt)}.`,
    ),
    {
      type: 'actions',
      block_id: DECISION_BLOCK_ID,
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.approve,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          value: request.requestId,
        },
        {
          type: 'button',
          action_id: ACTION_IDS.deny,
          style: 'danger',
          text: { type: 'plain_text', text: 'Deny' },
          value: request.requestId,
        },
      ],
    },
  ];
}

/** The card once the request is decided or expired: the buttons are replaced by the outcome. */
export function decidedCard(request: AccessRequest): Block[] {
  const decision = request.decision;
  let outcome: string;
  if (decision?.outcome === 'approved') {
    outcome = `:white_check_mark: Approved by ${decision.by.map(mention).join(' and ')}`;
  } else if (decision?.outcome === 'denied') {
    outcome =
      `:no_entry: Denied by ${decision.by.map(mention).join(' and ')}` +
      (decision.reason ? `: ${neutralizeBroadcasts(decision.reason)}` : '');
  } else {
    outcome = ':hourglass: Expired: nobody decided in time. Nothing was changed.';
  }
  return [...describeRequest(request), section(outcome)];
}
