import { formatDuration } from '../../domain/duration';
import type {
  AccountSection,
  CardStatus,
  ExtendRefusal,
  ExtensionFault,
  FailureReason,
  Notice,
  StatusReport,
  StepLeft,
  UndoLine,
  UnmappedWhy,
  VerifiedCheck,
  VerifyReport,
} from '../../domain/notices';
import { autoApprovedLine } from './approval-card';
import { fitLines, SLACK_LIMITS, truncate } from './limits';
import { accountTag, describeCommand, describePrincipals, mention, mentions, slackDate } from './text';

type NoticeOf<K extends Notice['kind']> = Extract<Notice, { kind: K }>;

function breakGlassLine(notice: NoticeOf<'break_glass'>): string {
  const duration =
    notice.durationSeconds === undefined ? '' : ` for ${formatDuration(notice.durationSeconds)}`;
  return (
    `:rotating_light: *Break-glass:* ${mention(notice.requester)} approved their own request ` +
    `${notice.requestId}: ${notice.tier} for ${notice.target}${duration}. ` +
    `Reason: ${notice.reason === undefined ? '(none)' : free(notice.reason)}. The audit thread has every step.`
  );
}

function endedByRevokeLine(notice: NoticeOf<'ended_by_revoke'>): string {
  return (
    `:scissors: Ended ${notice.timeBound ? 'early ' : ''}by ${notice.revokeId} (revoke by ${mention(notice.revoker)})` +
    (notice.timeBound ? '; the scheduled expiry will revoke nothing.' : '.')
  );
}

function doneLine(notice: NoticeOf<'done'>): string {
  const timeBound = notice.accessExpiresAt
    ? `\nThis access is time-bound: it is revoked automatically ${slackDate(notice.accessExpiresAt)}.`
    : '';
  return `:white_check_mark: Done. ${notice.summary === undefined ? 'The change' : summaryText(notice.summary)} was applied and verified. ${mention(notice.requester)}${timeBound}`;
}

/**
 * The words of every notice the domain and the workflow tasks emit: thread replies (which are also
 * the audit events' text) and answers to one person. Pure; the only place these sentences live.
 * Long lists are cut with "… and N more" where they are built, so the mention that ends a message
 * survives; the final cut is only a backstop for Slack's limit.
 */
export const sayNotice = (notice: Notice): string => truncate(noticeText(notice), SLACK_LIMITS.messageText);

// Character budgets of the parts of a notice that grow with the plan or with what someone typed.
const FREE_TEXT = 1000;
const SUMMARY = 500;
const LIST = 3000;

const free = (text: string): string => truncate(text, FREE_TEXT);
const summaryText = (summary: string): string => truncate(summary, SUMMARY);
const bulletLines = (items: readonly string[], max: number = LIST): string =>
  fitLines(
    items.map((item) => `• ${item}`),
    max,
  );

