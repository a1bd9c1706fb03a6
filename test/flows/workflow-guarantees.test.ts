/**
 * Issue 10's workflow guarantees on the REAL ASL (aws-local-stepfunctions) with the real tasks, DynamoDB
 * on dynalite, Slack on a loopback server, and IAM on the sandbox account. Each test injects one fault
 * and asserts the final IAM state, the thread and the card.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachUserPolicyCommand,
  DetachUserPolicyCommand,
  type IAMClient,
  IAMServiceException,
  ListAttachedUserPoliciesCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { loadSandboxFixture, type SandboxAccount, SandboxStore } from '../../src/local/sandbox/account';
import { createSandboxClients, type SandboxClients } from '../../src/local/sandbox/plug';
import { inProcessTaskDeps } from '../../src/wiring';
import { ExecutionStoppedEvent, reportStopped } from '../../src/workflows/tasks/report-stopped';
import {
  APPROVER_1,
  AUDIT_CHANNEL,
  ackText,
  type Harness,
  REQUESTER,
  startHarness,
} from '../helpers/harness';
import { slackError } from '../helpers/local-slack';

jest.setTimeout(60_000);

const FIXTURE = join(__dirname, '../../local/fixtures/sandbox-account.json');
const ALICE_ARN = 'arn:aws:iam::111122223333:user/alice';

let h: Harness;
let dir: string;
let account: SandboxAccount;
let clients: SandboxClients;
let store: SandboxStore;
const iamStubOf = (client: IAMClient) => mockClient(client);
type IamStub = ReturnType<typeof iamStubOf>;
let iamFaults: IamStub | undefined;
/**
 * Each time-bound run is held before "Revoke expired access" until the test lets it
 * expire. A gate that is never opened holds nothing alive: the harness aborts the run at the end.
 */
const held = new Set<string>();
const gates = new Map<string, { opened: Promise<void>; open: () => void }>();
const gate = (requestId: string) => {
  let entry = gates.get(requestId);
  if (!entry) {
    let open: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    entry = { opened, open };
    gates.set(requestId, entry);
  }
  return entry;
};

async function start(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'guarantees-'));
  store = SandboxStore.open(join(dir, 'account.json'), { seed: () => loadSandboxFixture(FIXTURE) });
  account = store.account;
  clients = createSandboxClients(store);
  gates.clear();
  held.clear();
  h = await startHarness(
    { AWS_ACCOUNT_ID: '111122223333', AWS_REGION: 'us-east-1' },
    {
      aws: clients,
      account: store.account,
      beforeTask: async (state, requestId) => {
        if (state !== 'Revoke expired access') return;
        held.add(requestId);
        await gate(requestId).opened;
      },
    },
  );
}

