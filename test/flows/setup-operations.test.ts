/**
 * The seed's setup operations (issue 3) end to end: signed slash commands into the exported slack
 * handler, the real ASL on aws-local-stepfunctions with the real tasks, DynamoDB on dynalite, Slack on a
 * loopback server, and IAM/KMS/CodeBuild on the sandbox account at the SDK client level (with
 * aws-sdk-client-mock layered on a client instance for faults).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateRoleCommand,
  IAMServiceException,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  KMSServiceException,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BOT_KEY_SIDS,
  botKeyStatements,
  codeBuildKeyStatements,
  customAccessPolicy,
  defaultKeyPolicy,
  type PolicyDocument,
  type PolicyStatement,
  serviceRolePolicy,
  serviceRoleTrustPolicy,
} from '../../src/domain/seed-policies';
import { POLICY_ARNS } from '../../src/domain/tiers';
import {
  loadSandboxFixture,
  type SandboxAccount,
  type SandboxOptions,
  SandboxStore,
} from '../../src/local/sandbox/account';
import { deployBotStack } from '../../src/local/sandbox/bot-stack';
import { createSandboxClients, type SandboxClients } from '../../src/local/sandbox/plug';
import { ACTION_IDS } from '../../src/slack/ids';
import {
  APPROVER_1,
  APPROVER_2,
  AUDIT_CHANNEL,
  type Harness,
  REQUESTER,
  startHarness,
  testAccountContext,
} from '../helpers/harness';
import { seedFixture, statementMeaning } from '../helpers/seed-fixtures';
import { blockActionEvent, slashCommandEvent, TEST_SIGNING_SECRET } from '../helpers/signed-event';

jest.setTimeout(60_000);

const FIXTURE = join(__dirname, '../../local/fixtures/sandbox-account.json');
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
// The customer managed policies the bot's stack creates (stage dev), attached by ARN.
const STACK_POLICY = (name: string) => `arn:aws:iam::${ACCOUNT}:policy/codebuild-access/${name}-dev`;
const CUSTOM_POLICY_ARN = STACK_POLICY('CodeBuildAccessPolicy');
const SERVICE_ROLE_POLICY_ARN = STACK_POLICY('CodeBuildServiceRolePolicy');
const SERVICE_ROLE_VPC_POLICY_ARN = STACK_POLICY('CodeBuildServiceRoleVpcPolicy');
const BOUNDARY_ARN = STACK_POLICY('CodeBuildServiceRoleBoundary');

const meaning = statementMeaning;
const meanings = (document: PolicyDocument) => document.Statement.map(meaning);

let h: Harness;
let dir: string;
let store: SandboxStore;
let account: SandboxAccount;
let clients: SandboxClients;

async function start(options: SandboxOptions = {}): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'setup-ops-'));
  store = SandboxStore.open(join(dir, 'account.json'), { seed: () => loadSandboxFixture(FIXTURE, options) });
  account = store.account;
  clients = createSandboxClients(store);
  await deployBotStack(account, clients.iam, testAccountContext());
  h = await startHarness(
    { AWS_ACCOUNT_ID: ACCOUNT, AWS_REGION: REGION },
    { aws: clients, account: store.account },
  );
}

afterEach(async () => {
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
});

const command = async (text: string) => {
  const response = await h.handler(
    slashCommandEvent({ secret: TEST_SIGNING_SECRET, text, userId: REQUESTER }),
  );
  return JSON.parse(response.body) as { text: string };
};

const approve = (requestId: string, userId = APPROVER_1) =>
  h.handler(
    blockActionEvent({
      secret: TEST_SIGNING_SECRET,
      actionId: ACTION_IDS.approve,
      value: requestId,
      userId,
    }),
  );

/**
 * Sends the command, waits for the card, approves (by each approver in turn: custom and admin grants
 * need two different ones), and waits for the run to end.
 */