function noticeText(notice: Notice): string {
  switch (notice.kind) {
    case 'requested':
      return (
        `:inbox_tray: Requested by ${mention(notice.requester)}: ${describeCommand(notice.command)} ` +
        `(\`${notice.targetArn}\`).`
      );
    case 'extension_requested':
      return (
        `:inbox_tray: Requested by ${mention(notice.requester)}: extend ${notice.grantId} by ${formatDuration(notice.seconds)}: ` +
        `ends ${slackDate(notice.from)} → ${slackDate(notice.to)}.${reasonSuffix(notice.reason)}`
      );
    case 'rule_requesters_only':
      return (
        `The access rules let only ${describePrincipals(notice.principals)} request ${notice.tier} access, so I did not ` +
        'record this request. `/codebuild-access rules` shows what you may request.'
      );
    case 'rule_approvers_only':
      return `The access rules let only ${describePrincipals(notice.principals)} approve ${notice.tier} access. Ask one of them to look at it.`;
    case 'break_glass_self_only':
      return `Break-glass lets you approve only your own ${notice.tier} access (\`grant @you ${notice.tier} for 1h because …\`). This request is for someone else, so another approver has to decide it.`;
    case 'break_glass':
      return breakGlassLine(notice);
    case 'auto_approved':
      return autoApprovedLine(notice.rule, notice.source);
    case 'target_not_found_in':
      return (
        `${accountTag(notice.account)} ${notice.message}` +
        (notice.otherAccounts.length > 0
          ? ` To ask in another account, add \`in <account>\` (${namesUpTo(notice.otherAccounts, 8)}).`
          : '')
      );
    case 'received':
      return (
        `${notice.account ? `${accountTag(notice.account)} ` : ''}Request ${notice.requestId} received: *${describeCommand(notice.command)}*${timeLimitOf(notice.command)} (\`${notice.targetArn}\`). ` +
        `The bot now checks it against AWS; if there is something to change, it goes to approval in ` +
        `<#${notice.auditChannelId}>, and every step is posted in its thread. You will be told the outcome.`
      );
    case 'approval_recorded':
      return (
        `:ballot_box_with_check: Approved by ${mention(notice.approver)} ` +
        `(${notice.approvals} of ${notice.required}); waiting for another approver.`
      );
    case 'approved':
      return `:white_check_mark: Approved by ${mentions(notice.by)}.`;
    case 'denied_by':
      return `:no_entry: Denied by ${mention(notice.by)}${notice.reason ? `. Reason: ${free(notice.reason)}` : '.'}`;
    case 'already_decided':
      return `Already ${notice.outcome} by ${mentions(notice.by)}.`;
    case 'approved_already_by_you':
      return `You already approved this. It needs ${notice.needed} more approval${notice.needed === 1 ? '' : 's'} from someone else.`;
    case 'no_card_yet':
      return 'This request has no approval card yet; wait for it.';
    case 'already_expired':
      return 'This request expired before anyone decided. Ask again with a new command.';
    case 'already_cancelled':
      return `Cancelled by ${mentions(notice.by)}; nothing was changed.`;
    case 'cancelled':
      return `:wastebasket: Cancelled by ${mention(notice.by)}; nothing was changed.`;
    case 'cancel_done':
      return `${notice.requestId} is cancelled. Nothing will be changed.`;
    case 'relinquished':
      return `:leftwards_arrow_with_hook: Relinquished by ${mention(notice.by)}; the access is being removed now.`;
    case 'relinquish_done':
      return `${notice.requestId} is relinquished: its access is being removed now, and its thread will say when it is done.`;
    case 'lifecycle_refused':
      return lifecycleRefusal(notice.requestId, notice.why);
    case 'extension_asked':
      return (
        `${notice.extensionId} asks to extend ${notice.grantId} by ${formatDuration(notice.seconds)}: ` +
        `ends ${slackDate(notice.from)} → ${slackDate(notice.to)}. An approver decides in <#${notice.auditChannelId}>; ` +
        'the end moves only when it is approved.'
      );
    case 'extend_refused':
      return extendRefusal(notice.requestId, notice.why);
    case 'extended':
      return (
        `:hourglass_flowing_sand: ${notice.grantId} extended by ${formatDuration(notice.seconds)} ` +
        `(${notice.extensionId}, approved by ${mentions(notice.by)}): extended until ${slackDate(notice.expiresAt)}.`
      );
    case 'extension_passed_on':
      return `Approved. ${notice.grantId}'s run now checks the extension and moves its end; its thread will say so.`;
    case 'extension_lapsed':
      return extensionLapsedText(notice);
    case 'extension_ignored':
      return (
        `:no_entry_sign: ${notice.extensionId} was not applied to ${notice.grantId}: ${extensionFault(notice.why)} ` +
        `The access still ends ${slackDate(notice.expiresAt)}.`
      );
    case 'not_waiting':
      return `This request is not waiting for approval (it is ${notice.status.replace('_', ' ')}).`;
    case 'slack_user_not_mapped':
      return `${unmappedText(notice.slackUserId, notice.why)} ${HOW_TO_NAME}`;
    case 'verify_report':
      return verifyReportText(notice.report);
    case 'status_report':
      return statusReportText(notice.report);
    case 'accounts_report':
      return accountsReportText(notice.action, notice.sections);
    case 'applied':
      return `:gear: Applied:\n${bulletLines(notice.changes, SLACK_LIMITS.messageText - 100)}`;
    case 'verified':
      return verifiedText(notice.check);
    case 'rollback':
      return `:rewind: Rollback:\n${fitLines(notice.lines.map(undoLine), SLACK_LIMITS.messageText - 100)}`;
    case 'time_limit':
      return timeLimitText(notice);
    case 'ended_by_revoke':
      return endedByRevokeLine(notice);
    case 'done':
      return doneLine(notice);
    case 'unverified':
      return (
        `:warning: Applied, but the check failed: ${free(reasonText(notice.reason))}\n` +
        `${notice.summary === undefined ? 'The change' : summaryText(notice.summary)} stays in effect until its time limit and is revoked automatically ` +
        `${slackDate(notice.accessExpiresAt)}. ${mention(notice.requester)}`
      );
    case 'reminder':
      return (
        `:alarm_clock: ${mention(notice.requester)}, ${notice.summary === undefined ? 'this access' : summaryText(notice.summary)} ends ${slackDate(notice.accessExpiresAt)}. ` +
        `If you still need it, ask for more time: \`/codebuild-access extend ${notice.requestId} by 2h because …\`, or Extend on the bot's Home tab.`
      );
    case 'no_change':
      return `:information_source: Nothing to change: ${fitLines(notice.unchanged, LIST, '; ') || 'already in place'}. ${mention(notice.requester)}`;
    case 'closed_denied':
      return `:no_entry: Denied; nothing was changed. ${mention(notice.requester)}`;
    case 'closed_expired':
      return `:hourglass: Expired: nobody approved in time, so nothing was changed. ${mention(notice.requester)}, ask again if you still need it.`;
    case 'failed':
      return failedText(notice);
    case 'stopped':
      return stoppedText(notice);
    case 'stopped_undelivered':
      return `:rotating_light: The workflow for ${notice.requestId} stopped: Slack refused its outcome at the time. From its record:\n${truncate(notice.outcomeText, SLACK_LIMITS.messageText - 200)}`;
    case 'standalone':
      return `CodeBuild access request ${notice.requestId} by ${mention(notice.requester)}: ${summaryText(notice.summary)}`;
    case 'told_requester':
      return `${notice.requestId}: ${truncate(notice.text, SLACK_LIMITS.messageText - 100)}`;
  }
}