beforeEach(start);
afterEach(async () => {
  iamFaults?.restore();
  iamFaults = undefined;
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Layers faults on the sandbox's IAM client; every other call goes through to the sandbox. */
function faultIam(): IamStub {
  const stub = mockClient(clients.iam);
  stub.send.callThrough();
  iamFaults = stub;
  return stub;
}
const sandboxIam = () => createSandboxClients(store).iam;

const startedIds = (): string[] =>
  h.sfn.calls().flatMap((call) => {
    const name = (call.args[0].input as { name?: unknown }).name;
    return typeof name === 'string' ? [name] : [];
  });

async function submit(text: string): Promise<{ requestId: string; ack: string }> {
  const ack = ackText(await h.slash(text));
  return { requestId: String(startedIds().at(-1)), ack };
}

async function approved(text: string): Promise<string> {
  const { requestId } = await submit(text);
  await h.awaitApprovalWait(requestId);
  await h.click(requestId, APPROVER_1);
  return requestId;
}

async function waitForStatus(requestId: string, status: string): Promise<void> {
  for (let i = 0; i < 2000; i += 1) {
    if ((await h.store.get(requestId))?.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${requestId} never reached ${status}`);
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('condition never held');
}

async function expire(requestId: string) {
  gate(requestId).open();
  return h.finished(requestId);
}

const attached = (user: string): string[] => [...(account.findUser(user)?.attachedPolicyArns ?? [])].sort();
const thread = async (requestId: string): Promise<string[]> => {
  const request = await h.store.get(requestId);
  return h.slack.thread(request?.card?.ts ?? '').map((m) => m.text ?? '');
};
/** The card's text blocks as shown now (the last chat.update, else the post). */
const cardTexts = async (requestId: string): Promise<string[]> => {
  const request = await h.store.get(requestId);
  const card = h.slack.messages.find(
    (m) => m.channel === AUDIT_CHANNEL && m.ts === request?.card?.ts && !m.threadTs,
  );
  const texts: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.text === 'string') texts.push(record.text);
      else Object.values(record).forEach(walk);
    }
  };
  walk(card?.blocks ?? []);
  return texts;
};
const statusLine = async (requestId: string) =>
  (await cardTexts(requestId)).filter((t) => t.startsWith('Status:'));

const iamError = (name: string, status: number) =>
  new IAMServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    message: name,
    $metadata: { httpStatusCode: status },
  });

describe('(a) what a time-bound grant applied ends at its time limit, whatever happened after the apply', () => {
  it('a failed check still reaches the expiry, which removes the access, and says so on the way', async () => {
    faultIam()
      .on(SimulatePrincipalPolicyCommand)
      .resolves({
        EvaluationResults: [{ EvalActionName: 'codebuild:StartBuild', EvalDecision: 'implicitDeny' }],
      });
    const requestId = await approved('grant user:alice developer for 1h');
    await waitForStatus(requestId, 'active');
    expect(attached('alice')).toEqual([POLICY_ARNS.s3ReadOnly, POLICY_ARNS.codeBuildDeveloper].sort());
    await until(async () => (await statusLine(requestId)).length > 0);
    expect(await statusLine(requestId)).toEqual([
      'Status: applied, but the check failed; still revoked automatically at its time limit.',
    ]);

    await expect(expire(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect(attached('alice')).toEqual([]);
    const texts = await thread(requestId);
    expect(texts).toContainEqual(
      expect.stringMatching(
        /^:warning: Applied, but the check failed: Applied, but IAM does not yet allow .*codebuild:StartBuild.*\nGrant developer to IAM user alice stays in effect until its time limit and is revoked automatically <!date\^/,
      ),
    );
    expect(texts.at(-1)).toBe(
      `:hourglass: Time limit reached for Grant developer to IAM user alice. <@${REQUESTER}>\n` +
        '• revoked: detach AWSCodeBuildDeveloperAccess from user alice\n' +
        '• revoked: detach AmazonS3ReadOnlyAccess from user alice',
    );
    expect(await statusLine(requestId)).toEqual(['Status: time limit reached; the access was revoked.']);
    expect((await h.store.get(requestId))?.status).toBe('completed');
  });

  it('a permanent Slack error while reporting success does not skip the expiry', async () => {
    h.slack.respondWith('chat.postMessage', (args) =>
      String(args.text ?? '').startsWith(':white_check_mark: Done') ? slackError('is_archived') : undefined,
    );
    const requestId = await approved('grant user:alice readonly for 1h');
    await waitForStatus(requestId, 'active');

    await expect(expire(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect(attached('alice')).toEqual([]);
    const texts = await thread(requestId);
    expect(texts.some((text) => text.startsWith(':white_check_mark: Done'))).toBe(false);
    expect(texts.at(-1)).toBe(
      `:hourglass: Time limit reached for Grant readonly to IAM user alice. <@${REQUESTER}>\n` +
        '• revoked: detach AWSCodeBuildReadOnlyAccess from user alice\n' +
        '• revoked: detach AmazonS3ReadOnlyAccess from user alice',
    );
    // The record still has the outcome Slack refused.
    expect((await h.store.get(requestId))?.events.map((e) => e.type)).toContain('verified');
  });
});

const CRASH_REASON =
  'AWS refused to attach AWSCodeBuildDeveloperAccess to user alice: Error (Task timed out after 60.00 seconds).';

describe('(b) a step that may have run is undone, or reported as possibly in effect with the command', () => {
  // The attach acts in IAM, then the task dies before journaling IAM's answer (a Lambda timeout).
  const crashAfterAttach = (stub: IamStub) =>
    stub.on(AttachUserPolicyCommand).callsFake(async (input: { PolicyArn: string }) => {
      await sandboxIam().send(new AttachUserPolicyCommand(input as never));
      if (input.PolicyArn === POLICY_ARNS.codeBuildDeveloper)
        throw new Error('Task timed out after 60.00 seconds');
      return {};
    });

  it('a step left "started" by a crash is undone by the rollback, and the report says it was rolled back', async () => {
    crashAfterAttach(faultIam());
    const requestId = await approved('grant user:alice developer');
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'FAILED' });

    expect(attached('alice')).toEqual([]);
    const texts = await thread(requestId);
    expect(texts.at(-2)).toBe(
      ':rewind: Rollback:\n• undone: attach AWSCodeBuildDeveloperAccess to user alice (it had taken effect before the bot stopped)',
    );
    expect(texts.at(-1)).toBe(
      `:x: Failed: ${CRASH_REASON}\n` +
        'Rolled back: attach AWSCodeBuildDeveloperAccess to user alice.\n' +
        `<@${REQUESTER}>`,
    );
    expect(await statusLine(requestId)).toEqual([
      'Status: failed. See the thread for what was applied and rolled back.',
    ]);
  });

  it('when that undo is refused too, the report names it as possibly in effect with the exact command', async () => {
    const stub = faultIam();
    crashAfterAttach(stub);
    stub.on(DetachUserPolicyCommand).rejects(iamError('AccessDenied', 403));
    const requestId = await approved('grant user:alice developer');
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'FAILED' });

    expect(attached('alice')).toEqual([POLICY_ARNS.codeBuildDeveloper]);
    const last = (await thread(requestId)).at(-1) ?? '';
    expect(last).not.toContain('Nothing was changed');
    expect(last).toBe(
      `:x: Failed: ${CRASH_REASON}\n` +
        "May still be in effect: attach AWSCodeBuildDeveloperAccess to user alice (the bot stopped before recording IAM's answer). " +
        `To undo it: \`aws iam detach-user-policy --user-name alice --policy-arn ${POLICY_ARNS.codeBuildDeveloper}\`\n` +
        `<@${REQUESTER}>`,
    );
  });
});

