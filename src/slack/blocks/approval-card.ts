import type {
  ActionsBlock,
  Button,
  ConfirmationDialog,
  ContextBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  SectionBlock,
} from '@slack/types';
import { formatDuration } from '../../commands/parse-command';
import { statementDelta } from '../../domain/key-policy';
import { type ChangePlan, describeOperation, type Operation, policyName } from '../../domain/plans';
import { statementList } from '../../domain/plans/compare-documents';
import type { AccessRequest } from '../../domain/request';
import type { PolicyDocument, PolicyStatement } from '../../domain/seed-policies';
import { ACTION_IDS, DECISION_BLOCK_ID } from '../ids';
import { capList, fitLines, SLACK_LIMITS, truncate } from './limits';
import { accountLine, accountTag, describeCommand, mention, neutralizeBroadcasts, slackDate } from './text';

// Every text is cut to Slack's limit: a long reason or a large plan must not make Slack refuse the card.
const mrkdwn = (text: string, max: number = SLACK_LIMITS.text): MrkdwnElement => ({
  type: 'mrkdwn',
  text: truncate(text, max),
});
const section = (text: string): SectionBlock => ({ type: 'section', text: mrkdwn(text) });
/** A context block of one mrkdwn text, cut to Slack's limit. */
export const contextBlock = (text: string): ContextBlock => ({ type: 'context', elements: [mrkdwn(text)] });
const context = contextBlock;
const bullets = (lines: string[]): string =>
  fitLines(
    lines.map((line) => `• ${line}`),
    SLACK_LIMITS.text - 40,
  );

/**
 * The most blocks the request's description may take: a message holds 50, and the card adds up to
 * two after it (the approval context and buttons, or the outcome and the status line).
 */
const DESCRIPTION_BLOCKS = SLACK_LIMITS.messageBlocks - 2;

/** The reason approvers read: an extension's own (its command carries none), else the request's. */
const reasonOf = (request: AccessRequest): string | undefined =>
  request.extends ? request.extends.reason : request.command.reason;

/** The fallback text of the card (notifications, screen readers). */
export const cardText = (request: AccessRequest): string =>
  `${accountPrefix(request)}CodeBuild access request ${request.requestId}: ${request.extends ? extensionText(request.extends) : (request.plan?.summary ?? describeCommand(request.command))}`;

/** What an extension asks, the same on its card, its fallback text and its Home tab line. */
export const extensionText = (extension: NonNullable<AccessRequest['extends']>): string =>
  `extend ${extension.requestId} by ${formatDuration(extension.seconds)}: ends ${slackDate(extension.from)} → ${slackDate(extension.to)}`;

/** The account the approvers approve: the plan's (bound by its hash), else the request's. */
const accountOf = (request: AccountBearer) => request.plan?.account ?? request.account;

/** What names a request's account: a record has both, a Home tab's digest only `account`. */
type AccountBearer = Partial<Pick<AccessRequest, 'plan' | 'account'>>;

/**
 * The account tag and a space, or nothing for a request that names no account (a single-account bot):
 * the card, its thread, the Home tab lines and the DMs all begin with it.
 */
export const accountPrefix = (request: AccountBearer): string => {
  const account = accountOf(request);
  return account ? `${accountTag(account)} ` : '';
};

/** A time-bound grant's limit: before approval its length, once applied its end. */
function timeLimitField(request: AccessRequest): MrkdwnElement[] {
  // An extension's own card: its command carries the grant's whole length, the end is what matters.
  if (request.extends) {
    return [{ type: 'mrkdwn', text: `*Time limit*\nends ${slackDate(request.extends.to)} if approved` }];
  }
  const duration = 'durationSeconds' in request.command ? request.command.durationSeconds : undefined;
  if (duration === undefined) return [];
  if (request.accessExpiresAt === undefined) {
    return [
      {
        type: 'mrkdwn',
        text: `*Time limit*\n${formatDuration(duration)} from when it is applied, then revoked automatically`,
      },
    ];
  }
  const end = slackDate(request.accessExpiresAt);
  // Once the grant has ended, the line says how, not what was going to happen.
  const line =
    request.status === 'relinquished'
      ? `~ends ${end}~ ended early: relinquished, and revoked then`
      : request.status === 'revoked_early'
        ? `~ends ${end}~ ended early by a revoke`
        : request.status === 'completed'
          ? `ended ${end}, revoked automatically`
          : `ends ${end}, then revoked automatically`;
  return [{ type: 'mrkdwn', text: `*Time limit*\n${line}` }];
}

