/**
 * The fault and attack suite (issue 5): every case names its expected outcome, which is always a clear
 * message, with nothing lost and nothing half-applied. Everything runs through the exported slack
 * handler with signed events and the real ASL on aws-local-stepfunctions.
 */
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { IAMServiceException } from '@aws-sdk/client-iam';
import { SFNServiceException, TaskTimedOut } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { ACTION_IDS, DENY_MODAL } from '../../src/slack/ids';
import { signSlackRequest } from '../../src/slack/verify-signature';
import {
  APPROVER_1,
  APPROVER_2,
  ackText,
  type Harness,
  OUTSIDER,
  REQUESTER,
  startHarness,
} from '../helpers/harness';
import {
  rawSignedEvent,
  slashCommandEvent,
  TEST_SIGNING_SECRET,
  viewSubmissionEvent,
} from '../helpers/signed-event';

let h: Harness;
afterEach(async () => h?.stop());

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const slash = (text: string, userId = REQUESTER) => h.slash(text, { userId });
const approve = (requestId: string, userId: string, extra: { teamId?: string; apiAppId?: string } = {}) =>
  h.click(requestId, userId, extra);
const denyWithReason = (requestId: string, userId: string, reason = 'not now') =>
  h.handler(
    viewSubmissionEvent({
      secret: TEST_SIGNING_SECRET,
      callbackId: DENY_MODAL.callbackId,
      privateMetadata: requestId,
      userId,
      values: {
        [DENY_MODAL.reasonBlockId]: {
          [DENY_MODAL.reasonActionId]: { type: 'plain_text_input', value: reason },
        },
      },
    }),
  );
const ephemeralsFor = (userId: string): string[] =>
  h.slack.ephemerals.filter((e) => e.user === userId).map((e) => e.text ?? '');

async function pending(text = 'grant user:alice developer'): Promise<string> {
  await slash(text);
  const { requestId } = await h.onlyRequest();
  await h.awaitApprovalWait(requestId);
  return requestId;
}

const iamError = (name: string, status: number) =>
  new IAMServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    message: name,
    $metadata: { httpStatusCode: status },
  });

describe('signature and timestamp attacks get 401 (or 400 for a valid signature on a bad body); nothing starts', () => {
  beforeEach(async () => {
    h = await startHarness();
    h.iam.addUser('alice');
  });

  const body =
    'command=%2Fcodebuild-access&text=grant+user%3Aalice+developer&user_id=U0REQUESTER&team_id=T0TEAM&channel_id=C0REQ&trigger_id=1.2.3';
  const event = (headers: Record<string, string>) => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
    isBase64Encoded: false,
  });
  const ts = () => String(nowSeconds());

  it.each([
    ['no headers at all', () => ({})],
    [
      'garbage headers',
      () => ({ 'x-slack-request-timestamp': 'yesterday', 'x-slack-signature': '¯\\_(ツ)_/¯' }),
    ],
    [
      'a v1= signature',
      () => ({
        'x-slack-request-timestamp': ts(),
        'x-slack-signature': signSlackRequest(TEST_SIGNING_SECRET, ts(), body).replace('v0=', 'v1='),
      }),
    ],
    [
      'a signature of the wrong length',
      () => ({
        'x-slack-request-timestamp': ts(),
        'x-slack-signature': signSlackRequest(TEST_SIGNING_SECRET, ts(), body).slice(0, 40),
      }),
    ],
    [
      'a non-numeric timestamp',
      () => ({
        'x-slack-request-timestamp': '1e9',
        'x-slack-signature': signSlackRequest(TEST_SIGNING_SECRET, '1e9', body),
      }),
    ],
    [
      'an old timestamp',
      () => {
        const old = String(nowSeconds() - 301);
        return {
          'x-slack-request-timestamp': old,
          'x-slack-signature': signSlackRequest(TEST_SIGNING_SECRET, old, body),
        };
      },
    ],
    [
      'a timestamp in the future',
      () => {
        const future = String(nowSeconds() + 301);
        return {
          'x-slack-request-timestamp': future,
          'x-slack-signature': signSlackRequest(TEST_SIGNING_SECRET, future, body),
        };
      },
    ],
  ])('%s → 401', async (_label, headers) => {
    const response = await h.handler(event(headers()));
    expect(response).toMatchObject({ statusCode: 401, body: '' });
    expect(h.sfn.calls()).toHaveLength(0);
  });

  it.each([
    ['a payload that is not JSON', 'payload=%7B%22type%22%3A'],
    ['an interaction type the app does not handle', `payload=${encodeURIComponent('{"type":"shortcut"}')}`],
    ['a slash command without a user', 'command=%2Fcodebuild-access&text=help'],
    ['another slash command', 'command=%2Fdeploy&text=prod&user_id=U1&team_id=T1&trigger_id=1&channel_id=C1'],
  ])('a valid signature on %s → 400', async (_label, raw) => {
    const response = await h.handler(rawSignedEvent({ secret: TEST_SIGNING_SECRET, body: raw }));
    expect(response.statusCode).toBe(400);
    expect(h.sfn.calls()).toHaveLength(0);
  });
});

