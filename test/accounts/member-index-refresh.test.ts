/**
 * Big accounts across an organization (issue 13), IAM_USER_MAPPING=tag: the scheduled refreshUserIndex
 * keeps the IAM user index of every configured account, each member through its own member role
 * `codebuild-access-<stage>-member-refreshUserIndex` (session `index-refresh`), so a mention in a member
 * account resolves to that account's IAM user. Signed slash commands and clicks into the exported slack
 * handler, the refresh function's real handler and wiring, the real ASL run locally, dynalite, and the
 * sandbox organization (its STS checks each member role's trust and records every session).
 */
import { ListUsersCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoUserIndexStore } from '../../src/aws/user-index-store';
import { loadConfig } from '../../src/config';
import { MIN_SCAN_TIME_MS } from '../../src/domain/iam-user-index';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { testDynamoClient } from '../helpers/dynalite';
import { ALICE, APPROVER_1, ackText, type Harness, startHarness } from '../helpers/harness';
import { lambdaContext, refreshTicks } from '../helpers/user-index-refresh';

jest.setTimeout(120_000);

const HUB = '111122223333';
const DEV = '222233334444';
const STAGING = '333344445555';
const PROD = '444455556666';
const REFRESH_ROLE = (account: string) =>
  `arn:aws:iam::${account}:role/codebuild-access-dev-member-refreshUserIndex`;
