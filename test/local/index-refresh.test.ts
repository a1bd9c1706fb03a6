/**
 * Local mode runs refreshUserIndex itself (IAM_USER_MAPPING=tag): the Slack path never scans, so without
 * it `npm start` in tag mode would answer every mention "not indexed yet".
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoUserIndexStore } from '../../src/aws/user-index-store';
import { loadConfig } from '../../src/config';
import { startLocalIndexRefresh } from '../../src/local/index-refresh';
import { loadSandboxFixture, SandboxStore } from '../../src/local/sandbox/account';
import { LocalOrganization, loadOrganizationFixture } from '../../src/local/sandbox/local-organization';
import { createSandboxClients } from '../../src/local/sandbox/plug';
import { createRequestsTable, startDynalite, testDynamoClient } from '../helpers/dynalite';
import { ALICE, ackText, type Harness, startHarness } from '../helpers/harness';

jest.setTimeout(60_000);

let h: Harness;
let stop: (() => void) | undefined;

let started: Harness | undefined;

afterEach(async () => {
  stop?.();
  stop = undefined;
  await started?.stop();
  started = undefined;
});

const harness = async (env: Record<string, string>): Promise<Harness> => {
  started = await startHarness(env);
  return started;
};

const clients = () => ({
  iam: h.iam.clients.iam,
  dynamodb: testDynamoClient(process.env.AWS_ENDPOINT_URL_DYNAMODB ?? ''),
});

it('indexes the sandbox account at start, so a mention of a tagged user resolves', async () => {
  h = await harness({ IAM_USER_MAPPING: 'tag' });
  h.iam.addUser('a.chen', [], { SlackUserId: ALICE });
  const lines: string[] = [];
  const firstTick = new Promise<void>((resolve) => {
    // A long interval: only the tick made at start runs during the test.
    stop = startLocalIndexRefresh(
      'tag',
      h.env,
      clients(),
      (line) => {
        lines.push(line);
        resolve();
      },
      3_600_000,
    );
  });

  await firstTick;

  expect(lines).toEqual(['IAM user index of hub (111122223333) refreshed (never indexed): 1 tagged users']);
  expect(ackText(await h.slash(`grant <@${ALICE}|alice> developer`))).toContain('received');
});

it('starts no refresh with IAM_USER_MAPPING=email: no IAM call, no index written', async () => {
  h = await harness({});
  h.iam.addUser('a.chen', [], { SlackUserId: ALICE });
  const iam = mockClient(h.iam.clients.iam);
  iam.send.callThrough();
  try {
    stop = startLocalIndexRefresh('email', h.env, clients(), () => undefined, 3_600_000);
    await new Promise(setImmediate);
    expect(iam.calls()).toHaveLength(0);
  } finally {
    iam.restore();
  }
  const store = new DynamoUserIndexStore(clients().dynamodb, loadConfig(h.env).requestsTable);
  await expect(store.lastPass('111122223333')).resolves.toBeUndefined();
});

describe('the sandbox organization (local/fixtures/sandbox-organization.json)', () => {
  const FIXTURES = resolve(__dirname, '..', '..', 'local', 'fixtures');
  let stateDir: string;
  let stopDynalite: (() => Promise<void>) | undefined;

  afterEach(async () => {
    await stopDynalite?.();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("refreshes every account's index, each member through its refreshUserIndex member role; staging's refusal is logged, not fatal", async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'codebuild-access-index-'));
    const dynalite = await startDynalite();
    stopDynalite = () => dynalite.stop();
    await createRequestsTable(dynalite.endpoint, 'requests');
    // The organization as `npm start` opens it: the hub from sandbox-account.json, the members seeded.
    const hub = SandboxStore.open(join(stateDir, 'sandbox-account.json'), {
      seed: () => loadSandboxFixture(join(FIXTURES, 'sandbox-account.json')),
    });
    const organization = LocalOrganization.open({
      hub,
      stateDir,
      fixture: loadOrganizationFixture(join(FIXTURES, 'sandbox-organization.json')),
      memberSeed: () => JSON.parse(readFileSync(join(FIXTURES, 'sandbox-member-account.json'), 'utf8')),
    });
    await organization.deployMemberStacks('dev');
    const prod = organization.members.find((member) => member.name === 'prod')?.store.account;
    const prodAlice = prod?.findUser('alice');
    if (!prodAlice) throw new Error('the member seed has no alice');
    prodAlice.tags.SlackUserId = ALICE;
    const env = {
      REQUESTS_TABLE: 'requests',
      AUDIT_CHANNEL_ID: 'C0AUDIT',
      AWS_ACCOUNT_ID: hub.account.accountId,
      AWS_REGION: hub.account.region,
      IAM_USER_MAPPING: 'tag',
      ...organization.env(),
    };
    const dynamodb = testDynamoClient(dynalite.endpoint);
    const lines: string[] = [];
    const tick = new Promise<void>((done) => {
      stop = startLocalIndexRefresh(
        'tag',
        env,
        { iam: createSandboxClients(hub).iam, dynamodb, ...organization.clients('dev') },
        (line) => {
          lines.push(line);
          if (lines.length === 4) done();
        },
        3_600_000,
      );
    });

    await tick;

    expect(lines).toEqual([
      // The hub fixture tags dave (U0DAVE).
      'IAM user index of hub (111122223333) refreshed (never indexed): 1 tagged users',
      'IAM user index of dev (222233334444) refreshed (never indexed): 0 tagged users',
      expect.stringMatching(
        /^IAM user index of staging \(333344445555\) not refreshed: I could not act in account `staging` \(333344445555\): it refused the bot's role `codebuild-access-dev-member-refreshUserIndex`\. Deploy the member stack `deploy\/member-account\.yml`/,
      ),
      'IAM user index of prod (444455556666) refreshed (never indexed): 1 tagged users',
    ]);
    const store = new DynamoUserIndexStore(dynamodb, 'requests');
    await expect(store.get('444455556666', ALICE)).resolves.toMatchObject({ userName: 'alice' });
    await expect(store.get('111122223333', ALICE)).resolves.toBeUndefined();
    await expect(store.get('111122223333', 'U0DAVE')).resolves.toMatchObject({ userName: 'dave' });
    expect(
      organization.org.sessions.map(({ accountId, sessionName, allowed }) => ({
        accountId,
        sessionName,
        allowed,
      })),
    ).toEqual([
      { accountId: '222233334444', sessionName: 'index-refresh', allowed: true },
      { accountId: '333344445555', sessionName: 'index-refresh', allowed: false },
      { accountId: '444455556666', sessionName: 'index-refresh', allowed: true },
    ]);
  });
});
