import type { ChangeCommand } from '../../src/domain/command';
import type { CardStatus, Notice } from '../../src/domain/notices';
import type { AccessRequest } from '../../src/domain/request';
import { cardStatusLine, sayNotice } from '../../src/slack/blocks/notices';
import { describeCommand, mention, mentions } from '../../src/slack/blocks/text';
import { slackWording } from '../../src/slack/blocks/wording';

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const ARN = 'arn:aws:iam::111122223333:user/alice';
const REQ = 'REQ-7K3QX9M2PA';
const AT = '2026-11-29T10:00:00.000Z';
const DATE = `<!date^${Date.parse(AT) / 1000}^{date_short_pretty} at {time}|2026-11-29 10:00 UTC>`;
const grant: ChangeCommand = {
  action: 'grant',
  tier: 'developer',
  target: { kind: 'slack', slackUserId: ALICE, label: 'alice' },
};

describe('mentions', () => {
  it.each([
    [['U0ALICE'], '<@U0ALICE>'],
    [['U0ALICE', 'U0BOB'], '<@U0ALICE> and <@U0BOB>'],
  ])('%j -> %s', (ids, text) => {
    expect(mentions(ids)).toBe(text);
    expect(mention(ids[0] as string)).toBe(`<@${ids[0]}>`);
  });
});

describe('describeCommand', () => {
  it.each<[ChangeCommand, string]>([
    [grant, 'grant developer for @alice'],
    [
      { action: 'revoke', tier: 'admin', target: { kind: 'slack', slackUserId: BOB } },
      'revoke admin for <@U0BOB>',
    ],
    [
      { action: 'grant', tier: 'readonly', target: { kind: 'group', name: 'devs' } },
      'grant readonly for group:devs',
    ],
    [
      { action: 'service-role', roleName: 'build-bot', vpc: true, projectPrefix: 'app-' },
      'create service role build-bot with VPC access for projects named app-…',
    ],
    [
      { action: 'kms-allow', key: 'alias/builds', roleName: 'build-bot' },
      'allow role build-bot to use KMS key alias/builds',
    ],
    [
      { action: 'kms-create', alias: 'alias/new', roleName: 'build-bot' },
      'create KMS key alias/new for role build-bot',
    ],
  ])('%j reads "%s"', (command, text) => {
    expect(describeCommand(command)).toBe(text);
  });
});