const HOW_TO_NAME = 'Name the IAM user directly with `user:NAME`.';

function unmappedText(slackUserId: string, why: UnmappedWhy): string {
  switch (why.kind) {
    case 'unknown_user':
      return `Slack does not know an active user ${mention(slackUserId)}.`;
    case 'no_single_tagged_user':
      return `No single IAM user is tagged \`SlackUserId=${slackUserId}\` for ${mention(slackUserId)}.`;
    case 'several_tagged_users':
      return `IAM users ${why.userNames.map((name) => `\`${name}\``).join(' and ')} all carry \`SlackUserId=${slackUserId}\`, so I will not pick one for ${mention(slackUserId)}: remove the tag from all but one of them.`;
    case 'not_indexed_yet': {
      const last =
        why.lastIndexedAt === undefined
          ? `The IAM users of account ${why.accountId} have not been indexed yet`
          : `No IAM user of account ${why.accountId} was tagged \`SlackUserId=${slackUserId}\` when its users were last indexed (${slackDate(why.lastIndexedAt)}, ${why.taggedUsers ?? 0} tagged)`;
      return (
        `I do not know ${mention(slackUserId)}'s IAM user yet. ${last}; I have asked for a re-index, which takes a minute or two. ` +
        `Try again then; if it still fails, their IAM user needs the tag \`SlackUserId=${slackUserId}\`.`
      );
    }
    case 'no_email':
      return `${mention(slackUserId)} has no email in their Slack profile that the bot can read.`;
    case 'email_unmapped': {
      const { email, tried: names, domains, domain } = why;
      const tried =
        names.length === 0
          ? 'No IAM user name can be made from it'
          : `No IAM user is named \`${names.join('` or `')}\``;
      const rule =
        names.length > 1
          ? ''
          : domains.length === 0
            ? ' The bot maps an email to an IAM user only when the user is named exactly as the email (IAM_USER_EMAIL_DOMAINS lists no domain).'
            : ` Only emails at ${domains.join(', ')} map by the part before the @ (IAM_USER_EMAIL_DOMAINS); at ${domain} the IAM user must be named exactly as the email.`;
      return `${mention(slackUserId)}'s Slack email is \`${email}\`. ${tried} for them.${rule}`;
    }
  }
}

