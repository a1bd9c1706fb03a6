import { formatDuration } from '../../commands/parse-command';
import { statementDelta } from '../../domain/key-policy';
import { type ChangePlan, describeOperation, type Operation, policyName } from '../../domain/plan';
import { statementList } from '../../domain/plans/documents';
import type { PolicyDocument, PolicyStatement } from '../../domain/policy-documents';
import type { AccessRequest } from '../../domain/request';
import { ACTION_IDS, DECISION_BLOCK_ID } from '../ids';
import { describeCommand, mention, neutralizeBroadcasts, slackDate } from './text';

type Block = Record<string, unknown>;

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
const bullets = (lines: string[]): string => lines.map((line) => `• ${line}`).join('\n');

/** The fallback text of the card (notifications, screen readers). */
export const cardText = (request: AccessRequest): string =>
  `CodeBuild access request ${request.requestId}: ${request.plan?.summary ?? describeCommand(request.command)}`;

/** A time-bound grant's limit: before approval its length, once applied its end. */
function timeLimitField(request: AccessRequest): Array<{ type: 'mrkdwn'; text: string }> {
  const duration = 'durationSeconds' in request.command ? request.command.durationSeconds : undefined;
  if (duration === undefined) return [];
  const end = request.accessExpiresAt
    ? `ends ${slackDate(request.accessExpiresAt)}`
    : `${formatDuration(duration)} from when it is applied`;
  return [{ type: 'mrkdwn', text: `*Time limit*\n${end}, then revoked automatically` }];
}