describe('sayNotice words every domain notice', () => {
  it.each<[string, Notice, string]>([
    [
      'requested',
      { kind: 'requested', requester: ALICE, command: grant, targetArn: ARN },
      `:inbox_tray: Requested by <@U0ALICE>: grant developer for @alice (\`${ARN}\`).`,
    ],
    [
      'received',
      { kind: 'received', requestId: REQ, command: grant, targetArn: ARN, auditChannelId: 'C0AUDIT' },
      `Request ${REQ} received: *grant developer for @alice* (\`${ARN}\`). The bot now checks it against AWS; ` +
        'if there is something to change, it goes to approval in <#C0AUDIT>, and every step is posted in its ' +
        'thread. You will be told the outcome.',
    ],
    [
      'received, for a time-bound grant: the limit it understood',
      {
        kind: 'received',
        requestId: REQ,
        command: { ...grant, durationSeconds: 3600 },
        targetArn: ARN,
        auditChannelId: 'C0AUDIT',
      },
      `Request ${REQ} received: *grant developer for @alice*, for 1h, then revoked automatically (\`${ARN}\`). ` +
        'The bot now checks it against AWS; if there is something to change, it goes to approval in <#C0AUDIT>, ' +
        'and every step is posted in its thread. You will be told the outcome.',
    ],
    [
      'approval recorded',
      { kind: 'approval_recorded', approver: BOB, approvals: 1, required: 2 },
      ':ballot_box_with_check: Approved by <@U0BOB> (1 of 2); waiting for another approver.',
    ],
    [
      'approved',
      { kind: 'approved', by: [BOB, ALICE] },
      ':white_check_mark: Approved by <@U0BOB> and <@U0ALICE>.',
    ],
    [
      'denied with a reason',
      { kind: 'denied_by', by: BOB, reason: 'not now' },
      ':no_entry: Denied by <@U0BOB>. Reason: not now',
    ],
    ['denied without a reason', { kind: 'denied_by', by: BOB }, ':no_entry: Denied by <@U0BOB>.'],
    [
      'already decided',
      { kind: 'already_decided', outcome: 'denied', by: [BOB] },
      'Already denied by <@U0BOB>.',
    ],
    [
      'approved twice by one person',
      { kind: 'approved_already_by_you', needed: 1 },
      'You already approved this. It needs 1 more approval from someone else.',
    ],
    [
      'a click before the card',
      { kind: 'no_card_yet' },
      'This request has no approval card yet; wait for it.',
    ],
    [
      'a click after the wait ran out',
      { kind: 'already_expired' },
      'This request expired before anyone decided. Ask again with a new command.',
    ],
    [
      'a click past approval',
      { kind: 'not_waiting', status: 'no_change' },
      'This request is not waiting for approval (it is no change).',
    ],
    [
      'applied',
      { kind: 'applied', changes: ['attach A to user alice', 'attach B to user alice'] },
      ':gear: Applied:\n• attach A to user alice\n• attach B to user alice',
    ],
    [
      'verified by the simulator',
      {
        kind: 'verified',
        check: {
          how: 'simulator',
          allowed: ['codebuild:ListBuilds'],
          denied: ['iam:PassRole'],
          stillAllowed: ['s3:GetObject'],
        },
      },
      ':mag: Verified with the IAM policy simulator:\n• codebuild:ListBuilds: allowed :white_check_mark:\n' +
        '• iam:PassRole: denied :white_check_mark:\n• s3:GetObject: still allowed by another policy :warning:',
    ],
    [
      'verified by reading the key policy back',
      {
        kind: 'verified',
        check: { how: 'key', allowed: [], denied: [], stillAllowed: [], key: { keyId: 'k-1', sids: ['S1'] } },
      },
      ':mag: Verified by reading the key policy back from KMS:\n• key k-1 is enabled :white_check_mark:\n' +
        '• key policy has "S1" :white_check_mark:',
    ],
    [
      'rolled back',
      {
        kind: 'rollback',
        lines: [
          { kind: 'undone', description: 'attach A' },
          { kind: 'undone_unanswered', description: 'attach B' },
          { kind: 'checked', description: 'attach C' },
          { kind: 'kept', description: 'attach D', reason: 'still needed' },
          { kind: 'not_undone', description: 'attach E', command: 'aws iam detach-user-policy' },
        ],
      },
      ':rewind: Rollback:\n• undone: attach A\n• undone: attach B (it had taken effect before the bot stopped)\n' +
        '• checked: attach C had not taken effect\n• kept: attach D (still needed)\n' +
        '• NOT undone: attach E. Run by hand: `aws iam detach-user-policy`',
    ],
    [
      'a tier grant reaching its time limit',
      {
        kind: 'time_limit',
        requester: ALICE,
        summary: 'Grant developer to user alice',
        from: 'tier',
        lines: [
          { kind: 'kept_for_grant', policy: 'P1', requestId: 'REQ-OTHER00000', tier: 'readonly' },
          { kind: 'kept_for_tier', policy: 'P2', tier: 'admin' },
          { kind: 'kept_not_ours', policy: 'P3' },
          { kind: 'already_gone', policy: 'P4', beforeLimit: true },
          { kind: 'already_gone', policy: 'P5', beforeLimit: false },
          { kind: 'revoked', description: 'detach P6 from user alice' },
          { kind: 'not_revoked', description: 'detach P7 from user alice', command: 'aws iam detach' },
        ],
      },
      ':hourglass: Time limit reached for Grant developer to user alice. <@U0ALICE>\n' +
        '• kept: P1 (REQ-OTHER00000 still grants readonly)\n• kept: P2 (the admin tier still needs it)\n' +
        '• kept: P3 (attached before this grant, not by the bot)\n' +
        '• already gone: P4 was detached before the time limit\n• already gone: P5\n' +
        '• revoked: detach P6 from user alice\n• NOT revoked: detach P7 from user alice. Run by hand: `aws iam detach`',
    ],
    [
      'a journal undone at its time limit, after a revoke ended it',
      {
        kind: 'time_limit',
        requester: ALICE,
        summary: 'Grant custom to user alice',
        endedBy: 'REQ-REVOKE0000',
        from: 'journal',
        lines: [{ kind: 'undone', description: 'put policy X' }],
      },
      ':hourglass: Time limit reached; REQ-REVOKE0000 already ended this grant, so nothing more was revoked. ' +
        '<@U0ALICE>:\n• undone: put policy X',
    ],
    [
      'a grant ended early by a revoke',
      { kind: 'ended_by_revoke', revokeId: 'REQ-REVOKE0000', revoker: BOB, timeBound: true },
      ':scissors: Ended early by REQ-REVOKE0000 (revoke by <@U0BOB>); the scheduled expiry will revoke nothing.',
    ],
    [
      'a permanent grant ended by a revoke',
      { kind: 'ended_by_revoke', revokeId: 'REQ-REVOKE0000', revoker: BOB, timeBound: false },
      ':scissors: Ended by REQ-REVOKE0000 (revoke by <@U0BOB>).',
    ],
    [
      'done, time-bound',
      { kind: 'done', requester: ALICE, summary: 'Grant developer to user alice', accessExpiresAt: AT },
      ':white_check_mark: Done. Grant developer to user alice was applied and verified. <@U0ALICE>\n' +
        `This access is time-bound: it is revoked automatically ${DATE}.`,
    ],
    [
      'done without a plan',
      { kind: 'done', requester: ALICE },
      ':white_check_mark: Done. The change was applied and verified. <@U0ALICE>',
    ],
    [
      'applied but unverified',
      { kind: 'unverified', requester: ALICE, reason: { kind: 'timeout' }, accessExpiresAt: AT },
      ':warning: Applied, but the check failed: A step took too long.\n' +
        `The change stays in effect until its time limit and is revoked automatically ${DATE}. <@U0ALICE>`,
    ],
    [
      'reminder',
      {
        kind: 'reminder',
        requester: ALICE,
        requestId: REQ,
        summary: 'Grant developer to user alice',
        accessExpiresAt: AT,
      },
      `:alarm_clock: <@U0ALICE>, Grant developer to user alice ends ${DATE}. If you still need it, ask for more ` +
        `time: \`/codebuild-access extend ${REQ} by 2h because …\`, or Extend on the bot's Home tab.`,
    ],
    [
      'nothing to change',
      { kind: 'no_change', requester: ALICE, unchanged: [] },
      ':information_source: Nothing to change: already in place. <@U0ALICE>',
    ],
    [
      'closed as denied',
      { kind: 'closed_denied', requester: ALICE },
      ':no_entry: Denied; nothing was changed. <@U0ALICE>',
    ],
    [
      'closed as expired',
      { kind: 'closed_expired', requester: ALICE },
      ':hourglass: Expired: nobody approved in time, so nothing was changed. <@U0ALICE>, ask again if you still need it.',
    ],
    [
      'failed with nothing changed',
      {
        kind: 'failed',
        requester: ALICE,
        reason: { kind: 'unexpected', requestId: REQ },
        nothingChanged: true,
        rolledBack: [],
        inEffect: [],
        uncertain: [],
      },
      `:x: Failed: Something went wrong (ref ${REQ}). The bot's logs have the details.\nNothing was changed in AWS.\n<@U0ALICE>`,
    ],
    [
      'failed part way',
      {
        kind: 'failed',
        requester: ALICE,
        reason: { kind: 'error', message: 'IAM refused.' },
        nothingChanged: false,
        rolledBack: ['attach A'],
        inEffect: ['attach B'],
        uncertain: [
          { description: 'attach C', undoCommand: 'aws iam detach C' },
          { description: 'attach D' },
        ],
      },
      ':x: Failed: IAM refused.\nRolled back: attach A.\nStill in effect: attach B.\n' +
        "May still be in effect: attach C (the bot stopped before recording IAM's answer). To undo it: `aws iam detach C`\n" +
        "May still be in effect: attach D (the bot stopped before recording IAM's answer).\n<@U0ALICE>",
    ],
    [
      'a workflow that stopped',
      {
        kind: 'stopped',
        requestId: REQ,
        requester: ALICE,
        how: { status: 'FAILED' },
        mayBeInEffect: [
          { description: 'attach A', undoCommand: 'aws iam detach A' },
          { description: 'attach B' },
        ],
        wasActive: true,
      },
      `:rotating_light: The workflow for ${REQ} stopped: it failed (no error name).\n` +
        '• may still be in effect: attach A. To undo it: `aws iam detach A`\n• may still be in effect: attach B\n' +
        'Its time limit will not revoke anything any more; revoke it by hand or with `revoke`.\n' +
        "<@U0ALICE>, operators: see the execution's history in Step Functions.",
    ],
    [
      'a workflow stopped by hand',
      {
        kind: 'stopped',
        requestId: REQ,
        requester: ALICE,
        how: { status: 'ABORTED' },
        mayBeInEffect: [],
        wasActive: false,
      },
      `:rotating_light: The workflow for ${REQ} stopped: it was stopped by hand.\n` +
        "<@U0ALICE>, operators: see the execution's history in Step Functions.",
    ],
    [
      'an outcome Slack refused',
      { kind: 'stopped_undelivered', requestId: REQ, outcomeText: 'Done.' },
      `:rotating_light: The workflow for ${REQ} stopped: Slack refused its outcome at the time. From its record:\nDone.`,
    ],
    [
      'the message that starts a thread without a card',
      { kind: 'standalone', requestId: REQ, requester: ALICE, summary: 'grant' },
      `CodeBuild access request ${REQ} by <@U0ALICE>: grant`,
    ],
    [
      'an outcome told to the requester',
      { kind: 'told_requester', requestId: REQ, text: 'Done.' },
      `${REQ}: Done.`,
    ],
    [
      'an unknown Slack user',
      { kind: 'slack_user_not_mapped', slackUserId: ALICE, why: { kind: 'unknown_user' } },
      'Slack does not know an active user <@U0ALICE>. Name the IAM user directly with `user:NAME`.',
    ],
    [
      'a Slack user no IAM user is tagged for',
      { kind: 'slack_user_not_mapped', slackUserId: ALICE, why: { kind: 'no_single_tagged_user' } },
      'No single IAM user is tagged `SlackUserId=U0ALICE` for <@U0ALICE>. Name the IAM user directly with `user:NAME`.',
    ],
    [
      'a Slack id two IAM users are tagged for',
      {
        kind: 'slack_user_not_mapped',
        slackUserId: ALICE,
        why: { kind: 'several_tagged_users', userNames: ['a.chen', 'alice.admin'] },
      },
      'IAM users `a.chen` and `alice.admin` all carry `SlackUserId=U0ALICE`, so I will not pick one for <@U0ALICE>: ' +
        'remove the tag from all but one of them. Name the IAM user directly with `user:NAME`.',
    ],
    [
      'a Slack user the IAM user index does not know since its last scan',
      {
        kind: 'slack_user_not_mapped',
        slackUserId: ALICE,
        why: {
          kind: 'not_indexed_yet',
          accountId: '111122223333',
          lastIndexedAt: '2026-11-29T10:00:00.000Z',
          taggedUsers: 42,
        },
      },
      "I do not know <@U0ALICE>'s IAM user yet. No IAM user of account 111122223333 was tagged `SlackUserId=U0ALICE` " +
        'when its users were last indexed (<!date^1795946400^{date_short_pretty} at {time}|2026-11-29 10:00 UTC>, 42 tagged); ' +
        'I have asked for a re-index, which takes a minute or two. Try again then; if it still fails, their IAM user needs ' +
        'the tag `SlackUserId=U0ALICE`. Name the IAM user directly with `user:NAME`.',
    ],
    [
      'a Slack user in an account never indexed',
      {
        kind: 'slack_user_not_mapped',
        slackUserId: ALICE,
        why: { kind: 'not_indexed_yet', accountId: '111122223333' },
      },
      "I do not know <@U0ALICE>'s IAM user yet. The IAM users of account 111122223333 have not been indexed yet; " +
        'I have asked for a re-index, which takes a minute or two. Try again then; if it still fails, their IAM user needs ' +
        'the tag `SlackUserId=U0ALICE`. Name the IAM user directly with `user:NAME`.',
    ],
    [
      'a Slack user without an email',
      { kind: 'slack_user_not_mapped', slackUserId: ALICE, why: { kind: 'no_email' } },
      '<@U0ALICE> has no email in their Slack profile that the bot can read. Name the IAM user directly with `user:NAME`.',
    ],
    [
      'an email at a domain with no mapping',
      {
        kind: 'slack_user_not_mapped',
        slackUserId: ALICE,
        why: {
          kind: 'email_unmapped',
          email: 'a@x.example',
          tried: ['a@x.example'],
          domains: [],
          domain: 'x.example',
        },
      },
      "<@U0ALICE>'s Slack email is `a@x.example`. No IAM user is named `a@x.example` for them. The bot maps an " +
        'email to an IAM user only when the user is named exactly as the email (IAM_USER_EMAIL_DOMAINS lists no ' +
        'domain). Name the IAM user directly with `user:NAME`.',
    ],
    [
      'verify',
      {
        kind: 'verify_report',
        report: {
          target: { kind: 'user', name: 'alice', arn: ARN },
          tiers: ['developer'],
          actions: [
            { action: 'codebuild:ListBuilds', allowed: true },
            { action: 'codebuild:StartBuild', allowed: false },
          ],
          listBuilds: { kind: 'answered', buildIds: 3 },
          passed: false,
        },
      },
      `*Verify* user \`alice\` (\`${ARN}\`)\nTiers held: developer\n• codebuild:ListBuilds: allowed :white_check_mark:\n` +
        "• codebuild:StartBuild: denied :x:\n• codebuild:ListBuilds with the bot's credentials: CodeBuild answered " +
        '(3 build ids) :white_check_mark:\n*Result: fail* :x:',
    ],
    [
      'verify of a target with no tier and no CodeBuild client',
      {
        kind: 'verify_report',
        report: {
          target: { kind: 'group', name: 'devs', arn: 'arn:g' },
          tiers: [],
          actions: [],
          listBuilds: { kind: 'skipped' },
          passed: true,
        },
      },
      '*Verify* group `devs` (`arn:g`)\nHolds no CodeBuild tier, so no action is expected to be allowed.\n' +
        "• codebuild:ListBuilds with the bot's credentials: not configured, skipped\n*Result: pass* :white_check_mark:",
    ],
    [
      'status',
      {
        kind: 'status_report',
        report: {
          target: { kind: 'user', name: 'alice', arn: ARN },
          tiers: ['developer'],
          managed: [
            { policy: 'AWSCodeBuildDeveloperAccess', tiers: ['developer'] },
            { policy: 'MyCodeBuildThing', tiers: [] },
          ],
          inline: [],
          pending: [
            { requestId: REQ, command: grant, status: 'awaiting_approval', requester: BOB, createdAt: AT },
          ],
        },
      },
      `*Status of* user \`alice\` (\`${ARN}\`)\nTiers held: developer\n*Managed policies (CodeBuild-related)*\n` +
        '• AWSCodeBuildDeveloperAccess (developer tier)\n• MyCodeBuildThing\n*Inline policies (CodeBuild-related)*\n' +
        `• none\n*Pending requests*\n• ${REQ}: grant developer for @alice, awaiting approval, asked by <@U0BOB> ${DATE}`,
    ],
  ])('%s', (_what, notice, text) => {
    expect(sayNotice(notice)).toBe(text);
  });
});