/** The part of the card every state shares: who, what, why, and the exact change. */
function describeRequest(request: AccessRequest): KnownBlock[] {
  const plan = request.plan;
  const header: HeaderBlock = {
    type: 'header',
    text: {
      type: 'plain_text',
      text: truncate(
        `${accountPrefix(request)}CodeBuild access request ${request.requestId}`,
        SLACK_LIMITS.header,
      ),
    },
  };
  const account = accountOf(request);
  const blocks: KnownBlock[] = [
    header,
    ...(account ? [section(accountLine(account))] : []),
    section(
      request.extends
        ? `${mention(request.requester.userId)} asks to *${extensionText(request.extends)}*. ` +
            `The grant stays as it is unless this is approved; the tier's approvers decide, as for the grant.`
        : `${mention(request.requester.userId)} asks to *${describeCommand(request.command)}*.`,
    ),
    {
      type: 'section',
      fields: [
        mrkdwn(`*Target*\n\`${request.target.arn}\``, SLACK_LIMITS.sectionField),
        mrkdwn(
          `*Reason*\n${reasonOf(request) ? neutralizeBroadcasts(reasonOf(request) ?? '') : '_none given_'}`,
          SLACK_LIMITS.sectionField,
        ),
        ...timeLimitField(request),
      ],
    },
  ];
  if (plan) {
    const { extends: extension } = request;
    const changes = extension
      ? [`the end of ${extension.requestId}: ${slackDate(extension.from)} → ${slackDate(extension.to)}`]
      : plan.steps.map((step) => describeOperation(step.do));
    blocks.push(section(`*Will change*\n${changes.length > 0 ? bullets(changes) : '_nothing_'}`));
    const documents = documentBlocks(plan);
    const after: KnownBlock[] = [];
    if (plan.details && plan.details.length > 0)
      after.push(context(fitLines(plan.details, SLACK_LIMITS.text)));
    if (plan.unchanged.length > 0)
      after.push(context(`Already in place: ${fitLines(plan.unchanged, SLACK_LIMITS.text - 20, '; ')}`));
    after.push(...warningBlocks(plan.warnings));
    // Warnings are never the part left out: the documents give way when the card runs out of blocks.
    blocks.push(...capDocuments(documents, DESCRIPTION_BLOCKS - blocks.length - after.length), ...after);
  }
  return blocks;
}

const WARNING_SECTIONS = 5;

/** One section per warning; many warnings share one section, cut with "… and N more". */
function warningBlocks(warnings: readonly string[]): KnownBlock[] {
  const lines = warnings.map((warning) => `:warning: *${warning}*`);
  if (lines.length <= WARNING_SECTIONS) return lines.map(section);
  return [section(fitLines(lines, SLACK_LIMITS.text))];
}

/** At most `room` document blocks; the last kept one says how many were left out. */
function capDocuments(documents: KnownBlock[], room: number): KnownBlock[] {
  if (documents.length <= room) return documents;
  const kept = documents.slice(0, Math.max(0, room - 1));
  return [
    ...kept,
    context(
      `… and ${documents.length - kept.length} more policy document blocks not shown: a Slack message holds ` +
        `at most ${SLACK_LIMITS.messageBlocks} blocks. *Will change* above lists every step.`,
    ),
  ];
}

/** The card posted to the audit channel while a request waits for approval. */
export function approvalCard(request: AccessRequest, expiresAt: string): KnownBlock[] {
  const approved = capList(
    request.approvals.map((approval) => mention(approval.userId)),
    10,
  );
  const progress =
    request.requiredApprovals > 1
      ? `Approvals: ${request.approvals.length} of ${request.requiredApprovals}${approved.length > 0 ? ` (${approved.join(', ')})` : ''}. `
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
    decisionButtons(request),
  ];
}

