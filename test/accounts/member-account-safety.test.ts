/**
 * Cross-account safety (issue 13, follow-up): the self-approval check reads the clicker's IAM identity
 * in the request's account, not the hub's; and a member role refused inside the workflow (the member
 * stack deleted between approval and apply) leaves nothing half-changed and says what to deploy. Every
 * case runs through signed events into the exported slack handler, the real ASL on
 * aws-local-stepfunctions and the sandbox organization.
 */
import { memberRoleName } from '../../src/domain/accounts';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { ACTION_IDS } from '../../src/slack/ids';
import {
  APPROVER_1,
  APPROVER_2,
  AUDIT_CHANNEL,
  ackText,
  type Harness,
  REQUESTER,
  startHarness,
} from '../helpers/harness';
import { refreshTicks } from '../helpers/user-index-refresh';

jest.setTimeout(60_000);

const PROD = '777788889999';
const DEV = '444455556666';
const DEVELOPER = [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort();

let h: Harness;
afterEach(async () => h.stop());

const card = () => h.slack.messages.find((m) => m.channel === AUDIT_CHANNEL && !m.threadTs);
const ephemeralsFor = (userId: string): string[] =>
  h.slack.ephemerals.filter((e) => e.user === userId).map((e) => e.text ?? '');

async function pending(text: string): Promise<string> {
  const response = await h.slash(text, { userId: REQUESTER });
  expect(ackText(response)).toContain('received');
  const { requestId } = await h.onlyRequest();
  await h.awaitApprovalWait(requestId);
  return requestId;
}

/** The only pending click left is APPROVER_2's: it decides, and the grant is applied in prod. */
async function approvedByTheOther(requestId: string): Promise<void> {
  await h.click(requestId, APPROVER_2);
  await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
}

describe('no self-approval across accounts: the clicker is looked up in the request’s account', () => {
  it('tag mapping: an approver mapped to IAM user bob in prod cannot approve `grant user:bob developer in prod`', async () => {
    h = await startHarness({ IAM_USER_MAPPING: 'tag' }, { members: { dev: DEV, prod: PROD } });
    // In the hub, APPROVER_1 is nobody's user; in prod, bob carries APPROVER_1's tag.
    h.iam.addUser('bob');
    h.members.prod?.addUser('bob', [], { SlackUserId: APPROVER_1 });
    const requestId = await pending('grant user:bob developer in prod because release');

    await h.click(requestId, APPROVER_1);

    expect(ephemeralsFor(APPROVER_1).join('\n')).toContain(
      'This change is for you, so you cannot decide it. Another approver has to.',
    );
    expect((await h.store.get(requestId))?.approvals).toEqual([]);
    expect(h.members.prod?.attached('user', 'bob')).toEqual([]);
    // The lookup ran in prod as the slack function's member role, with the clicker's session name.
    expect(h.org?.sessionNames(PROD)).toContain(`slack-${APPROVER_1}`);

    await approvedByTheOther(requestId);
    expect(h.members.prod?.attached('user', 'bob')).toEqual(DEVELOPER);
  });

  it('email mapping: approver1 has an IAM user only in prod, and cannot approve a change to it there', async () => {
    h = await startHarness({}, { members: { prod: PROD } });
    h.members.prod?.addUser('approver1');
    const requestId = await pending('grant user:approver1 developer in prod');

    await h.click(requestId, APPROVER_1);

    expect(ephemeralsFor(APPROVER_1).join('\n')).toContain('This change is for you');
    expect((await h.store.get(requestId))?.approvals).toEqual([]);
    await approvedByTheOther(requestId);
    expect(h.members.prod?.attached('user', 'approver1')).toEqual(DEVELOPER);
  });

  it('a group in prod the approver belongs to (their IAM user in prod, none in the hub)', async () => {
    h = await startHarness({}, { members: { prod: PROD } });
    h.members.prod?.addUser('approver1');
    h.members.prod?.addGroup('builders');
    h.members.prod?.account.findGroup('builders')?.members.push('approver1');
    const requestId = await pending('grant group:builders readonly in prod');

    await h.click(requestId, APPROVER_1);

    expect(ephemeralsFor(APPROVER_1).join('\n')).toContain(
      'This change is for IAM group builders, and you are a member of it, so you cannot approve it.',
    );
    expect((await h.store.get(requestId))?.approvals).toEqual([]);
    await approvedByTheOther(requestId);
  });

  it('the same IAM user name in the hub does not make the approver the target of a prod change', async () => {
    h = await startHarness({}, { members: { prod: PROD } });
    // approver1 is an IAM user in the hub only; prod's alice is someone else.
    h.iam.addUser('approver1');
    h.members.prod?.addUser('alice');
    const requestId = await pending('grant user:alice developer in prod');

    await h.click(requestId, APPROVER_1);

    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(h.members.prod?.attached('user', 'alice')).toEqual(DEVELOPER);
  });

  it('fails closed, naming the account, when prod refuses the role the check needs', async () => {
    h = await startHarness({}, { members: { prod: PROD } });
    h.members.prod?.addUser('alice');
    const requestId = await pending('grant user:alice developer in prod');
    // The member stack's slack role goes away while the request waits.
    h.members.prod?.account.roles.delete(memberRoleName('dev', 'slack'));
    // The hub function may still hold credentials it assumed before: a new click from another
    // approver needs a new session, as the role is gone.
    await h.click(requestId, APPROVER_2);

    const answer = ephemeralsFor(APPROVER_2).join('\n');
    expect(answer).toContain('I could not check whether this change is for you');
    expect(answer).toContain(`account \`prod\` (${PROD})`);
    expect(answer).toContain('deploy/member-account.yml');
    expect((await h.store.get(requestId))?.approvals).toEqual([]);
    expect(h.members.prod?.attached('user', 'alice')).toEqual([]);
  });
});

describe('a member role refused inside the workflow, after approval', () => {
  const FUNCTIONS = ['slack', 'plan', 'apply', 'rollback', 'verify'] as const;
  it.each<[string, () => void]>([
    [
      'the member stack deleted between approval and apply',
      () => {
        for (const fn of FUNCTIONS) h.members.prod?.account.roles.delete(memberRoleName('dev', fn));
      },
    ],
    [
      'the member roles’ trust changed to name another hub account',
      () => {
        const trust = {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::999900001111:root' },
              Action: 'sts:AssumeRole',
            },
          ],
        };
        for (const fn of FUNCTIONS) {
          const role = h.members.prod?.account.findRole(memberRoleName('dev', fn));
          if (!role) throw new Error(`no member role ${fn}`);
          role.assumeRolePolicyDocument = JSON.stringify(trust);
        }
      },
    ],
  ])(
    '%s: the run names the account and what to deploy, changes nothing, and the card ends failed',
    async (_, breakProd) => {
      const beforeTask = async (stateName: string): Promise<void> => {
        if (stateName === 'Apply the change') breakProd();
      };
      h = await startHarness({}, { members: { prod: PROD }, beforeTask });
      h.members.prod?.addUser('alice');
      const requestId = await pending('grant user:alice developer in prod because release');

      await h.click(requestId, APPROVER_1);

      await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'FAILED' });
      expect(h.members.prod?.attached('user', 'alice')).toEqual([]);
      expect(h.iam.attached('user', 'alice')).toEqual([]);
      const refused = `I could not act in account \`prod\` (${PROD}): it refused the bot's role \`codebuild-access-dev-member-apply\`.`;
      const thread = h.slack
        .thread(card()!.ts)
        .map((m) => m.text ?? '')
        .join('\n');
      expect(thread).toContain(refused);
      expect(thread).toContain('deploy/member-account.yml');
      const requesterDms = h.slack.messages
        .filter((m) => m.channel !== AUDIT_CHANNEL && m.channel !== 'C0REQ')
        .map((m) => m.text ?? '')
        .join('\n');
      expect(requesterDms).toContain(refused);
      expect(card()?.text).toBe(`[prod · ${PROD}] ${requestId}: failed`);
      const stored = await h.store.get(requestId);
      expect(stored?.status).toBe('failed');
    },
  );
});