describe('the status line of a closed card', () => {
  it.each<[CardStatus, string]>([
    [{ kind: 'completed', active: false }, 'Status: applied and verified. See the thread for each step.'],
    [
      { kind: 'completed', active: true },
      'Status: applied and verified; it will be revoked automatically at its time limit.',
    ],
    [
      { kind: 'unverified' },
      'Status: applied, but the check failed; still revoked automatically at its time limit.',
    ],
    [
      { kind: 'failed', nothingChanged: true },
      'Status: failed; nothing was changed in AWS. See the thread for why.',
    ],
    [
      { kind: 'failed', nothingChanged: false },
      'Status: failed. See the thread for what was applied and rolled back.',
    ],
    [{ kind: 'no_change' }, 'Status: nothing to change.'],
    [{ kind: 'denied' }, 'Status: denied.'],
    [{ kind: 'expired' }, 'Status: expired.'],
    [{ kind: 'time_limit', outcome: 'revoked' }, 'Status: time limit reached; the access was revoked.'],
    [
      { kind: 'time_limit', outcome: 'revoked_early', endedBy: 'REQ-REVOKE0000' },
      'Status: ended early by REQ-REVOKE0000; the time limit revoked nothing more.',
    ],
    [
      { kind: 'time_limit', outcome: 'failed' },
      'Status: time limit reached, but some access could NOT be revoked. The thread has the command to run.',
    ],
  ])('%j', (status, line) => {
    expect(cardStatusLine(status)).toBe(line);
  });
});

