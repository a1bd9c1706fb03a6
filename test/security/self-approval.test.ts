/**
 * Self-approval by identity, not by Slack id (issue 9, finding 3). An approver may not approve a change
 * to their own IAM user, whatever Slack account or spelling names it, nor to a group they belong to; for
 * `admin` a refused self-click is not one of the two approvals. Every case runs through signed clicks
 * into the exported slack handler, the real ASL on aws-local-stepfunctions, and the sandbox account
 * (which, like IAM, finds names without regard to case and keeps group membership).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetGroupCommand, IAMServiceException } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { SandboxAccount, type SandboxAccountJson, SandboxStore } from '../../src/local/sandbox/account';
import { createSandboxClients, type SandboxClients } from '../../src/local/sandbox/plug';
import { ACTION_IDS } from '../../src/slack/ids';
import {
  ALICE,
  APPROVER_1,
  APPROVER_2,
  ackText,
  type Harness,
  REQUESTER,
  startHarness,
} from '../helpers/harness';

jest.setTimeout(60_000);

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
/** approver1's second Slack account. */
const ALT = 'U0ALT';
const APPROVER_3 = 'U0APPROVER3';

const FOR_YOU = 'This change is for you, so you cannot decide it. Another approver has to.';
const MEMBER =
  'This change is for IAM group devs, and you are a member of it, so you cannot approve it. Another approver has to.';

let h: Harness;
let dir: string;
let account: SandboxAccount;
let clients: SandboxClients;

interface World {
  env?: Record<string, string>;
  /** Slack profiles to add or replace: id -> email. */
  emails?: Record<string, string>;
  users: string[];
  groups?: Array<{ name: string; members: string[] }>;
}

async function start(world: World): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'self-approval-'));
  const seed: SandboxAccountJson = {
    accountId: ACCOUNT,
    region: REGION,
    users: world.users.map((name) => ({ name })),
    groups: world.groups ?? [],
  };
  const store = SandboxStore.open(join(dir, 'account.json'), { seed: () => SandboxAccount.fromJSON(seed) });
  account = store.account;
  clients = createSandboxClients(store);
  h = await startHarness(
    {
      AWS_ACCOUNT_ID: ACCOUNT,
      AWS_REGION: REGION,
      APPROVER_USER_IDS: `${APPROVER_1},${APPROVER_2},${APPROVER_3}`,
      ...world.env,
    },
    { aws: clients, account: store.account },
  );
  h.slack.state.putUser({
    id: APPROVER_3,
    name: 'approver3',
    realName: 'Approver 3',
    email: 'approver3@example.com',
  });
  for (const [id, email] of Object.entries(world.emails ?? {})) {
    const name = email.slice(0, email.indexOf('@')).toLowerCase();
    h.slack.state.putUser({ id, name, realName: name, email });
  }
}

