/**
 * Big accounts (issue 13), IAM_USER_MAPPING=tag: a mention is resolved through the IAM user index, so a
 * command costs the same few IAM calls in a 10,000-user account as in a small one; an index entry is
 * never trusted without IAM confirming its tag, so a moved tag grants no one the wrong access and lets
 * no one approve their own change. Signed events into the exported slack handler, the real ASL run
 * locally, dynalite, and the sandbox account (IAM calls counted at its SDK client, the sandbox's door).
 */

import { mockClient } from 'aws-sdk-client-mock';
import { DynamoUserIndexStore } from '../../src/aws/user-index-store';
import { loadConfig } from '../../src/config';
import { rebuildUserIndex } from '../../src/domain/iam-user-index';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { liveUserIndexDeps } from '../../src/wiring';
import { seedBigAccount } from '../helpers/big-account';
import { testDynamoClient } from '../helpers/dynalite';
import { ALICE, APPROVER_1, APPROVER_2, ackText, type Harness, startHarness } from '../helpers/harness';

jest.setTimeout(180_000);

const ACCOUNT = '111122223333';
/** approver1's second Slack account: not an approver, so it may ask for access for approver1's IAM user. */
const ALT = 'U0ALT';
const DEVELOPER = POLICY_ARNS.codeBuildDeveloper;
const FOR_YOU = 'This change is for you, so you cannot decide it. Another approver has to.';

let h: Harness;

afterEach(async () => {
  await h?.stop();
});

const tag = (userName: string, slackUserId: string | undefined): void => {
  const user = h.iam.account.findUser(userName);
  if (!user) throw new Error(`no user ${userName}`);
  if (slackUserId === undefined) delete user.tags.SlackUserId;
  else user.tags.SlackUserId = slackUserId;
};

const indexStore = () =>
  new DynamoUserIndexStore(
    testDynamoClient(process.env.AWS_ENDPOINT_URL_DYNAMODB ?? ''),
    loadConfig(h.env).requestsTable,
  );

/** What the hourly refreshUserIndex function does, with its own wiring, against the test's account. */
async function scheduledRefresh(): Promise<number> {
  const deps = await liveUserIndexDeps(h.env, {
    iam: h.iam.clients.iam,
    dynamodb: testDynamoClient(process.env.AWS_ENDPOINT_URL_DYNAMODB ?? ''),
  });
  return (await rebuildUserIndex(deps)).users;
}

/** The IAM operations `run` makes, in order, counted at the sandbox account's client. */
async function iamCallsOf(run: () => Promise<unknown>): Promise<string[]> {
  const iam = mockClient(h.iam.clients.iam);
  iam.send.callThrough();
  try {
    await run();
    return iam.calls().map((call) => (call.args[0] as object).constructor.name.replace(/Command$/, ''));
  } finally {
    iam.restore();
  }
}

describe('a mention in a 10,000-user account', () => {
  it('resolves with one GetUser once the index is built, the same as in a small account', async () => {
    h = await startHarness({ IAM_USER_MAPPING: 'tag' });
    const users = seedBigAccount(h.iam.account, {
      users: 10_000,
      groups: 1_000,
      tagged: { 'a.chen': ALICE },
    });
    expect(users).toBeGreaterThanOrEqual(10_001);
    await expect(scheduledRefresh()).resolves.toBe(1);

    let response: Awaited<ReturnType<Harness['slash']>> | undefined;
    const calls = await iamCallsOf(async () => {
      response = await h.slash(`grant <@${ALICE}|alice> developer`);
    });

    expect(ackText(response!)).toContain('received');
    expect((await h.onlyRequest()).target).toMatchObject({
      kind: 'user',
      name: 'a.chen',
      slackUserId: ALICE,
    });
    // The index entry confirmed by its tag: one call, whatever the number of users and groups.
    expect(calls).toEqual(['GetUser']);
  });

  it('a miss re-scans once; within the cooldown a second miss answers at once without scanning again', async () => {
    h = await startHarness({ IAM_USER_MAPPING: 'tag' });
    seedBigAccount(h.iam.account, { users: 1_000, groups: 100, tagged: { 'a.chen': ALICE } });

    const first = await iamCallsOf(() => h.slash(`grant <@${ALICE}|alice> developer`));
    // ListUsers pages of 100 and one ListUserTags per user: the scan a miss pays, once.
    expect(first.filter((name) => name === 'ListUserTags')).toHaveLength(1_001);
    const request = await h.onlyRequest();
    expect(request.target).toMatchObject({ name: 'a.chen' });
    // Its plan (the workflow's own IAM reads) is done before the second command is counted.
    await h.awaitApprovalWait(request.requestId);

    const unknown = 'U0NOBODY';
    h.slack.state.putUser({ id: unknown, name: 'nobody', realName: 'Nobody', email: 'nobody@example.com' });
    let answer = '';
    const second = await iamCallsOf(async () => {
      answer = ackText(await h.slash(`grant <@${unknown}|nobody> developer`));
    });
    expect(answer).toContain(`No single IAM user is tagged \`SlackUserId=${unknown}\``);
    expect(second).toEqual([]);
  });
});