const HUB_REFRESH_ROLE = `arn:aws:iam::${HUB}:role/codebuild-access/codebuild-access-dev-refreshUserIndex`;
const DEVELOPER = [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort();

let h: Harness;
afterEach(async () => h?.stop());

/** The sandbox organization of local mode: staging has no member stack. */
const startOrganization = () =>
  startHarness(
    { IAM_USER_MAPPING: 'tag' },
    { members: { dev: DEV, staging: STAGING, prod: PROD }, withoutMemberStack: ['staging'] },
  );

const indexStore = () =>
  new DynamoUserIndexStore(
    testDynamoClient(process.env.AWS_ENDPOINT_URL_DYNAMODB ?? ''),
    loadConfig(h.env).requestsTable,
  );

/** One tick: each account's outcome, by name. */
async function tick(remainingMs?: () => number): Promise<Record<string, string>> {
  let context: ReturnType<typeof lambdaContext> | undefined;
  if (remainingMs) context = { ...lambdaContext(0), getRemainingTimeInMillis: remainingMs };
  const out = await refreshTicks(h, context);
  if (!('accounts' in out)) throw new Error(`the refresh did nothing: ${out.skipped}`);
  return Object.fromEntries(
    out.accounts.map((entry) => [
      entry.account,
      entry.outcome === 'scanned' ? `scanned (${entry.why}): ${entry.taggedUsers}` : entry.outcome,
    ]),
  );
}

/** The AssumeRole calls of the refresh function, as the sandbox organization answered them. */
const refreshSessions = () =>
  (h.org?.sessions ?? [])
    .filter((session) => session.caller === HUB_REFRESH_ROLE)
    .map(({ accountId, roleArn, sessionName, allowed }) => ({ accountId, roleArn, sessionName, allowed }));

describe('a mention in a member account, IAM_USER_MAPPING=tag', () => {
  it('misses until the refresh scans prod through its member role, then resolves to prod’s own IAM user, and the hub’s index keeps its own', async () => {
    h = await startOrganization();
    h.iam.addUser('a.chen', [], { SlackUserId: ALICE });
    // The first tick indexes every account that accepts the refresh role; prod has no tagged user yet.
    await expect(tick()).resolves.toEqual({
      hub: 'scanned (never indexed): 1',
      dev: 'scanned (never indexed): 0',
      staging: 'refused',
      prod: 'scanned (never indexed): 0',
    });
    const hubEntry = await indexStore().get(HUB, ALICE);
    const hubPass = await indexStore().lastPass(HUB);
    expect(hubEntry).toMatchObject({ userName: 'a.chen' });
    // The same Slack person, a different IAM user in prod, tagged after prod's scan.
    h.members.prod?.addUser('alice.prod', [], { SlackUserId: ALICE });

    const miss = ackText(await h.slash(`grant <@${ALICE}|alice> developer in prod`));
    expect(miss).toContain(`I do not know <@${ALICE}>'s IAM user yet`);
    expect(miss).toContain(`No IAM user of account ${PROD} was tagged \`SlackUserId=${ALICE}\``);
    expect(miss).toContain('I have asked for a re-index, which takes a minute or two. Try again then');
    expect(h.sfn.calls()).toHaveLength(0);
    const sessionsBefore = refreshSessions().length;

    // The next tick scans prod alone (a miss asked there) through the refresh's own member role.
    await expect(tick()).resolves.toEqual({
      hub: 'up to date',
      dev: 'up to date',
      staging: 'refused',
      prod: 'scanned (a miss asked): 1',
    });
    expect(refreshSessions().slice(sessionsBefore)).toEqual([
      { accountId: STAGING, roleArn: REFRESH_ROLE(STAGING), sessionName: 'index-refresh', allowed: false },
      { accountId: PROD, roleArn: REFRESH_ROLE(PROD), sessionName: 'index-refresh', allowed: true },
    ]);
    // Each account's index holds its own IAM user for the same Slack id: prod's scan left the hub's alone.
    await expect(indexStore().get(PROD, ALICE)).resolves.toMatchObject({ userName: 'alice.prod' });
    await expect(indexStore().get(HUB, ALICE)).resolves.toEqual(hubEntry);
    await expect(indexStore().lastPass(HUB)).resolves.toEqual(hubPass);

    const hit = ackText(await h.slash(`grant <@${ALICE}|alice> developer in prod`));
    expect(hit).toContain('received');
    const { requestId, target } = await h.onlyRequest();
    expect(target).toMatchObject({ kind: 'user', name: 'alice.prod', slackUserId: ALICE });
    await h.awaitApprovalWait(requestId);
    await h.click(requestId, APPROVER_1);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect(h.members.prod?.attached('user', 'alice.prod').sort()).toEqual(DEVELOPER);
    expect(h.iam.attached('user', 'a.chen')).toEqual([]);
    await expect(indexStore().get(HUB, ALICE)).resolves.toEqual(hubEntry);
  });

  it('a mention in the hub still resolves to the hub’s IAM user after prod is scanned', async () => {
    h = await startOrganization();
    h.iam.addUser('a.chen', [], { SlackUserId: ALICE });
    h.members.prod?.addUser('alice.prod', [], { SlackUserId: ALICE });
    await tick();

    expect(ackText(await h.slash(`grant <@${ALICE}|alice> developer`))).toContain('received');
    expect((await h.onlyRequest()).target).toMatchObject({ kind: 'user', name: 'a.chen' });
  });
});

describe('one refresh tick across the organization', () => {
  it('reports a member that refuses its role, keeps scanning the others, and tries it again next tick', async () => {
    h = await startOrganization();
    const written: string[] = [];
    const savedLevel = process.env.POWERTOOLS_LOG_LEVEL;
    // The Logger reads its level when it is built (each tick's deps build one): WARN lines and up here,
    // which Powertools writes to stderr.
    process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
    const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    let out: Awaited<ReturnType<typeof refreshTicks>>;
    try {
      out = await refreshTicks(h);
    } finally {
      write.mockRestore();
      if (savedLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
      else process.env.POWERTOOLS_LOG_LEVEL = savedLevel;
    }
    const lines = written.flatMap((chunk) => chunk.split('\n')).filter((line) => line.startsWith('{'));

    expect(out).toEqual({
      accounts: [
        { account: 'hub', accountId: HUB, outcome: 'scanned', why: 'never indexed', taggedUsers: 0 },
        { account: 'dev', accountId: DEV, outcome: 'scanned', why: 'never indexed', taggedUsers: 0 },
        {
          account: 'staging',
          accountId: STAGING,
          outcome: 'refused',
          why: 'never indexed',
          message: expect.stringContaining('codebuild-access-dev-member-refreshUserIndex'),
        },
        { account: 'prod', accountId: PROD, outcome: 'scanned', why: 'never indexed', taggedUsers: 0 },
      ],
    });
    const refusal = 'accounts' in out ? out.accounts[2] : undefined;
    expect(refusal && 'message' in refusal ? refusal.message : '').toContain(
      `account \`staging\` (${STAGING})`,
    );
    expect(refusal && 'message' in refusal ? refusal.message : '').toContain('deploy/member-account.yml');
    // The function's log names the account and what to deploy there.
    const logged = lines.find((line) => line.includes('refused the refresh role'));
    expect(logged).toBeDefined();
    expect(JSON.parse(logged ?? '{}')).toMatchObject({
      level: 'WARN',
      account: 'staging',
      accountId: STAGING,
      deploy: expect.stringContaining('deploy/member-account.yml'),
    });
    await expect(indexStore().lastPass(STAGING)).resolves.toBeUndefined();

    // Still due (never indexed); the others are up to date.
    await expect(tick()).resolves.toEqual({
      hub: 'up to date',
      dev: 'up to date',
      staging: 'refused',
      prod: 'up to date',
    });
  });

  it('a scan that fails in one account (the hub throttled) is reported, the members are still scanned, and it stays due', async () => {
    h = await startOrganization();
    h.members.prod?.addUser('alice.prod', [], { SlackUserId: ALICE });
    const hubIam = mockClient(h.iam.clients.iam);
    hubIam.send.callThrough();
    hubIam
      .on(ListUsersCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client' }));
    let out: Awaited<ReturnType<typeof refreshTicks>>;
    try {
      out = await refreshTicks(h);
    } finally {
      hubIam.restore();
    }

    expect(out).toMatchObject({
      accounts: [
        { account: 'hub', outcome: 'failed', why: 'never indexed' },
        { account: 'dev', outcome: 'scanned' },
        { account: 'staging', outcome: 'refused' },
        { account: 'prod', outcome: 'scanned', taggedUsers: 1 },
      ],
    });
    await expect(indexStore().lastPass(HUB)).resolves.toBeUndefined();
    await expect(tick()).resolves.toMatchObject({ hub: 'scanned (never indexed): 0', prod: 'up to date' });
  });

  it('with too little time left, scans nothing and leaves every account due for the next tick', async () => {
    h = await startOrganization();
    h.members.prod?.addUser('alice.prod', [], { SlackUserId: ALICE });

    await expect(tick(() => MIN_SCAN_TIME_MS - 1)).resolves.toEqual({
      hub: 'deferred',
      dev: 'deferred',
      staging: 'deferred',
      prod: 'deferred',
    });
    expect(refreshSessions()).toEqual([]);
    await expect(indexStore().lastPass(PROD)).resolves.toBeUndefined();

    await expect(tick()).resolves.toEqual({
      hub: 'scanned (never indexed): 0',
      dev: 'scanned (never indexed): 0',
      staging: 'refused',
      prod: 'scanned (never indexed): 1',
    });
  });

  it('scans the hub first, then the account asked longest ago, and stops starting scans when time runs short', async () => {
    h = await startOrganization();
    h.iam.addUser('a.chen', [], { SlackUserId: ALICE });
    await tick();
    // Tagged after the first scan: a mention in prod misses first, then one in dev, then one in the hub.
    h.members.prod?.addUser('alice.prod', [], { SlackUserId: ALICE });
    h.members.dev?.addUser('alice.dev', [], { SlackUserId: ALICE });
    for (const where of ['in prod', 'in dev']) {
      expect(ackText(await h.slash(`grant <@${ALICE}|alice> developer ${where}`))).toContain(
        'I have asked for a re-index',
      );
    }
    h.iam.account.users.delete('a.chen');
    h.iam.addUser('a.chen2', [], { SlackUserId: ALICE });
    expect(ackText(await h.slash(`grant <@${ALICE}|alice> developer`))).toContain(
      'I have asked for a re-index',
    );
    const sessionsBefore = refreshSessions().length;

    // The time left as each scan is about to start: enough for three, then too little for the fourth.
    const left = [MIN_SCAN_TIME_MS * 3, MIN_SCAN_TIME_MS * 2, MIN_SCAN_TIME_MS, MIN_SCAN_TIME_MS - 1];
    await expect(tick(() => left.shift() ?? 0)).resolves.toEqual({
      hub: 'scanned (a miss asked): 1',
      dev: 'deferred',
      staging: 'refused',
      prod: 'scanned (a miss asked): 1',
    });
    // After the hub: staging (never indexed: due longest), prod (asked before dev), then dev ran out of time.
    expect(refreshSessions().slice(sessionsBefore)).toEqual([
      { accountId: STAGING, roleArn: REFRESH_ROLE(STAGING), sessionName: 'index-refresh', allowed: false },
      { accountId: PROD, roleArn: REFRESH_ROLE(PROD), sessionName: 'index-refresh', allowed: true },
    ]);
    await expect(indexStore().get(DEV, ALICE)).resolves.toBeUndefined();

    // The next minute takes dev.
    await expect(tick()).resolves.toEqual({
      hub: 'up to date',
      dev: 'scanned (a miss asked): 1',
      staging: 'refused',
      prod: 'up to date',
    });
    await expect(indexStore().get(DEV, ALICE)).resolves.toMatchObject({ userName: 'alice.dev' });
  });
});
