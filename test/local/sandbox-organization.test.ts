/**
 * `npm start` runs a sandbox organization: the hub and the member accounts of
 * local/fixtures/sandbox-organization.json (dev, staging, prod; the member stack everywhere but staging).
 * Driven through local mode's own endpoints (the page's /local/command and /local/action, the debug
 * /local/sandbox), so the slack handler, the real ASL and the organization's STS all run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import {
  type AccountFunction,
  hubRoleArn,
  INDEX_REFRESH_SESSION,
  memberRoleArn,
  roleSessionName,
} from '../../src/domain/accounts';
import { accountContextFor } from '../../src/domain/plans';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { describeStartup } from '../../src/local/banner';
import { type LocalHandle, startLocal } from '../../src/local/main';
import { deployMemberStack } from '../../src/local/sandbox/bot-stack';
import {
  loadOrganizationFixture,
  SandboxOrganizationFixtureError,
} from '../../src/local/sandbox/local-organization';
import { SandboxOrganization } from '../../src/local/sandbox/organization';
import { ACTION_IDS } from '../../src/slack/ids';
import { SandboxIam } from '../helpers/sandbox-iam';
import { PageDriver, requestIdIn, type SandboxUserJson } from './page-driver';

// Fixture ids (local/fixtures/workspace.json, sandbox-account.json, sandbox-organization.json).
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const PRIYA = 'U0PRIYA';
const GENERAL = 'C0GENERAL';
const AUDIT = 'C0AUDIT';
const HUB_ID = '111122223333';
const PROD_ID = '444455556666';
const STAGING_ID = '333344445555';
const FIXTURES = resolve(__dirname, '..', '..', 'local', 'fixtures');

jest.setTimeout(60_000);

interface AccountJson {
  name: string;
  accountId: string;
  hub: boolean;
  default: boolean;
  memberStack: string;
  memberRoles: string[];
  sessions: { allowed: number; refused: number };
  state: { users: SandboxUserJson[] };
}
interface SessionJson {
  account: string;
  accountId: string;
  sessionName: string;
  roleArn: string;
  caller: string;
  allowed: boolean;
}
interface OrganizationJson {
  accountId: string;
  users: SandboxUserJson[];
  accounts: AccountJson[];
  sessions: SessionJson[];
}

let stateDir: string;
let running: LocalHandle | undefined;

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'codebuild-access-org-'));
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
  rmSync(stateDir, { recursive: true, force: true });
});

const start = async (): Promise<PageDriver> => {
  running = await startLocal({ stateDir, port: 0, env: {} });
  return new PageDriver(running.url);
};

const stop = async (): Promise<void> => {
  await running?.stop();
  running = undefined;
};

const organization = (page: PageDriver) => page.get<OrganizationJson>('/local/sandbox?format=json');

const accountNamed = async (page: PageDriver, name: string): Promise<AccountJson> => {
  const account = (await organization(page)).accounts.find((candidate) => candidate.name === name);
  if (!account) throw new Error(`no account ${name} on /local/sandbox`);
  return account;
};

const policiesOf = (account: { users: SandboxUserJson[] }, user: string): string[] =>
  [...(account.users.find((candidate) => candidate.name === user)?.attachedPolicyArns ?? [])].sort();

/** The latest answer `userId` saw in #general (the acknowledgement or the refusal). */
const lastAnswer = async (page: PageDriver, userId: string): Promise<string> =>
  (await page.state(userId)).ephemerals.filter((ephemeral) => ephemeral.channel === GENERAL).pop()?.text ??
  '';