describe('click attacks are refused on the server, with a message only the clicker sees', () => {
  beforeEach(async () => {
    h = await startHarness({ SLACK_TEAM_ID: 'T0TEAM', SLACK_APP_ID: 'A0APP' });
    h.iam.addUser('alice');
  });

  it('an unauthorized clicker is refused and the request stays pending', async () => {
    const id = await pending();
    await approve(id, OUTSIDER);
    expect(ephemeralsFor(OUTSIDER)).toEqual([expect.stringContaining('Only configured approvers')]);
    expect((await h.store.get(id))?.status).toBe('awaiting_approval');
  });

  it('self-approval is refused (the requester is an approver here)', async () => {
    await h.stop();
    h = await startHarness({ APPROVER_USER_IDS: `${REQUESTER},${APPROVER_1}` });
    h.iam.addUser('alice');
    const id = await pending();
    await approve(id, REQUESTER);
    expect(ephemeralsFor(REQUESTER)).toEqual([expect.stringContaining('you cannot decide it')]);
    expect((await h.store.get(id))?.approvals).toEqual([]);
  });

  it('an approver cannot approve a change to themselves, named by mention', async () => {
    h.iam.addUser('approver2');
    const id = await pending(`grant <@${APPROVER_2}|approver2> developer`);
    await approve(id, APPROVER_2);
    expect(ephemeralsFor(APPROVER_2)).toEqual([expect.stringContaining('This change is for you')]);
    expect((await h.store.get(id))?.approvals).toEqual([]);
  });

  it('an approver cannot approve a change to their own IAM user named as user:NAME; another approver can', async () => {
    h.iam.addUser('approver1');
    const id = await pending('grant user:approver1 developer');
    await approve(id, APPROVER_1);
    expect(ephemeralsFor(APPROVER_1)).toEqual([expect.stringContaining('This change is for you')]);
    await approve(id, APPROVER_2);
    await expect(h.finished(id)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(h.iam.attached('user', 'approver1')).toContain(POLICY_ARNS.codeBuildDeveloper);
  });

  it.each([
    ['another workspace', { teamId: 'T0EVIL' }, 'another Slack workspace'],
    ['another app', { apiAppId: 'A0EVIL' }, 'another Slack app'],
  ])('a click from %s is refused', async (_label, extra, message) => {
    const id = await pending();
    await approve(id, APPROVER_1, extra);
    expect(ephemeralsFor(APPROVER_1)).toEqual([expect.stringContaining(message)]);
    expect((await h.store.get(id))?.status).toBe('awaiting_approval');
  });

  it('a slash command from another workspace starts nothing', async () => {
    const response = await h.handler(
      slashCommandEvent({
        secret: TEST_SIGNING_SECRET,
        text: 'grant user:alice developer',
        userId: REQUESTER,
        teamId: 'T0EVIL',
      }),
    );
    expect(ackText(response)).toContain('workspace or app this bot does not serve');
    expect(h.sfn.calls()).toHaveLength(0);
  });

  it('two approvers clicking within 50 ms: one decision, one apply, the other told who won', async () => {
    const id = await pending();
    await Promise.all([approve(id, APPROVER_1), approve(id, APPROVER_2)]);
    await expect(h.finished(id)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    const request = await h.store.get(id);
    expect(request?.decision?.by).toHaveLength(1);
    const loser = request?.decision?.by[0] === APPROVER_1 ? APPROVER_2 : APPROVER_1;
    expect(ephemeralsFor(loser)).toEqual([`Already approved by <@${request?.decision?.by[0]}>.`]);
    expect(request?.events.filter((e) => e.type === 'applied')).toHaveLength(1);
  });

  it('Approve and Deny at once: exactly one wins and the other is told', async () => {
    const id = await pending();
    await Promise.all([approve(id, APPROVER_1), denyWithReason(id, APPROVER_2)]);
    await h.finished(id);
    const request = await h.store.get(id);
    const decisions =
      request?.events.filter((e) => e.type === 'approved' || (e.type === 'denied' && e.actor)) ?? [];
    expect(decisions).toHaveLength(1);
    const [winner, loser] =
      request?.decision?.outcome === 'approved' ? [APPROVER_1, APPROVER_2] : [APPROVER_2, APPROVER_1];
    expect(ephemeralsFor(loser).at(-1)).toMatch(/^Already (approved|denied) by <@/);
    expect(request?.decision?.by).toEqual([winner]);
    const attached = h.iam.attached('user', 'alice');
    expect(attached).toEqual(
      request?.decision?.outcome === 'approved'
        ? [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort()
        : [],
    );
  });

  it('a click after expiry is told the request expired', async () => {
    await h.stop();
    h = await startHarness({ APPROVAL_TIMEOUT_SECONDS: '1' });
    h.iam.addUser('alice');
    await slash('grant user:alice developer');
    const { requestId } = await h.onlyRequest();
    await h.finished(requestId);
    await approve(requestId, APPROVER_1);
    expect(ephemeralsFor(APPROVER_1)).toEqual([expect.stringContaining('expired before anyone decided')]);
    expect(h.iam.attached('user', 'alice')).toEqual([]);
  });

  it.each([
    ['a path', 'REQ-../../admin'],
    ['an oversized value', `REQ-${'A'.repeat(1900)}`],
    ['a script', '<script>alert(1)</script>'],
  ])('a tampered button value (%s) touches nothing', async (_label, value) => {
    const id = await pending();
    await approve(value, APPROVER_1);
    expect(ephemeralsFor(APPROVER_1)).toEqual([
      'That button does not belong to a request I know; nothing was changed.',
    ]);
    expect((await h.store.get(id))?.status).toBe('awaiting_approval');
  });

  it('an unknown request id is answered plainly', async () => {
    await approve('REQ-ZZZZZZZZZZ', APPROVER_1);
    expect(ephemeralsFor(APPROVER_1)).toEqual(['I have no request REQ-ZZZZZZZZZZ; nothing was changed.']);
  });
});

describe('admin tier: two distinct approvers', () => {
  beforeEach(async () => {
    h = await startHarness();
    h.iam.addUser('alice');
  });

  it('one approval keeps it pending and the card shows who approved and the warning', async () => {
    const id = await pending('grant user:alice admin');
    await approve(id, APPROVER_1);
    const request = await h.store.get(id);
    expect(request?.status).toBe('awaiting_approval');
    expect(h.workflow.isWaiting(id)).toBe(true);
    expect(h.iam.attached('user', 'alice')).toEqual([]);
    const card = h.slack.messages.find((m) => m.ts === request?.card?.ts && !m.threadTs);
    const cardJson = JSON.stringify(card?.blocks);
    expect(cardJson).toContain(`Approvals: 1 of 2 (<@${APPROVER_1}>)`);
    expect(cardJson).toContain('IAMFullAccess');
    expect(cardJson).toContain(ACTION_IDS.approve);
  });

  it('the same approver clicking twice does not count twice', async () => {
    const id = await pending('grant user:alice admin');
    await approve(id, APPROVER_1);
    await approve(id, APPROVER_1);
    expect(ephemeralsFor(APPROVER_1).at(-1)).toContain('You already approved this');
    expect((await h.store.get(id))?.approvals).toHaveLength(1);
    expect(h.iam.attached('user', 'alice')).toEqual([]);
  });

  it('a second, distinct approver applies it', async () => {
    const id = await pending('grant user:alice admin');
    await approve(id, APPROVER_1);
    await approve(id, APPROVER_2);
    await expect(h.finished(id)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(h.iam.attached('user', 'alice')).toEqual(
      [POLICY_ARNS.codeBuildAdmin, POLICY_ARNS.s3ReadOnly, POLICY_ARNS.iamFull].sort(),
    );
    expect((await h.store.get(id))?.decision?.by).toEqual([APPROVER_1, APPROVER_2]);
  });
});

describe('approver group lookup fails closed', () => {
  const GROUP = 'S0APPROVERS';
  beforeEach(async () => {
    h = await startHarness({ APPROVER_USER_IDS: '', APPROVER_USERGROUP_ID: GROUP });
    h.iam.addUser('alice');
    h.slack.state.setUsergroup(GROUP, [APPROVER_1]);
  });

  it('a member of the group may approve', async () => {
    const id = await pending();
    await approve(id, APPROVER_1);
    await expect(h.finished(id)).resolves.toMatchObject({ status: 'SUCCEEDED' });
  });

  it.each([
    [
      'ratelimited',
      { status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } },
    ],
    ['no_such_subteam', { body: { ok: false, error: 'no_such_subteam' } }],
    ['a 5xx', { status: 503, body: { ok: false, error: 'service_unavailable' } }],
  ])('%s refuses the click; it never allows it', async (_label, reply) => {
    const id = await pending();
    h.slack.respondWith('usergroups.users.list', () => reply);
    await approve(id, APPROVER_1);
    expect(ephemeralsFor(APPROVER_1)).toEqual([
      expect.stringContaining('could not check the approver group'),
    ]);
    expect((await h.store.get(id))?.status).toBe('awaiting_approval');
  });
});

describe('AWS faults: throttling recovers; access denied and 5xx fail with a report and a rollback', () => {
  beforeEach(async () => {
    h = await startHarness();
    h.iam.addUser('alice');
  });

  const IAM_CALLS = [
    'GetUser',
    'ListAttachedUserPolicies',
    'AttachUserPolicy',
    'SimulatePrincipalPolicy',
  ] as const;

  /** Runs a developer grant as far as it goes; returns the request id ('' if none started) and the ack. */
  const runGrant = async (): Promise<{ id: string; ack: string }> => {
    const ack = ackText(await slash('grant user:alice developer'));
    const ids = h.sfn.calls().map((c) => (c.args[0].input as { name?: string }).name);
    const id = String(ids.at(-1) ?? '');
    if (!id) return { id, ack };
    await h.awaitApprovalWait(id).catch(() => undefined);
    if (h.workflow.isWaiting(id)) await approve(id, APPROVER_1);
    await h.finished(id);
    return { id, ack };
  };

  it.each(IAM_CALLS)('iam:%s throttled once → the grant still completes', async (call) => {
    let throttled = false;
    h.iam.failWith = (command) => {
      if (command !== call || throttled) return undefined;
      throttled = true;
      return iamError('Throttling', 400);
    };
    const { id } = await runGrant();
    expect(throttled).toBe(true);
    expect((await h.store.get(id))?.status).toBe('completed');
    expect(h.iam.attached('user', 'alice')).toEqual(
      [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort(),
    );
  });

  it.each([
    ['AccessDenied', 403, 'AWS denied the bot permission'],
    ['ServiceFailure', 500, 'AWS was briefly unavailable'],
  ])('iam:* %s → a clear failure, and nothing is left half-applied', async (name, status, message) => {
    for (const call of IAM_CALLS) {
      await h.stop();
      h = await startHarness();
      h.iam.addUser('alice');
      // Fail the second attach, so one step was applied and must be rolled back.
      let attaches = 0;
      h.iam.failWith = (command) => {
        if (command !== call) return undefined;
        if (call === 'AttachUserPolicy') attaches += 1;
        if (call === 'AttachUserPolicy' && attaches === 1) return undefined;
        return iamError(name, status);
      };
      const { id, ack } = await runGrant();
      if (call === 'GetUser') {
        // The slash command itself could not resolve the target: told at once, nothing started.
        expect(id).toBe('');
        expect(ack).toContain(message);
        expect(ack).toContain('Nothing was changed');
        continue;
      }
      const report = (await h.store.get(id))?.events.at(-1)?.text ?? '';
      expect(report).toContain(message);
      if (call === 'SimulatePrincipalPolicy') {
        // Verification failed after a full apply: reported, and what is in effect is named.
        expect(report).toContain('Still in effect');
      } else {
        expect(h.iam.attached('user', 'alice')).toEqual([]);
      }
    }
  });

  it('a retried apply whose first attempt acted but lost the answer is harmless, and a rollback still undoes it', async () => {
    let lostAnswer = false;
    h.iam.failWith = (command, input) => {
      if (command !== 'AttachUserPolicy') return undefined;
      if (input.PolicyArn === POLICY_ARNS.codeBuildDeveloper && !lostAnswer) {
        lostAnswer = true;
        // IAM applied the attach, but the answer was lost (a 503 after the fact).
        h.iam.account.findUser('alice')?.attachedPolicyArns.push(POLICY_ARNS.codeBuildDeveloper);
        return iamError('ServiceUnavailable', 503);
      }
      return input.PolicyArn === POLICY_ARNS.s3ReadOnly ? iamError('AccessDenied', 403) : undefined;
    };
    const { id } = await runGrant();
    expect(lostAnswer).toBe(true);
    // The retry found the policy attached; the journal still records it as this request's change.
    const journal = (await h.store.get(id))?.completedSteps ?? [];
    expect(
      journal.find(
        (step) => step.stepId === 'attach:AWSCodeBuildDeveloperAccess' && step.outcome !== 'started',
      ),
    ).toMatchObject({
      outcome: 'changed',
      undo: { type: 'detachPolicy', policyArn: POLICY_ARNS.codeBuildDeveloper },
    });
    expect(h.iam.attached('user', 'alice')).toEqual([]);
    expect((await h.store.get(id))?.events.at(-1)?.text).toContain(
      'Rolled back: attach AWSCodeBuildDeveloperAccess to user alice',
    );
  });

  it('sfn:StartExecution throttled once → recovers; denied → the requester is told and nothing is left running', async () => {
    h.failSfn(
      'StartExecution',
      new SFNServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    expect(ackText(await slash('grant user:alice developer'))).toContain('received');

    h.failSfn(
      'StartExecution',
      ...Array.from(
        { length: 3 },
        () =>
          new SFNServiceException({
            name: 'AccessDeniedException',
            $fault: 'client',
            message: 'no',
            $metadata: { httpStatusCode: 403 },
          }),
      ),
    );
    const text = ackText(await slash('grant user:alice readonly'));
    expect(text).toContain('AWS denied the bot permission to start the workflow');
    expect(text).toContain('Nothing was changed');
  });

  it('sfn:SendTaskSuccess denied → the approval is not lost: the card stays decidable and a retry works', async () => {
    const id = await pending();
    h.failSfn(
      'SendTaskSuccess',
      new SFNServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message: 'no',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await approve(id, APPROVER_1);
    expect(ephemeralsFor(APPROVER_1).at(-1)).toContain('could not be passed on');
    expect((await h.store.get(id))?.status).toBe('awaiting_approval');
    await approve(id, APPROVER_1);
    await expect(h.finished(id)).resolves.toMatchObject({ status: 'SUCCEEDED' });
  });
});

describe('DynamoDB faults: throttling recovers; a permanent error is a clear message and starts nothing', () => {
  let ddb: ReturnType<typeof mockClient>;
  beforeEach(async () => {
    h = await startHarness();
    h.iam.addUser('alice');
    // Layered on the real dynalite calls: only the injected calls fail, everything else goes through.
    // The store talks through the DocumentClient, so that is the client to stub.
    ddb = mockClient(DynamoDBDocumentClient);
    ddb.send.callThrough();
  });
  afterEach(() => ddb.restore());

  const ddbError = (name: string, status: number) =>
    new DynamoDBServiceException({
      name,
      $fault: status >= 500 ? 'server' : 'client',
      message: name,
      $metadata: { httpStatusCode: status },
    });

  it('GetItem throttled once on the slash command → the request is still received', async () => {
    ddb.on(GetCommand).rejectsOnce(ddbError('ThrottlingException', 400));
    expect(ackText(await slash('grant user:alice developer'))).toContain('received');
    expect(ddb.commandCalls(GetCommand).length).toBeGreaterThanOrEqual(2);
    expect(h.sfn.calls()).toHaveLength(1);
  });

  it('PutItem denied → the requester is told, and no workflow starts', async () => {
    ddb.on(PutCommand).rejects(ddbError('AccessDeniedException', 400));
    const text = ackText(await slash('grant user:alice developer'));
    expect(text).toContain('AWS denied the bot permission to store request');
    expect(text).toContain('Nothing was changed');
    expect(h.sfn.calls()).toHaveLength(0);
  });

  it('UpdateItem throttled once inside the workflow (planning) → retried by the ASL, the grant completes', async () => {
    // Set before any call: sinon counts earlier calls toward "once".
    ddb.on(UpdateCommand).rejectsOnce(ddbError('ProvisionedThroughputExceededException', 400));
    await slash('grant user:alice developer');
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);
    await approve(requestId, APPROVER_1);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    const outcomes = await Promise.allSettled(
      ddb.commandCalls(UpdateCommand).map((call) => call.returnValue),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(1);
    expect(h.iam.attached('user', 'alice')).toEqual(
      [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort(),
    );
  });
});

describe('late decisions', () => {
  beforeEach(async () => {
    h = await startHarness();
    h.iam.addUser('alice');
  });

  it('SendTaskSuccess answering TaskTimedOut is reported as already handled, not as an error', async () => {
    const id = await pending();
    h.failSfn(
      'SendTaskSuccess',
      new TaskTimedOut({ message: 'Task Timed Out', $metadata: { httpStatusCode: 400 } }),
    );
    await approve(id, APPROVER_1);
    expect(ephemeralsFor(APPROVER_1)).toEqual(['This request had already expired; nothing was changed.']);
    expect(h.iam.attached('user', 'alice')).toEqual([]);
  });
});
