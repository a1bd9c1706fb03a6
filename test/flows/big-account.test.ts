/**
 * Big accounts (issue 13), IAM_USER_MAPPING=tag: a mention is resolved through the IAM user index, so a
 * command costs the same few IAM calls in a 10,000-user account as in a small one, on a hit and on a miss
 * (a miss asks the refresh function for a re-scan and answers at once; only the refresh scans); an index entry is
 * never trusted without IAM confirming its tag, so a moved tag grants no one the wrong access and lets
 * no one approve their own change. Signed events into the exported slack handler, the real ASL run
 * locally, dynalite, and the sandbox account (IAM calls counted at its SDK client, the sandbox's door).
 */

import { mockClient } from 'aws-sdk-client-mock';
import { DynamoUserIndexStore } from '../../src/aws/user-index-store';
import { loadConfig } from '../../src/config';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { seedBigAccount } from '../helpers/big-account';
import { testDynamoClient } from '../helpers/dynalite';
import { ALICE, APPROVER_1, APPROVER_2, ackText, type Harness, startHarness } from '../helpers/harness';
import { refreshTick as refreshUserIndexTick } from '../helpers/user-index-refresh';

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

const refreshTick = () => refreshUserIndexTick(h);

/** A tick that must scan: how many tagged users it found. */
async function scheduledRefresh(): Promise<number> {
  const out = await refreshTick();
  if (!('taggedUsers' in out)) throw new Error(`the refresh did not scan: ${out.skipped}`);
  return out.taggedUsers;
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

  it('a miss makes no IAM call on the Slack path and says to try again; after the refresh the mention resolves with one GetUser', async () => {
    h = await startHarness({ IAM_USER_MAPPING: 'tag' });
    seedBigAccount(h.iam.account, { users: 10_000, groups: 1_000 });
    await expect(refreshTick()).resolves.toEqual({ taggedUsers: 0, why: 'never indexed' });
    // Alice's IAM user is created and tagged after the last scan.
    h.iam.addUser('a.chen', [], { SlackUserId: ALICE });

    let answer = '';
    const miss = await iamCallsOf(async () => {
      answer = ackText(await h.slash(`grant <@${ALICE}|alice> developer`));
    });
    // Counted, not timed: a miss costs no IAM call at all, whatever the account's size.
    expect(miss).toEqual([]);
    expect(answer).toContain(`I do not know <@${ALICE}>'s IAM user yet`);
    expect(answer).toContain(`No IAM user of account ${ACCOUNT} was tagged \`SlackUserId=${ALICE}\``);
    expect(answer).toContain('I have asked for a re-index, which takes a minute or two. Try again then');
    expect(h.sfn.calls()).toHaveLength(0);

    // A second miss within the cooldown asks nothing new and still costs no IAM call.
    const again = await iamCallsOf(() => h.slash(`grant <@${ALICE}|alice> developer`));
    expect(again).toEqual([]);

    // The next tick of the refresh function scans because a miss asked; the one after has nothing to do.
    await expect(refreshTick()).resolves.toEqual({ taggedUsers: 1, why: 'a miss asked' });
    await expect(refreshTick()).resolves.toEqual({ skipped: 'up to date' });

    let response: Awaited<ReturnType<Harness['slash']>> | undefined;
    const hit = await iamCallsOf(async () => {
      response = await h.slash(`grant <@${ALICE}|alice> developer`);
    });
    expect(ackText(response!)).toContain('received');
    expect(hit).toEqual(['GetUser']);
    expect((await h.onlyRequest()).target).toMatchObject({
      kind: 'user',
      name: 'a.chen',
      slackUserId: ALICE,
    });
  });

  it('a miss in an account never indexed says so, and the first tick indexes it', async () => {
    h = await startHarness({ IAM_USER_MAPPING: 'tag' });
    h.iam.addUser('a.chen', [], { SlackUserId: ALICE });

    const answer = ackText(await h.slash(`grant <@${ALICE}|alice> developer`));

    expect(answer).toContain(`The IAM users of account ${ACCOUNT} have not been indexed yet`);
    await expect(scheduledRefresh()).resolves.toBe(1);
    expect(ackText(await h.slash(`grant <@${ALICE}|alice> developer`))).toContain('received');
  });
});