describe('the holder of a member account’s grant is looked up in that account', () => {
  const LASTING_HOLDS = { 'Hold until the reminder': 60_000, 'Hold until expiry': 60_000 };
  const OUTSIDER = 'U0OUTSIDER';

  async function heldInProd(): Promise<string> {
    const requestId = await pending('grant user:bob developer in prod for 2h because release');
    await h.click(requestId, APPROVER_1);
    for (let i = 0; i < 4000; i += 1) {
      const request = await h.store.get(requestId);
      if (
        request?.status === 'active' &&
        request.holdToken !== undefined &&
        h.workflow.isWaiting(requestId)
      ) {
        return requestId;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('the prod grant was never held');
  }

  beforeEach(async () => {
    h = await startHarness({ IAM_USER_MAPPING: 'tag' }, { members: { prod: PROD }, waits: LASTING_HOLDS });
  });

  it('the hub’s bob (same name, another person) cannot relinquish prod’s bob grant', async () => {
    h.iam.addUser('bob', [], { SlackUserId: OUTSIDER });
    h.members.prod?.addUser('bob');
    const requestId = await heldInProd();
    await refreshTicks(h); // both accounts' IAM user indexes know their users' tags

    await h.click(requestId, OUTSIDER, { actionId: ACTION_IDS.relinquish });

    expect(ephemeralsFor(OUTSIDER).join('\n')).toContain(
      `Only the person who holds the access of ${requestId}`,
    );
    expect(h.members.prod?.attached('user', 'bob')).toEqual(DEVELOPER);
    expect((await h.store.get(requestId))?.status).toBe('active');
  });

  it('prod’s bob (tagged in prod) can', async () => {
    h.iam.addUser('bob');
    h.members.prod?.addUser('bob', [], { SlackUserId: OUTSIDER });
    const requestId = await heldInProd();
    await refreshTicks(h); // both accounts' IAM user indexes know their users' tags

    await h.click(requestId, OUTSIDER, { actionId: ACTION_IDS.relinquish });

    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(h.members.prod?.attached('user', 'bob')).toEqual([]);
    expect((await h.store.get(requestId))?.relinquishedBy).toBe(OUTSIDER);
  });
});