function decisionButtons(request: AccessRequest): ActionsBlock {
  const approve: Button = {
    type: 'button',
    action_id: ACTION_IDS.approve,
    style: 'primary',
    text: { type: 'plain_text', text: 'Approve' },
    value: request.requestId,
    ...(request.plan?.detachesUngranted
      ? { confirm: confirmUngrantedDetach(request.plan, request.plan.detachesUngranted) }
      : {}),
  };
  const deny: Button = {
    type: 'button',
    action_id: ACTION_IDS.deny,
    style: 'danger',
    text: { type: 'plain_text', text: 'Deny' },
    value: request.requestId,
  };
  return { type: 'actions', block_id: DECISION_BLOCK_ID, elements: [approve, deny] };
}

// Slack caps a confirm dialog's text at 300 characters and its title at 100.
const CONFIRM_TEXT_LIMIT = 300;
const CONFIRM_NAMES = 5;

/**
 * The dialog Slack shows before it sends an Approve that would detach policies no grant of the tier
 * attached: the approver must click "Detach anyway" as a second, explicit step.
 */
function confirmUngrantedDetach(
  plan: ChangePlan,
  ungranted: NonNullable<ChangePlan['detachesUngranted']>,
): ConfirmationDialog {
  const all = ungranted.policyArns.map(policyName);
  const names = capList(all, CONFIRM_NAMES, (n) => `${n} more`);
  const text =
    `${plan.target.kind} ${plan.target.name} does not hold the ${ungranted.tier} tier, so the bot never ` +
    `granted ${names.join(' or ')} for it. Approving detaches ${all.length === 1 ? 'it' : 'them'} anyway.`;
  return {
    title: { type: 'plain_text', text: 'Detach policies the bot never granted?' },
    text: {
      type: 'plain_text',
      text: truncate(text, CONFIRM_TEXT_LIMIT),
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
export function decidedCard(request: AccessRequest, autoApprovedBy?: string): KnownBlock[] {
  const decision = request.decision;
  let outcome: string;
  if (decision === undefined && autoApprovedBy !== undefined) {
    outcome = autoApprovedBy;
  } else if (decision?.outcome === 'approved') {
    outcome = approvedLine(request, decision.by);
  } else if (decision?.outcome === 'denied') {
    outcome =
      `:no_entry: Denied by ${capList(decision.by.map(mention), 10).join(' and ')}` +
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

/** Who approved; for an extension no run took, also that it lapsed and nothing moved. */
function approvedLine(request: AccessRequest, by: string[]): string {
  const approved = `:white_check_mark: Approved by ${capList(by.map(mention), 10).join(' and ')}`;
  if (request.status !== 'lapsed') return approved;
  const grantId = request.extends?.requestId ?? 'the grant';
  return `${approved}\n:warning: Lapsed: ${grantId}'s run did not take it, so the grant's end did not move.`;
}

// Slack caps a section's text at 3,000 characters.
const SECTION_LIMIT = 2900;

/** One statement per line: compact enough for a card, exact enough to check against the seed. */
const statementLines = (statements: PolicyStatement[]): string =>
  statements.map((s) => JSON.stringify(s)).join('\n');

const codeBlock = (title: string, body: string): SectionBlock => {
  const fence = '```';
  const room = SECTION_LIMIT - title.length - 10;
  const text =
    body.length > room ? `${body.slice(0, room - 40)}\n… (truncated; the full text is in the plan)` : body;
  return section(`${title}\n${fence}${text}${fence}`);
};

const documentLines = (document: PolicyDocument): string => statementLines(statementList(document));

/** The statement delta of a key policy: what is added, and that everything else stays. */
function keyPolicyBlocks(op: Extract<Operation, { type: 'putKeyPolicy' }>): KnownBlock[] {
  const delta = statementDelta(op.previous, op.policy);
  const added = statementList(op.policy).filter((s) => s.Sid !== undefined && delta.added.includes(s.Sid));
  const kept = statementList(op.previous);
  const keptNames = fitLines(
    kept.map((s) => (s.Sid ? `"${s.Sid}"` : '(no Sid)')),
    SLACK_LIMITS.text / 2,
    ', ',
  );
  const blocks: KnownBlock[] = [
    codeBlock(`*Key policy: statements added* (${added.length})`, statementLines(added)),
  ];
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
function documentBlocks(plan: ChangePlan): KnownBlock[] {
  const blocks: KnownBlock[] = [];
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