describe('slackWording, the Wording port on Slack', () => {
  const denied: AccessRequest = {
    requestId: REQ,
    version: 3,
    createdAt: AT,
    requester: { userId: ALICE, teamId: 'T0' },
    channelId: 'C0',
    command: grant,
    target: { kind: 'user', name: 'alice', arn: ARN },
    status: 'denied',
    requiredApprovals: 1,
    approvals: [],
    decision: { outcome: 'denied', by: [BOB], at: AT },
    completedSteps: [],
    events: [],
  };

  it('closes a card: the fallback text names the status, the blocks end with the decision and the status line', () => {
    const card = slackWording.closedCard(denied, { kind: 'denied' });

    expect(card.text).toBe(`${REQ}: denied`);
    expect(card.blocks?.slice(-2)).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: ':no_entry: Denied by <@U0BOB>' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Status: denied.' }] },
    ]);
  });

  it('renders the approval card with its fallback text and the Approve and Deny buttons', () => {
    const card = slackWording.approvalCard({ ...denied, status: 'awaiting_approval' }, AT);

    expect(card.text).toBe(`CodeBuild access request ${REQ}: grant developer for @alice`);
    expect(card.blocks?.at(-1)).toMatchObject({
      type: 'actions',
      elements: [
        { text: { text: 'Approve' }, value: REQ },
        { text: { text: 'Deny' }, value: REQ },
      ],
    });
  });

  it('says a notice in mrkdwn with the mentions written out', () => {
    expect(slackWording.say({ kind: 'approved', by: [BOB] })).toBe(
      ':white_check_mark: Approved by <@U0BOB>.',
    );
  });
});