/** The part of the card every state shares: who, what, why, and the exact change. */
function describeRequest(request: AccessRequest): Block[] {
  const plan = request.plan;
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: `CodeBuild access request ${request.requestId}` } },
    section(`${mention(request.requester.userId)} asks to *${describeCommand(request.command)}*.`),
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Target*\n\`${request.target.arn}\`` },
        {
          type: 'mrkdwn',
          text: `*Reason*\n${request.command.reason ? neutralizeBroadcasts(request.command.reason) : '_none given_'}`,
        },
        ...timeLimitField(request),
      ],
    },
  ];
  if (plan) {
    const changes = plan.steps.map((step) => describeOperation(step.do));
    blocks.push(section(`*Will change*\n${changes.length > 0 ? bullets(changes) : '_nothing_'}`));
    blocks.push(...documentBlocks(plan));
    if (plan.details && plan.details.length > 0) blocks.push(context(plan.details.join('\n')));
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
        `other than the requester. Expires ${slackDate(expiresAt)}.` +
        (request.planHash
          ? ` Plan \`${request.planHash.slice(0, 12)}\`: an approval counts for this exact plan.`
          : ''),
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
          ...(request.plan?.detachesUngranted
            ? { confirm: confirmUngrantedDetach(request.plan, request.plan.detachesUngranted) }
            : {}),
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

// Slack caps a confirm dialog's text at 300 characters and its title at 100.
const CONFIRM_TEXT_LIMIT = 300;

/**
 * The dialog Slack shows before it sends an Approve that would detach policies no grant of the tier
 * attached: the approver must click "Detach anyway" as a second, explicit step.
 */
function confirmUngrantedDetach(
  plan: ChangePlan,
  ungranted: NonNullable<ChangePlan['detachesUngranted']>,
): Block {
  const names = ungranted.policyArns.map(policyName);
  const text =
    `${plan.target.kind} ${plan.target.name} does not hold the ${ungranted.tier} tier, so the bot never ` +
    `granted ${names.join(' or ')} for it. Approving detaches ${names.length === 1 ? 'it' : 'them'} anyway.`;
  return {
    title: { type: 'plain_text', text: 'Detach policies the bot never granted?' },
    text: {
      type: 'plain_text',
      text: text.length > CONFIRM_TEXT_LIMIT ? `${text.slice(0, CONFIRM_TEXT_LIMIT - 1)}…` : text,
    },
    confirm: { type: 'plain_text', text: 'Detach anyway' },
    deny: { type: 'plain_text', text: 'Cancel' },
    style: 'danger',
  };
}

/** The line of a card no human approved: the access rule that approved it. */
export const autoApprovedLine = (rule: string, source: string): string =>
  `:robot_face: Auto-approved by rule \`${rule}\` (${source}); no human approval was needed.`;

/**
 * The card once the request is decided or expired: the buttons are replaced by the outcome.
 * `autoApprovedBy` names the access rule that approved a request no human decided.
 */
export function decidedCard(request: AccessRequest, autoApprovedBy?: string): Block[] {
  const decision = request.decision;
  let outcome: string;
  if (decision === undefined && autoApprovedBy !== undefined) {
    outcome = autoApprovedBy;
  } else if (decision?.outcome === 'approved') {
    outcome = `:white_check_mark: Approved by ${decision.by.map(mention).join(' and ')}`;
  } else if (decision?.outcome === 'denied') {
    outcome =
      `:no_entry: Denied by ${decision.by.map(mention).join(' and ')}` +
      (decision.reason ? `: ${neutralizeBroadcasts(decision.reason)}` : '');
  } else if (decision?.outcome === 'cancelled') {
    outcome = `:wastebasket: Cancelled by ${decision.by.map(mention).join(' and ')}. Nothing was changed.`;
  } else if (decision?.outcome === 'expired') {
    outcome = ':hourglass: Expired: nobody decided in time. Nothing was changed.';
  } else {
    // Never decided because it never reached approval (it failed or found nothing at planning).
    return describeRequest(request);
  }
  return [...describeRequest(request), section(outcome)];
}

// Slack caps a section's text at 3,000 characters.
const SECTION_LIMIT = 2900;

/** One statement per line: compact enough for a card, exact enough to check against the seed. */
const statementLines = (statements: PolicyStatement[]): string =>
  statements.map((s) => JSON.stringify(s)).join('\n');

const codeBlock = (title: string, body: string): Block => {
  const fence = '```';
  const room = SECTION_LIMIT - title.length - 10;
  const text =
    body.length > room ? `${body.slice(0, room - 40)}\n… (truncated; the full text is in the plan)` : body;
  return section(`${title}\n${fence}${text}${fence}`);
};

const documentLines = (document: PolicyDocument): string => statementLines(statementList(document));

/** The statement delta of a key policy: what is added, and that everything else stays. */
function keyPolicyBlocks(op: Extract<Operation, { type: 'putKeyPolicy' }>): Block[] {
  const delta = statementDelta(op.previous, op.policy);
  const added = statementList(op.policy).filter((s) => s.Sid !== undefined && delta.added.includes(s.Sid));
  const kept = statementList(op.previous);
  const keptNames = kept.map((s) => (s.Sid ? `"${s.Sid}"` : '(no Sid)')).join(', ');
  const blocks = [codeBlock(`*Key policy: statements added* (${added.length})`, statementLines(added))];
  blocks.push(
    context(
      `Kept unchanged (${kept.length}): ${keptNames || 'none'}.` +
        (delta.removed.length + delta.changed.length > 0
          ? ` :warning: Also removed: ${delta.removed.join(', ') || 'none'}; changed: ${delta.changed.join(', ') || 'none'}.`
          : ''),
    ),
  );
  return blocks;
}

/** The documents a plan puts, so the approver sees exactly what will be written. */
function documentBlocks(plan: ChangePlan): Block[] {
  const blocks: Block[] = [];
  for (const { do: op } of plan.steps) {
    switch (op.type) {
      case 'createRole':
        blocks.push(codeBlock(`*Trust policy of ${op.role.name}*`, documentLines(op.trustPolicy)));
        break;
      case 'putKeyPolicy':
        blocks.push(...keyPolicyBlocks(op));
        break;
      case 'createKey':
        blocks.push(codeBlock(`*Key policy of the new key ${op.alias}*`, documentLines(op.policy)));
        break;
      default:
        break;
    }
  }
  return blocks;
}