describe('two IAM users carrying the same SlackUserId tag', () => {
  it('the mention is refused, naming both IAM users, and nothing starts', async () => {
    h = await startHarness({ IAM_USER_MAPPING: 'tag' });
    seedBigAccount(h.iam.account, {
      users: 1_000,
      groups: 10,
      tagged: { 'a.chen': ALICE, 'alice.admin': ALICE },
    });
    await expect(scheduledRefresh()).resolves.toBe(2);

    let answer = '';
    const calls = await iamCallsOf(async () => {
      answer = ackText(await h.slash(`grant <@${ALICE}|alice> developer`));
    });

    expect(answer).toContain(
      `IAM users \`a.chen\` and \`alice.admin\` all carry \`SlackUserId=${ALICE}\`, so I will not pick one`,
    );
    // Each named user is confirmed by its tag: two GetUser, not a scan.
    expect(calls).toEqual(['GetUser', 'GetUser']);
    expect(h.sfn.calls()).toHaveLength(0);
  });

  it('once the tag is removed from one of them, the mention resolves to the other', async () => {
    h = await startHarness({ IAM_USER_MAPPING: 'tag' });
    h.iam.addUser('a.chen', [], { SlackUserId: ALICE });
    h.iam.addUser('alice.admin', [], { SlackUserId: ALICE });
    await scheduledRefresh();
    tag('alice.admin', undefined);

    await h.slash(`grant <@${ALICE}|alice> developer`);

    expect((await h.onlyRequest()).target).toMatchObject({ name: 'a.chen', slackUserId: ALICE });
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

    // The entry is not confirmed: dropped, a re-scan asked for, and nothing started for alice.old.
    expect(ackText(await h.slash(`grant <@${ALICE}|alice> developer`))).toContain('I do not know');
    expect(h.sfn.calls()).toHaveLength(0);
    await expect(refreshTick()).resolves.toMatchObject({ why: 'a miss asked' });

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
    // Someone else's miss just asked for a re-scan.
    await indexStore().requestScan(ACCOUNT, new Date().toISOString(), 60);

    const text = ackText(await h.slash(`grant <@${ALICE}|alice> developer`));

    expect(text).toContain(`I do not know <@${ALICE}>'s IAM user yet`);
    expect(h.sfn.calls()).toHaveLength(0);
    await expect(indexStore().get(ACCOUNT, ALICE)).resolves.toBeUndefined();
  });
});

describe("an approver's second Slack account cannot get their own change approved, whatever the index says", () => {
  it.each([
    ['missing (never built, and a re-scan was just asked for)', 'missing'],
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
    await store.requestScan(ACCOUNT, new Date().toISOString(), 60);

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

describe('a group target whose member was tagged after the index was built', () => {
  it("the member's approval is refused by reading the members' tags, not the index; another approver approves", async () => {
    h = await startHarness({ IAM_USER_MAPPING: 'tag' });
    h.iam.addGroup('builders');
    h.iam.addUser('p.raman');
    h.iam.account.findGroup('builders')?.members.push('p.raman');
    await scheduledRefresh();
    // approver1's IAM user gets its tag now: the index does not know it, and no scan runs before the click.
    tag('p.raman', APPROVER_1);
    await expect(indexStore().get(ACCOUNT, APPROVER_1)).resolves.toBeUndefined();

    await h.slash('grant group:builders developer', { userId: ALICE });
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);
    const before = await h.store.get(requestId);

    const calls = await iamCallsOf(() => h.click(requestId, APPROVER_1));

    expect(h.slack.ephemerals.filter((e) => e.user === APPROVER_1).map((e) => e.text)).toEqual([
      'This change is for IAM group builders, and you are a member of it, so you cannot approve it. Another approver has to.',
    ]);
    expect(await h.store.get(requestId)).toEqual(before);
    // The group's members (one GetGroup) and one GetUser per member: bounded by the group, not the account.
    expect(calls).toEqual(['GetGroup', 'GetUser']);

    await h.click(requestId, APPROVER_2);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(h.iam.attached('group', 'builders')).toContain(DEVELOPER);
  });
});