describe('a stale index entry is never trusted', () => {
  it('a tag moved to another IAM user: the mention resolves to the user carrying it now, and only they get access', async () => {
    h = await startHarness({ IAM_USER_MAPPING: 'tag' });
    h.iam.addUser('alice.old', [], { SlackUserId: ALICE });
    h.iam.addUser('a.chen');
    await scheduledRefresh();
    await expect(indexStore().get(ACCOUNT, ALICE)).resolves.toMatchObject({ userName: 'alice.old' });
    // The tag moves after the index was built.
    tag('alice.old', undefined);
    tag('a.chen', ALICE);

    await h.slash(`grant <@${ALICE}|alice> developer`);
    const request = await h.onlyRequest();
    expect(request.target).toMatchObject({ name: 'a.chen', slackUserId: ALICE });
    await h.awaitApprovalWait(request.requestId);
    await h.click(request.requestId, APPROVER_1);

    await expect(h.finished(request.requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(h.iam.attached('user', 'a.chen')).toContain(DEVELOPER);
    expect(h.iam.attached('user', 'alice.old')).not.toContain(DEVELOPER);
    // The index now says what IAM says.
    await expect(indexStore().get(ACCOUNT, ALICE)).resolves.toMatchObject({ userName: 'a.chen' });
  });

  it('a stale entry met within the re-scan cooldown refuses the mention instead of using the entry', async () => {
    h = await startHarness({ IAM_USER_MAPPING: 'tag' });
    h.iam.addUser('alice.old', [], { SlackUserId: ALICE });
    await scheduledRefresh();
    tag('alice.old', undefined);
    // Someone else's miss just re-scanned the account.
    await indexStore().claimScan(ACCOUNT, new Date().toISOString(), 60);

    const text = ackText(await h.slash(`grant <@${ALICE}|alice> developer`));

    expect(text).toContain(`No single IAM user is tagged \`SlackUserId=${ALICE}\``);
    expect(h.sfn.calls()).toHaveLength(0);
    await expect(indexStore().get(ACCOUNT, ALICE)).resolves.toBeUndefined();
  });
});

describe("an approver's second Slack account cannot get their own change approved, whatever the index says", () => {
  it.each([
    ['missing (never built, and a scan just ran so none will run now)', 'missing'],
    ["stale (it says approver1's Slack id is another IAM user)", 'stale'],
  ] as const)('index %s: approver1 is refused, approver2 approves', async (_label, index) => {
    h = await startHarness({ IAM_USER_MAPPING: 'tag' });
    h.slack.state.putUser({ id: ALT, name: 'praman2', realName: 'P. Raman (2)', email: 'p2@example.com' });
    h.iam.addUser('p.raman', [], { SlackUserId: APPROVER_1 });
    h.iam.addUser('someone.else');
    const store = indexStore();
    if (index === 'stale') {
      await store.putAll(ACCOUNT, [
        { slackUserId: APPROVER_1, userName: 'someone.else', indexedAt: new Date().toISOString() },
      ]);
    }
    await store.claimScan(ACCOUNT, new Date().toISOString(), 60);

    await h.slash('grant user:p.raman developer', { userId: ALT });
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);
    const before = await h.store.get(requestId);

    await h.click(requestId, APPROVER_1);

    expect(h.slack.ephemerals.filter((e) => e.user === APPROVER_1).map((e) => e.text)).toEqual([FOR_YOU]);
    expect(await h.store.get(requestId)).toEqual(before);
    expect(h.iam.attached('user', 'p.raman')).not.toContain(DEVELOPER);

    await h.click(requestId, APPROVER_2);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect((await h.store.get(requestId))?.decision).toMatchObject({ outcome: 'approved', by: [APPROVER_2] });
  });
});