async function requestAndApprove(text: string, approvers: readonly string[] = [APPROVER_1]) {
  await command(text);
  const { requestId } = await h.onlyRequest();
  await h.awaitApprovalWait(requestId);
  const card = cardOf();
  for (const approver of approvers) await approve(requestId, approver);
  const run = await h.finished(requestId);
  const record = await h.store.get(requestId);
  return { requestId, run, record: record!, card, thread: threadOf(card?.ts ?? '') };
}

/** Sends the command and waits for the run to end without anyone clicking (plan-time failures). */
async function requestOnly(text: string) {
  await command(text);
  const { requestId } = await h.onlyRequest();
  const run = await h.finished(requestId);
  const record = await h.store.get(requestId);
  return { requestId, run, record: record! };
}

const cardOf = () => h.slack.messages.find((m) => m.channel === AUDIT_CHANNEL && !m.threadTs && m.blocks);
const threadOf = (ts: string) => h.slack.thread(ts).map((m) => m.text ?? '');
const lastEvent = (record: { events: { text: string }[] }) => record.events.at(-1)?.text ?? '';
/** The document in effect of a customer managed policy of the sandbox account. */
const managedPolicyDocument = (arn: string): PolicyDocument => {
  const policy = account.findPolicyByArn(arn);
  if (policy === undefined) throw new Error(`no managed policy ${arn}`);
  return JSON.parse(account.defaultVersion(policy).document) as PolicyDocument;
};
const keyPolicy = (): PolicyDocument =>
  JSON.parse(account.keys.get(KEY_ID)?.policy ?? '{}') as PolicyDocument;

const throttling = () =>
  new IAMServiceException({
    name: 'Throttling',
    $fault: 'client',
    message: 'Rate exceeded',
    $metadata: { httpStatusCode: 400 },
  });

const kmsThrottling = () =>
  new KMSServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    message: 'slow down',
    $metadata: { httpStatusCode: 400 },
  });