describe('local mode runs a sandbox organization', () => {
  it('has the hub, dev, staging and prod with distinct ids, the member stack everywhere but staging, and the hub the default', async () => {
    const page = await start();
    const { accounts } = await organization(page);
    expect(
      accounts.map(({ name, accountId, hub, memberStack }) => ({ name, accountId, hub, memberStack })),
    ).toEqual([
      { name: 'hub', accountId: HUB_ID, hub: true, memberStack: 'hub' },
      { name: 'dev', accountId: '222233334444', hub: false, memberStack: 'deployed' },
      { name: 'staging', accountId: STAGING_ID, hub: false, memberStack: 'missing' },
      { name: 'prod', accountId: PROD_ID, hub: false, memberStack: 'deployed' },
    ]);
    expect(accounts.filter((account) => account.default).map((account) => account.name)).toEqual(['hub']);
    expect((await accountNamed(page, 'prod')).memberRoles).toContain('codebuild-access-dev-member-apply');
    expect((await accountNamed(page, 'staging')).memberRoles).toEqual([]);

    const banner = describeStartup(running?.info ?? ({} as never), 1);
    expect(banner).toMatch(/staging\s+333344445555\s+NO member stack/);
    expect(banner).toMatch(/prod\s+444455556666\s+member stack deployed/);
    expect(banner).toContain('grant @alice developer in prod');
  });

  it('a grant in prod, approved, changes prod alone through its member roles, with session names carrying the request id, and survives a restart', async () => {
    let page = await start();
    await page.type(ALICE, GENERAL, '/codebuild-access grant @alice developer in prod because release');
    const requestId = requestIdIn(await lastAnswer(page, ALICE));
    await page.until(
      'the run to wait for a click',
      async () => running?.workflow.isWaiting(requestId) || undefined,
    );
    const pending = await page.requestWithStatus(requestId, 'awaiting_approval');
    const card = (await page.state(PRIYA)).messages.find((message) => message.ts === pending.card?.ts);
    expect(JSON.stringify(card?.blocks)).toContain(`AWS account prod (${PROD_ID})`);

    await page.click(PRIYA, AUDIT, pending.card?.ts ?? '', ACTION_IDS.approve);
    await expect(running?.workflow.run(requestId)?.result).resolves.toMatchObject({ status: 'SUCCEEDED' });

    const developer = [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort();
    const org = await organization(page);
    expect(policiesOf((await accountNamed(page, 'prod')).state, 'alice')).toEqual(developer);
    // The hub (top level, as before there were members) and dev are untouched.
    expect(policiesOf(org, 'alice')).toEqual([]);
    expect(policiesOf((await accountNamed(page, 'dev')).state, 'alice')).toEqual([]);
    const prodSessions = org.sessions.filter((session) => session.account === 'prod');
    expect(prodSessions.every((session) => session.allowed)).toBe(true);
    expect(prodSessions.map((session) => session.sessionName)).toEqual(
      expect.arrayContaining([
        `${requestId}-plan`,
        `${requestId}-apply`,
        `${requestId}-verify`,
        `slack-${ALICE}`,
      ]),
    );
    expect(prodSessions.find((session) => session.sessionName === `${requestId}-apply`)).toMatchObject({
      roleArn: `arn:aws:iam::${PROD_ID}:role/codebuild-access-dev-member-apply`,
      caller: `arn:aws:iam::${HUB_ID}:role/codebuild-access/codebuild-access-dev-apply`,
    });

    await stop();
    page = await start();
    expect(policiesOf((await accountNamed(page, 'prod')).state, 'alice')).toEqual(developer);
    expect((await organization(page)).sessions.map((session) => session.sessionName)).toContain(
      `${requestId}-apply`,
    );
  });

  it('a request in prod awaiting approval survives a restart; approved afterwards, it changes prod through new sessions', async () => {
    let page = await start();
    await page.type(ALICE, GENERAL, '/codebuild-access grant @bob readonly in prod because restart');
    const requestId = requestIdIn(await lastAnswer(page, ALICE));
    await page.until(
      'the run to wait for a click',
      async () => running?.workflow.isWaiting(requestId) || undefined,
    );
    const pending = await page.requestWithStatus(requestId, 'awaiting_approval');

    await stop();
    page = await start();
    expect(running?.resumed).toEqual([expect.objectContaining({ requestId, status: 'awaiting_approval' })]);
    await page.click(PRIYA, AUDIT, pending.card?.ts ?? '', ACTION_IDS.approve);
    await expect(running?.workflow.run(requestId)?.result).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect(policiesOf((await accountNamed(page, 'prod')).state, 'bob')).toEqual(
      [POLICY_ARNS.codeBuildReadOnly, POLICY_ARNS.s3ReadOnly].sort(),
    );
    expect(policiesOf(await organization(page), 'bob')).toEqual([]);
    expect(
      (await organization(page)).sessions
        .filter((session) => session.account === 'prod' && session.sessionName.startsWith(requestId))
        .map((session) => session.sessionName),
    ).toEqual(expect.arrayContaining([`${requestId}-plan`, `${requestId}-apply`, `${requestId}-verify`]));
  });

  it('a grant in staging, where the member stack is missing, is refused at once naming the account and what to deploy; nothing is requested', async () => {
    const page = await start();
    await page.type(BOB, GENERAL, '/codebuild-access grant @bob developer in staging because release');
    const answer = await lastAnswer(page, BOB);
    expect(answer).toContain(`account \`staging\` (${STAGING_ID})`);
    expect(answer).toContain('deploy/member-account.yml');
    expect(answer).toContain('Nothing was changed');
    expect(await page.requests()).toEqual([]);

    const org = await organization(page);
    expect(org.sessions).toEqual([
      expect.objectContaining({ account: 'staging', sessionName: `slack-${BOB}`, allowed: false }),
    ]);
    expect((await accountNamed(page, 'staging')).sessions).toEqual({ allowed: 0, refused: 1 });
  });

  it('shows every account, its member stack and the sessions to a browser as HTML', async () => {
    const page = await start();
    await page.type(BOB, GENERAL, '/codebuild-access status @bob in staging');
    const response = await fetch(`${running?.url}/local/sandbox`, { headers: { accept: 'text/html' } });
    const html = await response.text();
    expect(html).toContain('<h1>Sandbox AWS organization</h1>');
    expect(html).toMatch(
      /<section class="account" id="account-prod"><h2>Account prod · <code>444455556666<\/code>/,
    );
    expect(html).toContain('MISSING: the bot cannot act here');
    expect(html).toContain(`<code>slack-${BOB}</code>`);
    expect(html).toContain('refused (AccessDenied)');
    expect(html).not.toContain('<script');
  });

  it('loads a state folder from before the organization: the hub keeps its state, the members start from their seed', async () => {
    const hub = JSON.parse(readFileSync(join(FIXTURES, 'sandbox-account.json'), 'utf8'));
    hub.users = [{ name: 'alice', attachedPolicyArns: [POLICY_ARNS.codeBuildReadOnly] }, { name: 'bob' }];
    writeFileSync(join(stateDir, 'sandbox-account.json'), JSON.stringify(hub));

    const page = await start();
    const org = await organization(page);
    expect(policiesOf(org, 'alice')).toEqual([POLICY_ARNS.codeBuildReadOnly]);
    expect(policiesOf((await accountNamed(page, 'prod')).state, 'alice')).toEqual([]);
    expect(org.accounts.map((account) => account.name)).toEqual(['hub', 'dev', 'staging', 'prod']);
  });
});

describe("the organization's STS evaluates the session name a member trust requires", () => {
  const STAGE = 'dev';
  const organization = async (): Promise<SandboxOrganization> => {
    const hub = SandboxIam.empty(HUB_ID, 'us-east-1');
    const prod = SandboxIam.empty(PROD_ID, 'us-east-1');
    const context = accountContextFor({
      accountId: PROD_ID,
      region: 'us-east-1',
      partition: 'aws',
      stage: STAGE,
    });
    await deployMemberStack(prod.account, prod.clients.iam, context, { hubAccountId: HUB_ID, stage: STAGE });
    return new SandboxOrganization(hub.account, { prod: prod.account });
  };
  const assume = (org: SandboxOrganization, fn: AccountFunction, sessionName: string) =>
    org.stsClient(hubRoleArn('aws', HUB_ID, STAGE, fn)).send(
      new AssumeRoleCommand({
        RoleArn: memberRoleArn('aws', PROD_ID, STAGE, fn),
        RoleSessionName: sessionName,
      }),
    );

  it.each<[AccountFunction, string]>([
    ['apply', roleSessionName({ requestId: 'REQ-KC2QP1ABCD', fn: 'apply' })],
    ['slack', roleSessionName({ slackUserId: ALICE })],
    ['refreshUserIndex', INDEX_REFRESH_SESSION],
  ])('admits the hub %s role under the session name it uses (%s)', async (fn, sessionName) => {
    const org = await organization();

    const session = await assume(org, fn, sessionName);

    expect(session.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${PROD_ID}:assumed-role/codebuild-access-${STAGE}-member-${fn}/${sessionName}`,
    );
  });

  it.each<[AccountFunction, string]>([
    ['apply', 'slack-U0ALICE'],
    ['apply', roleSessionName({ requestId: 'REQ-KC2QP1ABCD', fn: 'rollback' })],
    ['apply', 'attacker'],
    ['slack', roleSessionName({ requestId: 'REQ-KC2QP1ABCD', fn: 'apply' })],
    ['refreshUserIndex', 'index-refresh-2'],
  ])(
    'refuses the hub %s role asking for the session name %s, and records the refusal',
    async (fn, sessionName) => {
      const org = await organization();

      await expect(assume(org, fn, sessionName)).rejects.toMatchObject({ name: 'AccessDenied' });
      expect(org.sessions).toMatchObject([{ sessionName, allowed: false }]);
    },
  );
});

describe('the organization fixture', () => {
  const write = (json: unknown): string => {
    const path = join(stateDir, 'sandbox-organization.json');
    writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
    return path;
  };

  it('is the hub alone when there is none', () => {
    expect(loadOrganizationFixture(join(stateDir, 'absent.json'))).toEqual({ hubName: 'hub', members: [] });
  });

  it.each([
    ['not JSON', '{', /is not valid JSON/],
    [
      'a name twice',
      { members: [{ name: 'hub', accountId: '222233334444' }] },
      /names the account `hub` twice/,
    ],
    [
      'a bad id',
      { members: [{ name: 'prod', accountId: '42' }] },
      /members\.0\.accountId must be a 12-digit account id/,
    ],
    ['an unknown default', { defaultAccount: 'qa', members: [] }, /defaultAccount `qa` is not one of hub/],
  ])('refuses %s with a sentence naming the file', (_what, json, message) => {
    const path = write(json);
    expect(() => loadOrganizationFixture(path)).toThrow(SandboxOrganizationFixtureError);
    expect(() => loadOrganizationFixture(path)).toThrow(message);
  });
});