afterEach(async () => {
  await h?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ephemeralsFor = (userId: string): string[] =>
  h.slack.ephemerals.filter((e) => e.user === userId).map((e) => e.text ?? '');

async function pending(text: string): Promise<string> {
  const response = await h.slash(text, { userId: REQUESTER });
  expect(ackText(response)).not.toContain(':warning:');
  const { requestId } = await h.onlyRequest();
  await h.awaitApprovalWait(requestId);
  return requestId;
}

async function stored(requestId: string) {
  const record = await h.store.get(requestId);
  if (!record) throw new Error(`no record ${requestId}`);
  return record;
}

const approvers = (record: { approvals: Array<{ userId: string }> }): string[] =>
  record.approvals.map((approval) => approval.userId);

const attached = (kind: 'user' | 'group', name: string): string[] =>
  (kind === 'user' ? account.findUser(name) : account.findGroup(name))?.attachedPolicyArns ?? [];

interface Case extends World {
  command: string;
  /** The approver whose approval is refused: the change is for them. */
  self: string;
  refusal: string;
  /** Approvers who may approve (the positive control), in click order; the last one decides. */
  others: string[];
  target: { kind: 'user' | 'group'; name: string };
  policy: string;
}

const DEVELOPER = POLICY_ARNS.codeBuildDeveloper;

describe('an approver cannot approve a change to their own IAM identity; another approver can', () => {
  it.each<[string, Case]>([
    [
      'an alias mention: a second Slack account whose email maps to the approver’s IAM user',
      {
        env: { IAM_USER_EMAIL_DOMAINS: 'example.com,other.example' },
        emails: { [ALT]: 'approver1@other.example' },
        users: ['approver1', 'alice'],
        command: `grant <@${ALT}|alt> developer`,
        self: APPROVER_1,
        refusal: FOR_YOU,
        others: [APPROVER_2],
        target: { kind: 'user', name: 'approver1' },
        policy: DEVELOPER,
      },
    ],
    [
      'a foreign email domain that equals an IAM user name exactly',
      {
        emails: { [APPROVER_1]: 'approver1@other.example' },
        users: ['approver1@other.example', 'approver1'],
        command: 'grant user:approver1@other.example developer',
        self: APPROVER_1,
        refusal: FOR_YOU,
        others: [APPROVER_2],
        target: { kind: 'user', name: 'approver1@other.example' },
        policy: DEVELOPER,
      },
    ],
    [
      'user:NAME spelled in another case (user:APPROVER1, IAM user approver1)',
      {
        users: ['approver1'],
        command: 'grant user:APPROVER1 developer',
        self: APPROVER_1,
        refusal: FOR_YOU,
        others: [APPROVER_2],
        target: { kind: 'user', name: 'approver1' },
        policy: DEVELOPER,
      },
    ],
    [
      'an email whose name and domain differ in case from the IAM user and the listed domain',
      {
        emails: { [APPROVER_1]: 'Approver1@EXAMPLE.com' },
        users: ['approver1'],
        command: 'grant user:approver1 developer',
        self: APPROVER_1,
        refusal: FOR_YOU,
        others: [APPROVER_2],
        target: { kind: 'user', name: 'approver1' },
        policy: DEVELOPER,
      },
    ],
    [
      'a group the approver is a member of (approver2 has no IAM user and approves)',
      {
        users: ['approver1', 'alice'],
        groups: [{ name: 'devs', members: ['alice', 'approver1'] }],
        command: 'grant group:devs developer',
        self: APPROVER_1,
        refusal: MEMBER,
        others: [APPROVER_2],
        target: { kind: 'group', name: 'devs' },
        policy: DEVELOPER,
      },
    ],
    [
      'admin for the approver’s alias: the refused click is not one of the two approvals',
      {
        env: { IAM_USER_EMAIL_DOMAINS: 'example.com,other.example' },
        emails: { [ALT]: 'approver1@other.example' },
        users: ['approver1', 'approver2', 'approver3'],
        command: `grant <@${ALT}|alt> admin`,
        self: APPROVER_1,
        refusal: FOR_YOU,
        others: [APPROVER_2, APPROVER_3],
        target: { kind: 'user', name: 'approver1' },
        policy: POLICY_ARNS.iamFull,
      },
    ],
    [
      'admin for a group the approver belongs to',
      {
        users: ['approver1', 'approver2'],
        groups: [{ name: 'devs', members: ['approver1'] }],
        command: 'grant group:devs admin',
        self: APPROVER_1,
        refusal: MEMBER,
        others: [APPROVER_2, APPROVER_3],
        target: { kind: 'group', name: 'devs' },
        policy: POLICY_ARNS.iamFull,
      },
    ],
  ])('%s', async (_label, c) => {
    await start(c);
    const id = await pending(c.command);

    const before = await stored(id);
    await h.click(id, c.self);
    expect(ephemeralsFor(c.self)).toEqual([c.refusal]);
    // The stored record is exactly as it was: no approval, no event, no version bump.
    const afterRefusal = await stored(id);
    expect(afterRefusal).toEqual(before);
    expect(afterRefusal.status).toBe('awaiting_approval');
    expect(approvers(afterRefusal)).toEqual([]);
    expect(attached(c.target.kind, c.target.name)).not.toContain(c.policy);

    // The positive control: approvers the change is not for decide it, as many as the tier needs.
    for (const [index, approver] of c.others.entries()) {
      await h.click(id, approver);
      const record = await stored(id);
      expect(approvers(record)).toEqual(c.others.slice(0, index + 1));
      if (index < c.others.length - 1) {
        expect(record.status).toBe('awaiting_approval');
        expect(ephemeralsFor(approver)).toEqual(['Your approval is recorded; one more approver is needed.']);
      }
    }
    await expect(h.finished(id)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    const done = await stored(id);
    expect(done.decision).toMatchObject({ outcome: 'approved', by: c.others });
    expect(approvers(done)).not.toContain(c.self);
    expect(attached(c.target.kind, c.target.name)).toContain(c.policy);
  });
});

describe('the email mapping and the lookups behind the rule', () => {
  it('a mention whose email is at an unlisted domain no longer maps by its local part; nothing starts', async () => {
    await start({ emails: { [ALT]: 'approver1@other.example' }, users: ['approver1'] });

    const response = await h.slash(`grant <@${ALT}|alt> developer`, { userId: REQUESTER });

    expect(ackText(response)).toBe(
      `:warning: <@${ALT}>'s Slack email is \`approver1@other.example\`. No IAM user is named ` +
        '`approver1@other.example` for them. Only emails at example.com map by the part before the @ ' +
        '(IAM_USER_EMAIL_DOMAINS); at other.example the IAM user must be named exactly as the email. ' +
        'Name the IAM user directly with `user:NAME`. Nothing was changed.',
    );
    expect(h.sfn.calls()).toHaveLength(0);
  });

  it('an approver who is not a member of the group approves it alone', async () => {
    await start({ users: ['approver1', 'alice'], groups: [{ name: 'devs', members: ['alice'] }] });
    const id = await pending('grant group:devs developer');

    await h.click(id, APPROVER_1);

    await expect(h.finished(id)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect((await stored(id)).decision).toMatchObject({ outcome: 'approved', by: [APPROVER_1] });
    expect(attached('group', 'devs')).toContain(DEVELOPER);
  });

  it('a target may deny their own change: a denial changes nothing, so no IAM lookup runs for it', async () => {
    await start({ users: ['approver1'], groups: [{ name: 'devs', members: ['approver1'] }] });
    const id = await pending('grant group:devs developer');
    const iam = mockClient(clients.iam);
    iam.send.callThrough();
    try {
      await h.click(id, APPROVER_1, { actionId: ACTION_IDS.deny });

      expect(h.slack.callsTo('views.open')).toHaveLength(1);
      expect(iam.commandCalls(GetGroupCommand)).toHaveLength(0);
    } finally {
      iam.restore();
    }
  });

  it('when IAM cannot list the group members, the approval is refused (fail closed) and not counted', async () => {
    await start({ users: ['approver1', 'alice'], groups: [{ name: 'devs', members: ['alice'] }] });
    const id = await pending('grant group:devs developer');
    const iam = mockClient(clients.iam);
    iam.send.callThrough();
    iam.on(GetGroupCommand).rejects(
      new IAMServiceException({
        name: 'Throttling',
        $fault: 'client',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    try {
      await h.click(id, APPROVER_1);
    } finally {
      iam.restore();
    }

    expect(ephemeralsFor(APPROVER_1)).toEqual([
      ':warning: I could not check whether this change is for you, so I cannot accept this click. ' +
        'AWS was briefly unavailable while trying to list the members of IAM group devs (Throttling). ' +
        'Nothing was changed; try again in a minute.',
    ]);
    const record = await stored(id);
    expect(record.status).toBe('awaiting_approval');
    expect(approvers(record)).toEqual([]);
  });

  it('when Slack cannot say who the clicker is, the approval is refused (fail closed) and not counted', async () => {
    await start({ users: ['alice'] });
    const id = await pending(`grant <@${ALICE}|alice> developer`);
    h.slack.respondWith('users.info', () => ({ body: { ok: false, error: 'fatal_error' } }));

    await h.click(id, APPROVER_1);

    // The Slack adapter classifies the error (classifySlackError): fatal_error is transient, so the
    // clicker is told to try again; the click is refused either way.
    expect(ephemeralsFor(APPROVER_1)).toEqual([
      ':warning: I could not check whether this change is for you, so I cannot accept this click. ' +
        `Slack was briefly unavailable while trying to look up user ${APPROVER_1} (fatal_error). ` +
        'Nothing was changed; try again in a minute.',
    ]);
    const record = await stored(id);
    expect(record.status).toBe('awaiting_approval');
    expect(approvers(record)).toEqual([]);
  });
});