describe('grant <target> custom', () => {
  beforeEach(() => start());

  /** The seed's custom policy as the stack deploys it: the seed's statements, PassRole narrowed to CodeBuild. */
  const expectSeedCustomPolicyNarrowed = (document: PolicyDocument) => {
    const seed = seedFixture<PolicyDocument>('custom-user-policy.json');
    expect(document).toEqual(customAccessPolicy({ partition: 'aws', accountId: ACCOUNT }));
    const [codebuild, passRole, ...rest] = document.Statement;
    const [seedCodebuild, ...seedRest] = seed.Statement;
    expect(meaning(codebuild!)).toEqual({ ...meaning(seedCodebuild!), Action: ['codebuild:*'] });
    expect(meaning(passRole!)).toEqual({
      Sid: 'PassServiceRolesToCodeBuild',
      Effect: 'Allow',
      Principal: undefined,
      Action: ['iam:PassRole'],
      Resource: [`arn:aws:iam::${ACCOUNT}:role/codebuild/*`, `arn:aws:iam::${ACCOUNT}:role/service-role/*`],
      Condition: { StringEquals: { 'iam:PassedToService': 'codebuild.amazonaws.com' } },
    });
    expect(rest.map(meaning)).toEqual(seedRest.map(meaning));
  };

  it('attaches the stack CodeBuildAccessPolicy by ARN only after two different approvers, and verifies it', async () => {
    await command('grant user:alice custom because builds');
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);
    const card = cardOf();
    // The card message is updated in place as the request moves on: keep what the approvers saw.
    const cardJson = JSON.stringify(card?.blocks);

    // One approval is not enough for custom (it can pass service roles to CodeBuild): nothing changes yet.
    await approve(requestId, APPROVER_1);
    const half = (await h.store.get(requestId))!;
    expect(half.status).toBe('awaiting_approval');
    expect(half.approvals.map((a) => a.userId)).toEqual([APPROVER_1]);
    expect(account.findUser('alice')!.attachedPolicyArns).toEqual([]);
    expect(JSON.stringify(card?.blocks)).toContain(`Approvals: 1 of 2 (<@${APPROVER_1}>)`);

    await approve(requestId, APPROVER_2);
    const run = await h.finished(requestId);
    const record = (await h.store.get(requestId))!;
    const thread = threadOf(card?.ts ?? '');

    expect(run.status).toBe('SUCCEEDED');
    expect(record.status).toBe('completed');
    const alice = account.findUser('alice')!;
    expect(alice.attachedPolicyArns).toEqual([CUSTOM_POLICY_ARN]);
    expect(alice.inlinePolicies).toEqual({});
    expectSeedCustomPolicyNarrowed(managedPolicyDocument(CUSTOM_POLICY_ARN));
    // Both approvals count for the plan the card showed.
    expect(record.planHash).toMatch(/^[0-9a-f]{12,}$/);
    expect(record.approvals.map((a) => [a.userId, a.planHash])).toEqual([
      [APPROVER_1, record.planHash],
      [APPROVER_2, record.planHash],
    ]);
    expect(record.decision?.by).toEqual([APPROVER_1, APPROVER_2]);
    expect(cardJson).toContain('attach CodeBuildAccessPolicy-dev to user alice');
    expect(cardJson).toContain('custom allows iam:PassRole to CodeBuild');
    expect(cardJson).toContain('Needs 2 different approvers');
    expect(cardJson).toContain(`Plan \`${record.planHash!.slice(0, 12)}\``);
    expect(cardJson).not.toContain('Inline policy');
    const text = thread.join('\n');
    expect(text).toContain('codebuild:StartBuild: allowed');
    expect(text).toContain('logs:GetLogEvents: allowed');
  });

  it('attaches CodeBuildAccessPolicy to a group, and writes no inline policy', async () => {
    const { run, record } = await requestAndApprove('grant group:qa custom', [APPROVER_1, APPROVER_2]);

    expect(run.status).toBe('SUCCEEDED');
    expect(record.status).toBe('completed');
    const qa = account.findGroup('qa')!;
    expect(qa.attachedPolicyArns).toEqual([CUSTOM_POLICY_ARN]);
    expect(qa.inlinePolicies).toEqual({});
    expect(record.decision?.by).toEqual([APPROVER_1, APPROVER_2]);
  });

  it('refuses before approval when the managed-policy quota (10) would be exceeded, and changes nothing', async () => {
    const bob = account.findUser('bob')!;
    const ten = account.knownManagedPolicyArns().slice(0, 10);
    expect(ten).toHaveLength(10);
    bob.attachedPolicyArns.push(...ten);

    const { run, record } = await requestOnly('grant user:bob custom');

    expect(run.status).toBe('FAILED');
    expect(record.status).toBe('failed');
    expect(lastEvent(record)).toContain(
      'IAM user bob has 10 managed policies attached; granting custom adds 1 and IAM allows 10.',
    );
    expect(account.findUser('bob')!.attachedPolicyArns).toEqual(ten);
    expect(account.findUser('bob')!.inlinePolicies).toEqual({});
    expect(h.slack.messages.some((m) => JSON.stringify(m.blocks ?? []).includes(ACTION_IDS.approve))).toBe(
      false,
    );
  });

  it('revoke custom detaches CodeBuildAccessPolicy, deletes a legacy inline policy last, and the verify step sees the actions denied', async () => {
    const alice = account.findUser('alice')!;
    alice.attachedPolicyArns.push(CUSTOM_POLICY_ARN);
    alice.inlinePolicies.CodeBuildUserAccessPolicy = JSON.stringify(seedFixture('custom-user-policy.json'));

    const { run, record, card, thread } = await requestAndApprove('revoke user:alice custom');

    expect(run.status).toBe('SUCCEEDED');
    expect(record.status).toBe('completed');
    expect(account.findUser('alice')!.attachedPolicyArns).toEqual([]);
    expect(account.findUser('alice')!.inlinePolicies).toEqual({});
    // The stack's policy itself stays: only the attachment goes.
    expect(account.findPolicyByArn(CUSTOM_POLICY_ARN)).toBeDefined();
    const done = record.completedSteps.filter((step) => step.outcome !== 'started');
    expect(done.map((step) => [step.stepId, step.outcome])).toEqual([
      ['detach:CodeBuildAccessPolicy-dev', 'changed'],
      ['delete:CodeBuildUserAccessPolicy', 'changed'],
      ['applied', 'unchanged'],
    ]);
    expect(done[0]?.undo).toMatchObject({ type: 'attachPolicy', policyArn: CUSTOM_POLICY_ARN });
    // No role of the bot may write a policy document, so the legacy inline policy has no undo.
    expect(done[1]?.undo).toBeNull();
    const cardJson = JSON.stringify(card?.blocks);
    expect(cardJson).toContain('detach CodeBuildAccessPolicy-dev from user alice');
    expect(cardJson).toContain('delete inline policy CodeBuildUserAccessPolicy from user alice');
    expect(cardJson).toContain('the bot cannot put it back');
    expect(thread.join('\n')).toContain('codebuild:StartBuild: denied');
  });

  it('recovers from IAM throttling on AttachUserPolicy (the workflow retries)', async () => {
    const iam = mockClient(clients.iam);
    iam.send.callThrough();
    iam
      .on(AttachUserPolicyCommand)
      .rejectsOnce(throttling())
      .callsFake((input) => createSandboxClients(store).iam.send(new AttachUserPolicyCommand(input)));
    try {
      const { run } = await requestAndApprove('grant user:alice custom', [APPROVER_1, APPROVER_2]);

      expect(run.status).toBe('SUCCEEDED');
      expect(iam.commandCalls(AttachUserPolicyCommand)).toHaveLength(2);
      expect(iam.commandCalls(AttachUserPolicyCommand).map((call) => call.args[0].input.PolicyArn)).toEqual([
        CUSTOM_POLICY_ARN,
        CUSTOM_POLICY_ARN,
      ]);
      expect(account.findUser('alice')!.attachedPolicyArns).toEqual([CUSTOM_POLICY_ARN]);
    } finally {
      iam.restore();
    }
  });
});