const PASS = ':white_check_mark:';
const FAIL = ':x:';

function verifyReportText(report: VerifyReport): string {
  const { target } = report;
  const listBuilds = "• codebuild:ListBuilds with the bot's credentials:";
  const lines = [
    `*Verify* ${target.kind} \`${target.name}\` (\`${target.arn}\`)`,
    report.tiers.length > 0
      ? `Tiers held: ${report.tiers.join(', ')}`
      : 'Holds no CodeBuild tier, so no action is expected to be allowed.',
    ...(report.actions.length > 0
      ? [
          fitLines(
            report.actions.map(
              ({ action, allowed }) => `• ${action}: ${allowed ? `allowed ${PASS}` : `denied ${FAIL}`}`,
            ),
            LIST,
          ),
        ]
      : []),
  ];
  switch (report.listBuilds.kind) {
    case 'answered':
      lines.push(`${listBuilds} CodeBuild answered (${report.listBuilds.buildIds} build ids) ${PASS}`);
      break;
    case 'failed':
      lines.push(`${listBuilds} ${truncate(report.listBuilds.reason, 300)} ${FAIL}`);
      break;
    case 'skipped':
      lines.push(`${listBuilds} not configured, skipped`);
      break;
  }
  lines.push(report.passed ? `*Result: pass* ${PASS}` : `*Result: fail* ${FAIL}`);
  return lines.join('\n');
}

const bulletsOrNone = (items: string[], max: number): string =>
  items.length > 0 ? bulletLines(items, max) : '• none';

function statusReportText(report: StatusReport): string {
  const { target } = report;
  const lines = [
    `*Status of* ${target.kind} \`${target.name}\` (\`${target.arn}\`)`,
    `Tiers held: ${report.tiers.length > 0 ? report.tiers.join(', ') : 'none'}`,
    '*Managed policies (CodeBuild-related)*',
    bulletsOrNone(
      report.managed.map(
        ({ policy, tiers }) => `${policy}${tiers.length > 0 ? ` (${tiers.join(', ')} tier)` : ''}`,
      ),
      1000,
    ),
    '*Inline policies (CodeBuild-related)*',
    bulletsOrNone(report.inline, 800),
  ];
  if (report.pending) {
    lines.push('*Pending requests*');
    lines.push(
      bulletsOrNone(
        report.pending.map(
          (r) =>
            `${r.requestId}: ${describeCommand(r.command)}, ${r.status.replace('_', ' ')}, ` +
            `asked by ${mention(r.requester)} ${slackDate(r.createdAt)}`,
        ),
        1600,
      ),
    );
  }
  return lines.join('\n');
}

