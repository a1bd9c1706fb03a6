/**
 * Issue 9, finding 1: a forged request record must not get anything applied. The attacker here has
 * exactly what the slack function's role allows (test/security/escalation.test.ts proves it may not
 * write a plan, a plan hash, a card or a journal): it creates a record and records decisions, and it
 * may answer the approval wait. A second attacker writes the plan itself, as a misbehaving plan
 * function could. Both runs go through the real ASL on the sandbox account; nothing may change in IAM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListAttachedUserPoliciesCommand } from '@aws-sdk/client-iam';
import { planHash } from '../../src/domain/plans';
import { DECISION_FIELDS } from '../../src/domain/request';
import { loadSandboxFixture, SandboxStore } from '../../src/local/sandbox/account';
import { deployBotStack } from '../../src/local/sandbox/bot-stack';
import { createSandboxClients, type SandboxClients } from '../../src/local/sandbox/plug';
import {
  APPROVER_1,
  APPROVER_2,
  AUDIT_CHANNEL,
  type Harness,
  startHarness,
  testAccountContext,
} from '../helpers/harness';

jest.setTimeout(60_000);

const FIXTURE = join(__dirname, '../../local/fixtures/sandbox-account.json');
let h: Harness;
let dir: string;
let clients: SandboxClients;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'forged-'));
  const store = SandboxStore.open(join(dir, 'account.json'), { seed: () => loadSandboxFixture(FIXTURE) });
  clients = createSandboxClients(store);
  await deployBotStack(store.account, clients.iam, testAccountContext());
  h = await startHarness({}, { aws: clients, account: store.account });
});

afterEach(async () => {
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
});

const attachedTo = async (UserName: string): Promise<string[]> =>
  ((await clients.iam.send(new ListAttachedUserPoliciesCommand({ UserName }))).AttachedPolicies ?? [])
    .map((policy) => policy.PolicyArn ?? '')
    .sort();
const attachedToAlice = (): Promise<string[]> => attachedTo('alice');

const threadText = (): string => {
  const card = h.slack.messages.find((m) => m.channel === AUDIT_CHANNEL && !m.threadTs && m.blocks);
  return h.slack
    .thread(card?.ts ?? '')
    .map((m) => m.text ?? '')
    .join('\n');
};

describe('a forged request record', () => {
  it("with the slack role's writes only (forged approvals, a forged answer to the wait), applies nothing and says why", async () => {
    const before = await attachedToAlice();
    await h.slash('grant user:alice admin');
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);
    // The attacker writes what the slack role may write: approvals and a decision, for a plan hash of
    // its choosing (it may not write the real one), then answers the wait itself.
    const record = (await h.store.get(requestId))!;
    const forged = {
      ...record,
      status: 'approved' as const,
      approvals: [APPROVER_1, APPROVER_2].map((userId) => ({
        userId,
        at: record.createdAt,
        planHash: 'f'.repeat(64),
      })),
      decision: { outcome: 'approved' as const, by: [APPROVER_1, APPROVER_2], at: record.createdAt },
    };
    expect(await h.store.save(forged, record.version, DECISION_FIELDS)).toBe(true);
    await h.workflow.sendDecision(record.taskToken!, { outcome: 'approved', by: [APPROVER_1, APPROVER_2] });

    expect((await h.finished(requestId)).status).toBe('FAILED');
    expect(await attachedToAlice()).toEqual(before);
    const final = (await h.store.get(requestId))!;
    expect(final.status).toBe('failed');
    expect(final.completedSteps).toEqual([]);
    expect(threadText()).toContain(
      `I refused to apply request ${requestId}: it needs 2 approvals of the plan the card showed, from people other than the requester, and has 0. Nothing was changed.`,
    );
  });

  it('with a plan of its own (attach AdministratorAccess under "grant developer"), applies nothing and says why', async () => {
    const before = await attachedToAlice();
    await h.slash('grant user:alice developer');
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);
    // A misbehaving plan function swaps the plan for one of its own, with a matching hash.
    const record = (await h.store.get(requestId))!;
    const principal = { kind: 'user' as const, name: 'alice', arn: record.target.arn };
    const admin = 'arn:aws:iam::aws:policy/AdministratorAccess';
    const plan = {
      ...record.plan!,
      steps: [
        {
          id: 'attach:AWSCodeBuildDeveloperAccess',
          do: { type: 'attachPolicy' as const, principal, policyArn: admin },
          undo: { type: 'detachPolicy' as const, principal, policyArn: admin },
        },
      ],
    };
    expect(
      await h.store.save({ ...record, plan, planHash: planHash(plan) }, record.version, ['plan', 'planHash']),
    ).toBe(true);
    await h.click(requestId, APPROVER_1);

    expect((await h.finished(requestId)).status).toBe('FAILED');
    expect(await attachedToAlice()).toEqual(before);
    expect(threadText()).toContain(
      `I refused to apply request ${requestId}: "attach AdministratorAccess to user alice" is not a change the bot makes for this request.`,
    );
  });

  it('retargeted by the plan function (its own plan and target for another user), applies nothing and says why', async () => {
    const beforeBob = await attachedTo('bob');
    await h.slash('grant user:alice developer');
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);
    // A misbehaving plan function may write `plan` and `target` (nothing else): it points both at bob.
    const record = (await h.store.get(requestId))!;
    const bob = { kind: 'user' as const, name: 'bob', arn: record.target.arn.replace(/alice$/, 'bob') };
    const plan = {
      ...record.plan!,
      target: bob,
      steps: record.plan!.steps.map((step) => ({
        ...step,
        do: { ...step.do, principal: bob },
        undo: step.undo ? { ...step.undo, principal: bob } : null,
      })) as NonNullable<typeof record.plan>['steps'],
    };
    expect(await h.store.save({ ...record, plan, target: bob }, record.version, ['plan', 'target'])).toBe(
      true,
    );
    await h.click(requestId, APPROVER_1);

    expect((await h.finished(requestId)).status).toBe('FAILED');
    expect(await attachedTo('bob')).toEqual(beforeBob);
    expect(threadText()).toContain(`I refused to apply request ${requestId}:`);
  });

  it('positive control: the same request, unforged, is applied', async () => {
    await h.slash('grant user:alice developer');
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);
    await h.click(requestId, APPROVER_1);
    expect((await h.finished(requestId)).status).toBe('SUCCEEDED');
    expect(await attachedToAlice()).toContain('arn:aws:iam::aws:policy/AWSCodeBuildDeveloperAccess');
  });
});