describe('service-role create', () => {
  beforeEach(() => start());

  it('creates the role under /codebuild/ with the seed trust policy narrowed by confused-deputy conditions, the stack boundary, and the stack CodeBuildServiceRolePolicy attached', async () => {
    const { run, card, thread } = await requestAndApprove(
      'service-role create payments-build --project-prefix payments- because new pipeline',
    );

    expect(run.status).toBe('SUCCEEDED');
    const role = account.findRole('payments-build')!;
    expect(role.path).toBe('/codebuild/');
    expect(role.arn).toBe(`arn:aws:iam::${ACCOUNT}:role/codebuild/payments-build`);
    expect(role.permissionsBoundary).toBe(BOUNDARY_ARN);
    expect(role.attachedPolicyArns).toEqual([SERVICE_ROLE_POLICY_ARN]);
    expect(role.inlinePolicies).toEqual({});
    const trust = JSON.parse(role.assumeRolePolicyDocument) as PolicyDocument;
    const seedTrust = seedFixture<PolicyDocument>('create-role.json');
    // The seed's statement (principal, action), plus exactly the two confused-deputy conditions.
    expect({ ...meaning(trust.Statement[0]!), Condition: undefined }).toEqual(
      meaning(seedTrust.Statement[0]!),
    );
    expect(trust.Statement[0]?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/payments-*` },
    });
    // What the attached policy and the boundary allow is the seed's service-role policy (the boundary adds VPC).
    expect(meanings(managedPolicyDocument(SERVICE_ROLE_POLICY_ARN))).toEqual(
      meanings(seedFixture<PolicyDocument>('service-role-policy-console.json')),
    );
    expect(managedPolicyDocument(BOUNDARY_ARN)).toEqual(
      serviceRolePolicy({ vpc: true, accountId: ACCOUNT, region: REGION }),
    );
    const cardJson = JSON.stringify(card?.blocks);
    expect(cardJson).toContain('*Trust policy of payments-build*');
    expect(cardJson).toContain(
      'create role /codebuild/payments-build trusted by codebuild.amazonaws.com (boundary CodeBuildServiceRoleBoundary-dev)',
    );
    expect(cardJson).toContain('attach CodeBuildServiceRolePolicy-dev to role payments-build');
    expect(cardJson).toContain(`Permissions boundary: ${BOUNDARY_ARN}.`);
    expect(cardJson).toContain('aws:SourceArn');
    const text = thread.join('\n');
    expect(text).toContain('logs:PutLogEvents: allowed');
    expect(text).toContain('s3:GetObject: allowed');
    expect(text).toContain('iam:CreateRole: denied');
  });

  it('attaches the stack VPC variant with --vpc, under the same boundary', async () => {
    const { run, thread } = await requestAndApprove('service-role create vpc-build --vpc');

    expect(run.status).toBe('SUCCEEDED');
    const role = account.findRole('vpc-build')!;
    expect(role.permissionsBoundary).toBe(BOUNDARY_ARN);
    expect(role.attachedPolicyArns).toEqual([SERVICE_ROLE_VPC_POLICY_ARN]);
    expect(role.inlinePolicies).toEqual({});
    expect(managedPolicyDocument(SERVICE_ROLE_VPC_POLICY_ARN)).toEqual(
      serviceRolePolicy({ vpc: true, accountId: ACCOUNT, region: REGION }),
    );
    expect(thread.join('\n')).toContain('ec2:CreateNetworkInterface: allowed');
  });

  it('reports a conflict showing the difference when the role exists with another trust policy, and leaves it untouched', async () => {
    const before = structuredClone(account.findRole('legacy-build'));

    const { run, record } = await requestOnly('service-role create legacy-build --project-prefix legacy-');

    expect(run.status).toBe('FAILED');
    expect(lastEvent(record)).toContain('Role legacy-build already exists and is not what you asked for');
    expect(lastEvent(record)).toContain('trust policy');
    expect(account.findRole('legacy-build')).toEqual(before);
  });

  it('plans nothing when the role already is exactly what was asked', async () => {
    const trustPolicy = serviceRoleTrustPolicy({ accountId: ACCOUNT, region: REGION, projectPrefix: 'same' });
    account.addRole({
      ...structuredClone(account.findRole('legacy-build')!),
      name: 'same',
      arn: `arn:aws:iam::${ACCOUNT}:role/codebuild/same`,
      assumeRolePolicyDocument: JSON.stringify(trustPolicy),
      permissionsBoundary: BOUNDARY_ARN,
      attachedPolicyArns: [SERVICE_ROLE_POLICY_ARN],
      inlinePolicies: {},
    });
    const before = structuredClone(account.findRole('same'));

    const { run, record } = await requestOnly('service-role create same');

    expect(run.status).toBe('SUCCEEDED');
    expect(record.status).toBe('no_change');
    expect(lastEvent(record)).toContain(
      'exists with the same trust policy, boundary and CodeBuildServiceRolePolicy-dev',
    );
    expect(account.findRole('same')).toEqual(before);
  });

  it('recovers from IAM throttling on CreateRole', async () => {
    const iam = mockClient(clients.iam);
    iam.send.callThrough();
    iam
      .on(CreateRoleCommand)
      .rejectsOnce(throttling())
      .callsFake((input) => createSandboxClients(store).iam.send(new CreateRoleCommand(input)));
    try {
      const { run } = await requestAndApprove('service-role create retry-build');

      expect(run.status).toBe('SUCCEEDED');
      expect(iam.commandCalls(CreateRoleCommand)).toHaveLength(2);
      expect(account.findRole('retry-build')?.path).toBe('/codebuild/');
    } finally {
      iam.restore();
    }
  });

  it('deletes the new role when the attach fails after CreateRole, and says so', async () => {
    const iam = mockClient(clients.iam);
    iam.send.callThrough();
    iam.on(AttachRolePolicyCommand).rejects(
      new IAMServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: 'denied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    try {
      const { run, record } = await requestAndApprove('service-role create doomed-build');

      expect(run.status).toBe('FAILED');
      expect(iam.commandCalls(CreateRoleCommand)).toHaveLength(1);
      expect(iam.commandCalls(CreateRoleCommand)[0]?.args[0].input).toMatchObject({
        RoleName: 'doomed-build',
        Path: '/codebuild/',
        PermissionsBoundary: BOUNDARY_ARN,
      });
      expect(account.findRole('doomed-build')).toBeUndefined();
      expect(account.boundaryUsageCount(BOUNDARY_ARN)).toBe(0);
      expect(account.attachmentCount(SERVICE_ROLE_POLICY_ARN)).toBe(0);
      const report = lastEvent(record);
      expect(report).toContain(
        'AWS denied the bot permission to attach CodeBuildServiceRolePolicy-dev to role doomed-build',
      );
      expect(report).toContain('Rolled back: create role /codebuild/doomed-build');
      expect(record.events.map((e) => e.type)).toContain('rolled_back');
    } finally {
      iam.restore();
    }
  });
});

describe('kms allow', () => {
  it('merges the seed two statements into the key policy, keeps every statement, and shows the delta on the card', async () => {
    await start();
    const before = keyPolicy();

    const { run, card, thread } = await requestAndApprove('kms allow alias/codebuild-artifacts legacy-build');

    expect(run.status).toBe('SUCCEEDED');
    const after = keyPolicy();
    expect(after.Statement.slice(0, before.Statement.length)).toEqual(before.Statement);
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/codebuild/legacy-build`;
    expect(after.Statement.slice(before.Statement.length)).toEqual(
      codeBuildKeyStatements({ accountId: ACCOUNT, region: REGION, roleArn }),
    );
    // Same statements, actions and resources as the seed (its second statement gets a Sid naming the role).
    const seed = seedFixture<PolicyStatement[]>('kms-statements.json');
    expect(
      after.Statement.slice(before.Statement.length).map((s) => ({
        ...meaning(s),
        Sid: undefined,
        Principal: undefined,
      })),
    ).toEqual(seed.map((s) => ({ ...meaning(s), Sid: undefined, Principal: undefined })));
    expect(account.keys.get(KEY_ID)?.lockoutCheckBypassed).toBe(false);
    const cardJson = JSON.stringify(card?.blocks);
    expect(cardJson).toContain('*Key policy: statements added* (2)');
    expect(cardJson).toContain('Kept unchanged (');
    expect(thread.join('\n')).toContain('key policy has "AllowCodeBuildServiceRole-legacy-build"');
  });

  it('aborts on key policy drift between approval and apply, never overwriting, and asks for a new approval', async () => {
    await start();
    await command(`kms allow ${KEY_ARN} legacy-build`);
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);
    // Someone edits the key policy while the request waits.
    const drifted = keyPolicy();
    drifted.Statement.push({
      Sid: 'AddedByHand',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:Decrypt',
      Resource: '*',
    });
    account.keys.get(KEY_ID)!.policy = JSON.stringify(drifted);
    await approve(requestId);
    const run = await h.finished(requestId);
    const record = (await h.store.get(requestId))!;

    expect(run.status).toBe('FAILED');
    expect(keyPolicy()).toEqual(drifted);
    expect(lastEvent(record)).toContain('changed after it was approved (statements added: AddedByHand)');
    expect(lastEvent(record)).toContain('I did not overwrite it. Run the command again');
  });

  it('fails clearly on an unknown key', async () => {
    await start();
    const { run, record } = await requestOnly('kms allow alias/no-such-key legacy-build');

    expect(run.status).toBe('FAILED');
    expect(lastEvent(record)).toContain('There is no KMS key `alias/no-such-key`');
  });

  it('fails clearly on an unknown role', async () => {
    await start();
    const before = account.keys.get(KEY_ID)?.policy;
    const { run, record } = await requestOnly('kms allow alias/codebuild-artifacts ghost-role');

    expect(run.status).toBe('FAILED');
    expect(lastEvent(record)).toContain('There is no IAM role named `ghost-role`');
    expect(account.keys.get(KEY_ID)?.policy).toBe(before);
  });

  it('retries MalformedPolicyDocument while KMS cannot see a role created moments ago', async () => {
    await start();
    account.hideRoleFromKms('legacy-build', 2);

    const { run, record } = await requestAndApprove('kms allow alias/codebuild-artifacts legacy-build');

    expect(run.status).toBe('SUCCEEDED');
    expect(record.status).toBe('completed');
    const retried = h.workflow.run(record.requestId)?.events.filter((e) => e.type === 'StateRetried') ?? [];
    expect(retried.length).toBeGreaterThanOrEqual(2);
  });

  it('recovers from KMS throttling on PutKeyPolicy', async () => {
    await start();
    const kms = mockClient(clients.kms);
    kms.send.callThrough();
    kms
      .on(PutKeyPolicyCommand)
      .rejectsOnce(kmsThrottling())
      .callsFake((input) => createSandboxClients(store).kms.send(new PutKeyPolicyCommand(input)));
    try {
      const { run } = await requestAndApprove('kms allow alias/codebuild-artifacts legacy-build');

      expect(run.status).toBe('SUCCEEDED');
      expect(keyPolicy().Statement.some((s) => s.Sid === 'AllowCodeBuildServiceRole-legacy-build')).toBe(
        true,
      );
    } finally {
      kms.restore();
    }
  });
});