/** An account section's heading: its name and id, so no one reads prod's answer as dev's. */
const accountHeading = (account: AccountSection['account']): string =>
  `*━━ AWS account ${account.name} (${account.id}) ━━*`;

function sectionText(section: AccountSection, action: 'verify' | 'status'): string {
  const { outcome } = section;
  switch (outcome.kind) {
    case 'verify_report':
      return verifyReportText(outcome.report);
    case 'status_report':
      return statusReportText(outcome.report);
    case 'refused':
      return `:no_entry_sign: ${outcome.message}`;
    case 'timed_out':
      return `:hourglass: It did not answer in time. Ask it alone: \`${action} … in ${section.account.name}\`.`;
  }
}

/**
 * `status`/`verify` across accounts: one section per account, each headed by its name and id, all in one
 * message. Each section gets an equal share of the message; sections that would not fit are counted
 * at the end, with the command that asks one account.
 */
function accountsReportText(action: 'verify' | 'status', sections: AccountSection[]): string {
  const header = `*${action === 'verify' ? 'Verify' : 'Status'} in ${sections.length} AWS accounts*`;
  const room = SLACK_LIMITS.messageText - header.length - 200;
  const share = Math.max(400, Math.floor(room / Math.max(sections.length, 1)));
  const parts: string[] = [];
  let used = 0;
  for (const section of sections) {
    const part = `${accountHeading(section.account)}\n${truncate(sectionText(section, action), share - 60)}`;
    if (used + part.length > room) break;
    parts.push(part);
    used += part.length + 2;
  }
  const left = sections.length - parts.length;
  const more =
    left > 0
      ? [`… and ${left} more account${left === 1 ? '' : 's'}: ask one with \`${action} … in <account>\`.`]
      : [];
  return [header, ...parts, ...more].join('\n\n');
}

/** The user-facing reason of a failure; unexpected errors get a reference, not internals. */
export function reasonText(reason: FailureReason): string {
  switch (reason.kind) {
    case 'error':
      return reason.message;
    case 'timeout':
      return 'A step took too long.';
    case 'unexpected':
      return `Something went wrong (ref ${reason.requestId}). The bot's logs have the details.`;
  }
}

function verifiedText(check: VerifiedCheck): string {
  const how =
    check.how === 'both'
      ? 'with the IAM policy simulator and the key policy read back from KMS'
      : check.how === 'key'
        ? 'by reading the key policy back from KMS'
        : 'with the IAM policy simulator';
  const lines = [
    ...check.allowed.map((action) => `• ${action}: allowed :white_check_mark:`),
    ...check.denied.map((action) => `• ${action}: denied :white_check_mark:`),
    ...check.stillAllowed.map((action) => `• ${action}: still allowed by another policy :warning:`),
    ...(check.key
      ? [
          `• key ${check.key.keyId} is enabled :white_check_mark:`,
          ...check.key.sids.map((sid) => `• key policy has "${sid}" :white_check_mark:`),
        ]
      : []),
  ];
  return `:mag: Verified ${how}:\n${fitLines(lines, SLACK_LIMITS.messageText - 100)}`;
}

/** One line of an undo report. */
export function undoLine(line: UndoLine): string {
  switch (line.kind) {
    case 'undone':
      return `• undone: ${line.description}`;
    case 'undone_unanswered':
      return `• undone: ${line.description} (it had taken effect before the bot stopped)`;
    case 'checked':
      return `• checked: ${line.description} had not taken effect`;
    case 'kept':
      return `• kept: ${line.description} (${line.reason})`;
    case 'kept_for_grant':
      return `• kept: ${line.policy} (${line.requestId} still grants ${line.tier})`;
    case 'kept_for_tier':
      return `• kept: ${line.policy} (the ${line.tier} tier still needs it)`;
    case 'kept_not_ours':
      return `• kept: ${line.policy} (attached before this grant, not by the bot)`;
    case 'already_gone':
      return line.beforeLimit
        ? `• already gone: ${line.policy} was detached before the time limit`
        : `• already gone: ${line.policy}`;
    case 'revoked':
      return `• revoked: ${line.description}`;
    case 'not_undone':
      return `• NOT undone: ${line.description}. Run by hand: \`${line.command}\``;
    case 'not_revoked':
      return `• NOT revoked: ${line.description}. Run by hand: \`${line.command}\``;
  }
}