describe('revoke and expiry work from what the bot granted and what each remaining grant needs', () => {
  it('(4a) readonly revoked while developer is time-bound: the expiry removes S3 read too', async () => {
    account.findUser('alice')?.attachedPolicyArns.push(POLICY_ARNS.codeBuildReadOnly, POLICY_ARNS.s3ReadOnly);
    const grantId = await approved('grant user:alice developer for 1h');
    await waitForStatus(grantId, 'active');
    const revokeId = await approved('revoke user:alice readonly');
    await expect(h.finished(revokeId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(attached('alice')).toEqual([POLICY_ARNS.s3ReadOnly, POLICY_ARNS.codeBuildDeveloper].sort());

    await expect(expire(grantId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect(attached('alice')).toEqual([]);
    expect((await thread(grantId)).at(-1)).toBe(
      `:hourglass: Time limit reached for Grant developer to IAM user alice. <@${REQUESTER}>\n` +
        '• revoked: detach AWSCodeBuildDeveloperAccess from user alice\n' +
        '• revoked: detach AmazonS3ReadOnlyAccess from user alice',
    );
  });

  it('(4b) a permanent developer grant made while a time-bound one is active survives its expiry', async () => {
    const timeBoundId = await approved('grant user:alice developer for 1h');
    await waitForStatus(timeBoundId, 'active');
    // The policies are attached only by the time-bound grant: the permanent one is planned as steps and
    // approved (a no-change request, with no approval, must never keep access past a time limit).
    const permanentId = await approved('grant user:alice developer');
    await expect(h.finished(permanentId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    const permanent = await h.store.get(permanentId);
    expect(permanent?.status).toBe('completed');
    expect(permanent?.plan?.details).toEqual([
      `AWSCodeBuildDeveloperAccess is attached now only by the time-bound grant ${timeBoundId}; approving this makes it permanent (its expiry then keeps it).`,
      `AmazonS3ReadOnlyAccess is attached now only by the time-bound grant ${timeBoundId}; approving this makes it permanent (its expiry then keeps it).`,
    ]);

    await expect(expire(timeBoundId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect(attached('alice')).toEqual([POLICY_ARNS.s3ReadOnly, POLICY_ARNS.codeBuildDeveloper].sort());
    expect((await thread(timeBoundId)).at(-1)).toBe(
      `:hourglass: Time limit reached for Grant developer to IAM user alice. <@${REQUESTER}>\n` +
        `• kept: AWSCodeBuildDeveloperAccess (${permanentId} still grants developer)\n` +
        `• kept: AmazonS3ReadOnlyAccess (${permanentId} still grants developer)`,
    );
  });

  it("(4b) a permanent grant found already in place (no approval) does not keep a time-bound grant's access", async () => {
    account.findUser('bob')?.attachedPolicyArns.splice(0);
    const timeBoundId = await approved('grant user:bob readonly for 1h');
    await waitForStatus(timeBoundId, 'active');
    // Forged evidence: a request that looks like a permanent readonly grant found in place, never approved.
    const { requestId: forgedId } = await submit('grant user:bob readonly');
    await h.awaitApprovalWait(forgedId);
    const forged = (await h.store.get(forgedId))!;
    await h.store.save(
      { ...forged, status: 'no_change', plan: { ...forged.plan!, steps: [] } },
      forged.version,
      ['status', 'plan'],
    );

    await expect(expire(timeBoundId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect(attached('bob')).toEqual([]);
  });

  it('(4c) revoking a tier the target does not hold warns on the card what it would detach', async () => {
    // carol has AmazonS3ReadOnlyAccess for another reason (the fixture), and no CodeBuild tier.
    const { requestId } = await submit('revoke user:carol readonly');
    await h.awaitApprovalWait(requestId);

    expect(await cardTexts(requestId)).toContainEqual(
      expect.stringContaining(
        'user carol does not hold the readonly tier (AWSCodeBuildReadOnlyAccess is not attached), so no readonly ' +
          'grant attached AmazonS3ReadOnlyAccess: it was attached for another reason. Approving detaches it ' +
          'anyway; approve only if you mean to remove it.',
      ),
    );
    expect(account.findUser('carol')?.attachedPolicyArns).toEqual([POLICY_ARNS.s3ReadOnly]);
  });

  it('(4c) the Approve of such a revoke carries a confirm naming the policies; once confirmed, the click detaches them', async () => {
    const { requestId } = await submit('revoke user:carol readonly');
    await h.awaitApprovalWait(requestId);
    const request = await h.store.get(requestId);
    const card = h.slack.messages.find((m) => m.channel === AUDIT_CHANNEL && m.ts === request?.card?.ts);
    const approve = ((card?.blocks ?? []) as Array<{ elements?: Array<Record<string, unknown>> }>)
      .flatMap((block) => block.elements ?? [])
      .find((element) => element.action_id === 'approve_request');
    expect(approve?.confirm).toEqual({
      title: { type: 'plain_text', text: 'Detach policies the bot never granted?' },
      text: {
        type: 'plain_text',
        text:
          'user carol does not hold the readonly tier, so the bot never granted AmazonS3ReadOnlyAccess for it. ' +
          'Approving detaches it anyway.',
      },
      confirm: { type: 'plain_text', text: 'Detach anyway' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    });

    // Slack sends the click only after "Detach anyway": what arrives is the ordinary signed click.
    expect((await h.click(requestId, APPROVER_1)).statusCode).toBe(200);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect(account.findUser('carol')?.attachedPolicyArns).toEqual([]);
    expect(await thread(requestId)).toEqual([
      `:inbox_tray: Requested by <@${REQUESTER}>: revoke readonly for user:carol (\`arn:aws:iam::111122223333:user/carol\`).`,
      `:white_check_mark: Approved by <@${APPROVER_1}>.`,
      ':gear: Applied:\n• detach AmazonS3ReadOnlyAccess from user carol',
      ':mag: Verified with the IAM policy simulator:\n• codebuild:ListBuilds: denied :white_check_mark:\n' +
        '• codebuild:BatchGetBuilds: denied :white_check_mark:\n• s3:GetObject: denied :white_check_mark:',
      `:white_check_mark: Done. Revoke readonly from IAM user carol was applied and verified. <@${REQUESTER}>`,
    ]);
    expect(await statusLine(requestId)).toEqual([
      'Status: applied and verified. See the thread for each step.',
    ]);
  });

  it('(5) an early revoke makes the expiry a clean no-op that says so, on the thread and the card', async () => {
    const grantId = await approved('grant user:alice developer for 1h');
    await waitForStatus(grantId, 'active');
    const revokeId = await approved('revoke user:alice developer');
    await expect(h.finished(revokeId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(attached('alice')).toEqual([]);

    await expect(expire(grantId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    const texts = await thread(grantId);
    expect(texts.slice(-2)).toEqual([
      `:scissors: Ended early by ${revokeId} (revoke by <@${REQUESTER}>); the scheduled expiry will revoke nothing.`,
      `:hourglass: Time limit reached; ${revokeId} already ended this grant, so nothing more was revoked. <@${REQUESTER}>\n` +
        '• already gone: AWSCodeBuildDeveloperAccess was detached before the time limit\n' +
        '• already gone: AmazonS3ReadOnlyAccess was detached before the time limit',
    ]);
    expect(texts.join('\n')).not.toContain('undone');
    expect(await statusLine(grantId)).toEqual([
      `Status: ended early by ${revokeId}; the time limit revoked nothing more.`,
    ]);
  });
});

describe('(8) the card and the ack state the outcome that happened', () => {
  it('a request that fails at planning never shows "Expired", and the requester is told where they asked', async () => {
    faultIam().on(ListAttachedUserPoliciesCommand).rejects(iamError('AccessDenied', 403));
    const { requestId, ack } = await submit('grant user:alice developer');
    expect(ack).toBe(
      `Request ${requestId} received: *grant developer for user:alice* (\`${ALICE_ARN}\`). ` +
        `The bot now checks it against AWS; if there is something to change, it goes to approval in <#${AUDIT_CHANNEL}>, ` +
        'and every step is posted in its thread. You will be told the outcome.',
    );
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'FAILED' });

    const request = await h.store.get(requestId);
    expect(request?.status).toBe('failed');
    const last = (await thread(requestId)).at(-1) ?? '';
    expect(last).toMatch(
      /^:x: Failed: AWS denied the bot permission to .*\nNothing was changed in AWS\.\n<@U0REQUESTER>$/,
    );
    const card = h.slack.messages.find((m) => m.ts === request?.card?.ts && !m.threadTs);
    expect(JSON.stringify(card)).not.toContain('Expired');
    expect(await statusLine(requestId)).toEqual([
      'Status: failed; nothing was changed in AWS. See the thread for why.',
    ]);
    expect(h.slack.ephemerals.at(-1)).toMatchObject({ user: REQUESTER, text: `${requestId}: ${last}` });
  });

  it('a request that finds nothing to change tells the requester so, on the card and directly', async () => {
    account.findUser('alice')?.attachedPolicyArns.push(POLICY_ARNS.codeBuildReadOnly, POLICY_ARNS.s3ReadOnly);
    const { requestId } = await submit('grant user:alice readonly');
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    const text =
      ':information_source: Nothing to change: AWSCodeBuildReadOnlyAccess is already attached; ' +
      `AmazonS3ReadOnlyAccess is already attached. <@${REQUESTER}>`;
    expect((await thread(requestId)).at(-1)).toBe(text);
    expect(await statusLine(requestId)).toEqual(['Status: nothing to change.']);
    expect(h.slack.ephemerals.at(-1)).toMatchObject({ user: REQUESTER, text: `${requestId}: ${text}` });
    expect(attached('alice')).toEqual([POLICY_ARNS.s3ReadOnly, POLICY_ARNS.codeBuildReadOnly].sort());
  });
});

describe('(c) a run that stops abnormally is posted into its thread', () => {
  it('the EventBridge event of an aborted time-bound run names what stays in effect and the command', async () => {
    const requestId = await approved('grant user:alice readonly for 1h');
    await until(async () => held.has(requestId));
    const event = {
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      detail: { name: requestId, status: 'ABORTED', error: null, executionArn: `arn:${requestId}` },
    };

    await expect(handleStopped(event)).resolves.toEqual({ posted: true });

    expect((await thread(requestId)).at(-1)).toBe(
      `:rotating_light: The workflow for ${requestId} stopped: it was stopped by hand.\n` +
        `• may still be in effect: attach AWSCodeBuildReadOnlyAccess to user alice. To undo it: \`aws iam detach-user-policy --user-name alice --policy-arn ${POLICY_ARNS.codeBuildReadOnly}\`\n` +
        `• may still be in effect: attach AmazonS3ReadOnlyAccess to user alice. To undo it: \`aws iam detach-user-policy --user-name alice --policy-arn ${POLICY_ARNS.s3ReadOnly}\`\n` +
        'Its time limit will not revoke anything any more; revoke it by hand or with `revoke`.\n' +
        `<@${REQUESTER}>, operators: see the execution's history in Step Functions.`,
    );
  });

  it('a run that already reported its own failure is not posted twice', async () => {
    const event = {
      'detail-type': 'Step Functions Execution Status Change',
      detail: { name: 'REQ-0000000000', status: 'FAILED', error: 'RequestFailed' },
    };
    await expect(handleStopped(event)).resolves.toEqual({ posted: false });
  });
});

/** The report function's entry for the EventBridge rule, on the harness's live wiring. */
async function handleStopped(event: unknown) {
  return reportStopped(await inProcessTaskDeps(h.env, undefined), ExecutionStoppedEvent.parse(event));
}