describe('kms create', () => {
  beforeEach(() => start());

  it('creates a key with the default statement, the seed two and the bot statements, then its alias', async () => {
    const { run, card } = await requestAndApprove('kms create alias/payments-artifacts legacy-build');

    expect(run.status).toBe('SUCCEEDED');
    const alias = account.aliases.get('alias/payments-artifacts');
    const key = account.keys.get(alias?.keyId ?? '');
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/codebuild/legacy-build`;
    const botRoles = testAccountContext().botRoles;
    const policy = JSON.parse(key?.policy ?? '{}') as PolicyDocument;
    expect(policy).toEqual({
      ...defaultKeyPolicy(ACCOUNT),
      Statement: [
        ...defaultKeyPolicy(ACCOUNT).Statement,
        ...codeBuildKeyStatements({ accountId: ACCOUNT, region: REGION, roleArn }),
        ...botKeyStatements(botRoles),
      ],
    });
    expect(policy.Statement.map((s) => s.Sid)).toEqual([
      ...defaultKeyPolicy(ACCOUNT).Statement.map((s) => s.Sid),
      ...seedFixture<PolicyStatement[]>('kms-statements.json').map((s, i) =>
        i === 1 ? 'AllowCodeBuildServiceRole-legacy-build' : s.Sid,
      ),
      BOT_KEY_SIDS.read,
      BOT_KEY_SIDS.apply,
      BOT_KEY_SIDS.rollback,
    ]);
    // The bot statements name the bot's own roles, which the stack created in the account.
    for (const arn of Object.values(botRoles)) {
      expect(account.findRole(arn.slice(arn.lastIndexOf('/') + 1))?.arn).toBe(arn);
    }
    expect(key?.lockoutCheckBypassed).toBe(false);
    const cardJson = JSON.stringify(card?.blocks);
    expect(cardJson).toContain('*Key policy of the new key alias/payments-artifacts*');
    expect(cardJson).toContain(BOT_KEY_SIDS.apply);
  });

  it('recovers from KMS throttling on CreateKey, creating one key only', async () => {
    const keys = account.keys.size;
    const kms = mockClient(clients.kms);
    kms.send.callThrough();
    kms
      .on(CreateKeyCommand)
      .rejectsOnce(kmsThrottling())
      .callsFake((input) => createSandboxClients(store).kms.send(new CreateKeyCommand(input)));
    try {
      const { run } = await requestAndApprove('kms create alias/payments-artifacts legacy-build');

      expect(run.status).toBe('SUCCEEDED');
      expect(account.keys.size).toBe(keys + 1);
      expect(account.aliases.has('alias/payments-artifacts')).toBe(true);
    } finally {
      kms.restore();
    }
  });

  it('refuses when the alias already names a key', async () => {
    const keys = account.keys.size;
    const { run, record } = await requestOnly('kms create alias/codebuild-artifacts legacy-build');

    expect(run.status).toBe('FAILED');
    expect(lastEvent(record)).toContain('alias/codebuild-artifacts already names key');
    expect(account.keys.size).toBe(keys);
  });

  it('schedules the new key for deletion (7 days) when the alias cannot be created', async () => {
    const kms = mockClient(clients.kms);
    kms.send.callThrough();
    kms.on(CreateAliasCommand).rejects(
      new KMSServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message: 'no',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    try {
      const { run, record } = await requestAndApprove('kms create alias/payments-artifacts legacy-build');

      expect(run.status).toBe('FAILED');
      const created = [...account.keys.values()].find((k) => k.keyId !== KEY_ID);
      expect(created).toMatchObject({ keyState: 'PendingDeletion', pendingWindowInDays: 7 });
      expect(account.aliases.has('alias/payments-artifacts')).toBe(false);
      expect(lastEvent(record)).toContain('Rolled back: create a KMS key for alias/payments-artifacts');
    } finally {
      kms.restore();
    }
  });
});

describe('verify and status: answered at once, no approval', () => {
  beforeEach(() => start());

  it('verify simulates the actions of the tiers held and calls ListBuilds with the bot credentials', async () => {
    account
      .findUser('alice')!
      .attachedPolicyArns.push(POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly);

    const { text } = await command('verify user:alice');

    expect(text).toContain('Tiers held: developer');
    expect(text).toContain('codebuild:StartBuild: allowed :white_check_mark:');
    expect(text).toContain("codebuild:ListBuilds with the bot's credentials: CodeBuild answered");
    expect(text).toContain('*Result: pass*');
    expect(h.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('verify recovers from IAM throttling on SimulatePrincipalPolicy', async () => {
    account.findUser('alice')!.attachedPolicyArns.push(POLICY_ARNS.codeBuildReadOnly, POLICY_ARNS.s3ReadOnly);
    const iam = mockClient(clients.iam);
    iam.send.callThrough();
    iam
      .on(SimulatePrincipalPolicyCommand)
      .rejectsOnce(throttling())
      .callsFake((input) => createSandboxClients(store).iam.send(new SimulatePrincipalPolicyCommand(input)));
    try {
      const { text } = await command('verify user:alice');

      expect(text).toContain('*Result: pass*');
      expect(iam.commandCalls(SimulatePrincipalPolicyCommand)).toHaveLength(2);
    } finally {
      iam.restore();
    }
  });

  it('verify fails an action the tier should allow but IAM denies', async () => {
    // carol holds the custom tier's policy name with a document that allows nothing CodeBuild needs.
    account.findUser('carol')!.inlinePolicies.CodeBuildUserAccessPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Nothing', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
    });

    const { text } = await command('verify user:carol');

    expect(text).toContain('Tiers held: custom');
    expect(text).toContain('codebuild:StartBuild: denied :x:');
    expect(text).toContain('*Result: fail*');
  });

  it('status lists the CodeBuild policies and the pending requests of the target', async () => {
    account.findUser('alice')!.attachedPolicyArns.push(POLICY_ARNS.codeBuildReadOnly, POLICY_ARNS.s3ReadOnly);
    await command('grant user:alice developer');
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);

    const { text } = await command('status user:alice');

    expect(text).toContain('Tiers held: readonly');
    expect(text).toContain('• AWSCodeBuildReadOnlyAccess (readonly tier)');
    expect(text).toContain('• AmazonS3ReadOnlyAccess (admin, developer, readonly tier)');
    expect(text).toContain(
      `• ${requestId}: grant developer for user:alice, awaiting approval, asked by <@${REQUESTER}>`,
    );
  });

  it('status on an unknown user says how to name one, and starts nothing', async () => {
    const { text } = await command('status user:nobody');

    expect(text).toContain('There is no IAM user named `nobody`');
    expect(h.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