function timeLimitText(notice: Extract<Notice, { kind: 'time_limit' }>): string {
  const who = mention(notice.requester);
  const ended = notice.relinquishedBy
    ? `Relinquished by ${mention(notice.relinquishedBy)}`
    : 'Time limit reached';
  const title = notice.endedBy
    ? `:hourglass: ${ended}; ${notice.endedBy} already ended this grant, so nothing more was revoked. ${who}`
    : notice.relinquishedBy
      ? `:leftwards_arrow_with_hook: ${ended} before its time limit: ${summaryText(notice.summary)}. ${who}`
      : `:hourglass: ${ended} for ${summaryText(notice.summary)}. ${who}`;
  // An undone journal reads like a rollback report ("title:"), a tier's policy check as a list.
  const lines = fitLines(notice.lines.map(undoLine), SLACK_LIMITS.messageText - 800);
  return [notice.from === 'journal' ? `${title}:` : title, ...(lines ? [lines] : [])].join('\n');
}

const undoHint = (step: StepLeft, separator: string): string =>
  step.undoCommand ? `${separator}To undo it: \`${step.undoCommand}\`` : '';

function failedText(notice: Extract<Notice, { kind: 'failed' }>): string {
  const lines = [`:x: Failed: ${truncate(reasonText(notice.reason), 600)}`];
  if (notice.nothingChanged) lines.push('Nothing was changed in AWS.');
  if (notice.rolledBack.length > 0) lines.push(`Rolled back: ${fitLines(notice.rolledBack, 800, '; ')}.`);
  if (notice.inEffect.length > 0) lines.push(`Still in effect: ${fitLines(notice.inEffect, 800, '; ')}.`);
  // The bot stopped between the IAM call and its journal entry, and the rollback could not check these.
  const uncertain = notice.uncertain.map(
    (step) =>
      `May still be in effect: ${step.description} (the bot stopped before recording IAM's answer).` +
      undoHint(step, ' '),
  );
  if (uncertain.length > 0) lines.push(fitLines(uncertain, 1500));
  lines.push(mention(notice.requester));
  return lines.join('\n');
}

function stoppedHow(how: Extract<Notice, { kind: 'stopped' }>['how']): string {
  switch (how.status) {
    case 'TIMED_OUT':
      return 'it ran past its time limit';
    case 'ABORTED':
      return 'it was stopped by hand';
    default:
      return `it failed (${how.error === undefined ? 'no error name' : truncate(how.error, 200)})`;
  }
}

function stoppedText(notice: Extract<Notice, { kind: 'stopped' }>): string {
  const lines = [`:rotating_light: The workflow for ${notice.requestId} stopped: ${stoppedHow(notice.how)}.`];
  const left = notice.mayBeInEffect.map(
    (step) => `• may still be in effect: ${step.description}${undoHint(step, '. ')}`,
  );
  if (left.length > 0) lines.push(fitLines(left, LIST));
  if (notice.wasActive) {
    lines.push('Its time limit will not revoke anything any more; revoke it by hand or with `revoke`.');
  }
  lines.push(`${mention(notice.requester)}, operators: see the execution's history in Step Functions.`);
  return lines.join('\n');
}

const reasonSuffix = (reason: string | undefined): string => (reason ? ` Reason: ${free(reason)}` : '');

/** An approved extension no run took: closed, and what its asker does now. */
/** `a`, `b`, `c` and 5 more: at most `limit` names, in code spans. */
const namesUpTo = (names: readonly string[], limit: number): string =>
  names
    .slice(0, limit)
    .map((name) => `\`${name}\``)
    .join(', ') + (names.length > limit ? ` and ${names.length - limit} more` : '');

/** A time-bound grant's limit as the answer confirms it (", for 8h, then revoked automatically"); else nothing. */
const timeLimitOf = (command: Extract<Notice, { kind: 'received' }>['command']): string =>
  command.action === 'grant' && command.durationSeconds !== undefined
    ? `, for ${formatDuration(command.durationSeconds)}, then revoked automatically`
    : '';

function extensionLapsedText(notice: Extract<Notice, { kind: 'extension_lapsed' }>): string {
  const why = notice.grantEnded
    ? 'is no longer in effect, so there was nothing to extend.'
    : 'was between two steps of its run (sending its reminder) and its run did not take the extension in time, so its end did not move.';
  const next = notice.grantEnded
    ? 'ask for a new grant if you still need access.'
    : `ask again with \`extend ${notice.grantId} by ${formatDuration(notice.seconds)}\`: the grant is in effect and the next approval will be taken.`;
  return (
    `:warning: ${notice.extensionId} was approved, but ${notice.grantId} ${why} ` +
    `${notice.extensionId} is closed as lapsed. ${mention(notice.requester)}, ${next}`
  );
}

/** Why an `extend` asked nothing, saying who may or what to do instead. */
function extendRefusal(requestId: string, why: ExtendRefusal): string {
  switch (why.kind) {
    case 'bad_id':
      return `\`${requestId.slice(0, 40)}\` is not a request id (REQ-…).`;
    case 'unknown':
      return `I have no request ${requestId}; nothing was asked.`;
    case 'foreign':
      return 'This came from a Slack workspace or app this bot does not serve.';
    case 'not_a_grant':
      return `${requestId} is not a grant, so it has no time limit to extend. Nothing was asked.`;
    case 'is_extension':
      return `${requestId} is itself an extension; extend the grant instead: \`extend ${why.grantId} by 2h\`.`;
    case 'not_holder':
      return `Only the person who holds the access of ${requestId}, or ${mention(why.requester)} who asked for it, can extend it. Nothing was asked.`;
    case 'permanent':
      return `${requestId} is a permanent grant: it has no time limit to extend. Nothing was asked.`;
    case 'not_active':
      return why.status === 'active'
        ? `${requestId} is not held by its run right now (it is between two steps, or ending). Try again in a minute; nothing was asked.`
        : `${requestId} is not a grant in effect (it is ${why.status.replace('_', ' ')}), so there is nothing to extend. Ask for a new grant instead.`;
    case 'extension_pending':
      return (
        `${requestId} already has an extension waiting for approvers: ${why.extensionId} ` +
        `(extend ${requestId} by ${formatDuration(why.seconds)}, asked by ${mention(why.requester)}). ` +
        `One extension at a time: ask again once it is decided, or cancel it first with \`cancel ${why.extensionId}\` if it is yours. Nothing was asked.`
      );
    case 'no_time_left':
      return (
        `${requestId} cannot be extended: it already lasts ${formatDuration(why.limitSeconds)}, the longest ${why.tier} grant (access rules). ` +
        'Ask for a new grant when it ends if you still need access.'
      );
    case 'over_limit':
      return (
        `${requestId} cannot be extended by ${formatDuration(why.askedSeconds)}: it would last ${formatDuration(why.totalSeconds)} in all, ` +
        `and the longest ${why.tier} grant is ${formatDuration(why.limitSeconds)} (access rules). Nothing was asked.`
      );
  }
}

/** Why the workflow's check did not accept an extension. */
function extensionFault(why: ExtensionFault): string {
  switch (why.kind) {
    case 'unknown':
      return 'there is no such extension request.';
    case 'not_for_this_grant':
      return 'it is not an extension of this grant.';
    case 'not_approved':
      return `it needs ${why.needed} approval${why.needed === 1 ? '' : 's'} of its card from people other than its requester, and has ${why.approvals}.`;
    case 'over_limit':
      return `the grant would last longer than its tier allows (${formatDuration(why.limitSeconds)}).`;
    case 'already_applied':
      return 'it was already applied.';
  }
}

/** Why a cancel or a relinquish was refused, saying who may or what to do instead. */
function lifecycleRefusal(
  requestId: string,
  why: Extract<Notice, { kind: 'lifecycle_refused' }>['why'],
): string {
  switch (why.kind) {
    case 'not_requester':
      return `Only ${mention(why.requester)}, who asked for ${requestId}, can cancel it. Nothing was changed.`;
    case 'still_planning':
      return `${requestId} is still being checked against AWS; cancel it once its card is posted (in a few seconds).`;
    case 'not_pending':
      return `${requestId} can no longer be cancelled. ${sayNotice(why.because)}`;
    case 'not_a_grant':
      return `${requestId} is not a grant, so there is nothing to relinquish.`;
    case 'not_holder':
      return `Only the person who holds the access of ${requestId}, or ${mention(why.requester)} who asked for it, can relinquish it. Nothing was changed.`;
    case 'permanent':
      return `${requestId} is a permanent grant: it has no time limit to end early. To remove it, ask for \`revoke\` of the same target and tier (an approver decides). Nothing was changed.`;
    case 'not_held':
      return `${requestId} is not a grant in effect that can be relinquished now (it is ${why.status === 'active' ? 'not yet held by its run' : why.status.replace('_', ' ')}). Nothing was changed.`;
    case 'not_waiting':
      return `${requestId} is not waiting to be relinquished: it has just ended, or its run is between two steps. If \`status\` still shows it, try again in a minute.`;
    case 'bad_id':
      return `\`${requestId.slice(0, 40)}\` is not a request id (REQ-…).`;
    case 'unknown':
      return `I have no request ${requestId}; nothing was changed.`;
    case 'foreign':
      return 'This came from a Slack workspace or app this bot does not serve.';
    case 'busy':
      return 'The request kept changing; look at its card and try again.';
    case 'not_passed_on':
      return `Your cancellation could not be passed on: ${why.reason} Nothing was changed; try again in a minute.`;
  }
}

/** The status line a closed card ends with. */
export function cardStatusLine(status: CardStatus): string {
  switch (status.kind) {
    case 'completed':
      return status.active
        ? 'Status: applied and verified; it will be revoked automatically at its time limit.'
        : 'Status: applied and verified. See the thread for each step.';
    case 'unverified':
      return 'Status: applied, but the check failed; still revoked automatically at its time limit.';
    case 'failed':
      return status.nothingChanged
        ? 'Status: failed; nothing was changed in AWS. See the thread for why.'
        : 'Status: failed. See the thread for what was applied and rolled back.';
    case 'no_change':
      return 'Status: nothing to change.';
    case 'denied':
    case 'expired':
      return `Status: ${status.kind}.`;
    case 'time_limit':
      return timeLimitStatusLine(status);
  }
}

/** The status line of a time-bound grant that ended: relinquished, ended early, failed or revoked. */
function timeLimitStatusLine(status: Extract<CardStatus, { kind: 'time_limit' }>): string {
  switch (status.outcome) {
    case 'relinquished':
      return `Status: relinquished early by ${status.relinquishedBy ? mention(status.relinquishedBy) : 'its holder'}; the access was revoked.`;
    case 'revoked_early':
      return `Status: ended early by ${status.endedBy ?? 'a revoke'}; the time limit revoked nothing more.`;
    case 'failed':
      return 'Status: time limit reached, but some access could NOT be revoked. The thread has the command to run.';
    case 'revoked':
      return 'Status: time limit reached; the access was revoked.';
  }
}
