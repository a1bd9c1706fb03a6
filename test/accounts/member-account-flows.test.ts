import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { POLICY_ARNS } from '../../src/domain/tiers';
import {
  APPROVER_1,
  AUDIT_CHANNEL,
  ackText,
  type Harness,
  REQUESTER,
  startHarness,
} from '../helpers/harness';

const PROD = '777788889999';
const DEV = '444455556666';
const HUB = '111122223333';

let h: Harness;
afterEach(async () => h.stop());

const card = () => h.slack.messages.find((m) => m.channel === AUDIT_CHANNEL && !m.threadTs);

/** Runs a second request to its end, after `previous`. */
async function approvedNext(text: string, previous: string): Promise<string> {
  await h.slash(text, { triggerId: `trigger-${previous}-next` });
  const ids = h.sfn.commandCalls(StartExecutionCommand).map((call) => String(call.args[0].input.name));
  const requestId = ids.find((id) => id !== previous);
  if (!requestId) throw new Error(`no second request: ${await h.slash(text).then(ackText)}`);
  await h.awaitApprovalWait(requestId);
  await h.click(requestId, APPROVER_1);
  await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
  return requestId;
}

/** Runs one request to its end: the command, the approval wait, an approval, the run's end. */
async function approved(text: string): Promise<string> {
  const response = await h.slash(text);
  expect(response.statusCode).toBe(200);
  const { requestId } = await h.onlyRequest();
  await h.awaitApprovalWait(requestId);
  await h.click(requestId, APPROVER_1);
  await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
  return requestId;
}

describe('a grant in a member account, end to end (signed slash command, real ASL, sandbox organization)', () => {
  beforeEach(async () => {
    h = await startHarness({}, { members: { dev: DEV, prod: PROD } });
    h.iam.addUser('alice');
    h.members.prod?.addUser('alice');
  });

  it('attaches the policies in prod only, through the member roles, and the card names prod first', async () => {
    const requestId = await approved('grant user:alice developer in prod because release');

    expect(h.members.prod?.attached('user', 'alice')).toEqual(
      [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort(),
    );
    // The hub's alice is untouched.
    expect(h.iam.attached('user', 'alice')).toEqual([]);
    // Each hub function assumed its own member role, with a session name CloudTrail ties to the request.
    expect(h.org?.sessionNames(PROD)).toEqual(
      expect.arrayContaining([
        'slack-U0REQUESTER',
        `${requestId}-plan`,
        `${requestId}-apply`,
        `${requestId}-verify`,
      ]),
    );
    expect(h.org?.sessions.filter((s) => s.sessionName === `${requestId}-apply`)[0]).toMatchObject({
      roleArn: `arn:aws:iam::${PROD}:role/codebuild-access-dev-member-apply`,
      caller: `arn:aws:iam::${HUB}:role/codebuild-access/codebuild-access-dev-apply`,
    });
    const stored = await h.store.get(requestId);
    expect(stored?.account).toEqual({ name: 'prod', id: PROD });
    expect(stored?.plan?.account).toEqual({ name: 'prod', id: PROD });
    expect(stored?.target.arn).toBe(`arn:aws:iam::${PROD}:user/alice`);

    const posted = card();
    // The card as it ends (updated in place): its fallback text and header start with the account.
    expect(posted?.text).toBe(`[prod · ${PROD}] ${requestId}: completed`);
    const blocks = posted?.blocks as Array<{ type: string; text?: { text: string } }>;
    expect(blocks[0]?.text?.text).toContain(`[prod · ${PROD}]`);
    expect(blocks[1]?.text?.text).toBe(`:warning: *AWS account prod (${PROD})*`);
    const thread = h.slack.thread(posted!.ts).map((m) => m.text ?? '');
    expect(thread.length).toBeGreaterThan(3);
    for (const reply of thread) expect(reply.startsWith(`[prod · ${PROD}] `)).toBe(true);
  });

  it("the requester's direct messages about a prod request name prod first, as its thread does", async () => {
    const requestId = await approved('grant user:alice developer in prod because release');

    const dms = h.slack.directMessagesTo(REQUESTER).map((m) => m.text ?? '');
    expect(dms.filter((text) => text.includes(requestId)).length).toBeGreaterThan(1);
    for (const text of dms.filter((t) => t.includes(requestId))) {
      expect(text.startsWith(`[prod · ${PROD}] ${requestId}: `)).toBe(true);
    }
  });

  it('a time-bound grant in prod expires there: attached, then detached by the rollback role', async () => {
    const requestId = await approved('grant user:alice developer in prod for 1h');

    expect(h.members.prod?.attached('user', 'alice')).toEqual([]);
    expect(h.iam.attached('user', 'alice')).toEqual([]);
    expect(h.org?.sessionNames(PROD)).toEqual(
      expect.arrayContaining([`${requestId}-apply`, `${requestId}-rollback`]),
    );
    const stored = await h.store.get(requestId);
    expect(stored?.events.map((e) => e.type)).toContain('access_expired');
  });

  it('a revoke in prod detaches there and leaves the hub as it was', async () => {
    h.members.prod?.addUser('bob', [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly]);
    h.iam.addUser('bob', [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly]);
    const requestId = await approved('revoke user:bob developer in prod');

    expect(h.members.prod?.attached('user', 'bob')).toEqual([]);
    expect(h.iam.attached('user', 'bob')).toEqual(
      [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort(),
    );
    expect(h.org?.sessionNames(PROD)).toEqual(expect.arrayContaining([`${requestId}-apply`]));
    expect(h.slack.thread(card()!.ts)[0]?.text).toMatch(/^\[prod · 777788889999\] /);
  });

  it('an unknown account is answered at once with the configured names, and nothing is requested', async () => {
    const response = await h.slash('grant user:alice developer in staging');

    expect(ackText(response)).toContain(
      "I don't know the account `staging`. The accounts configured are `hub`, `dev`, `prod`",
    );
    expect(h.org?.sessions).toEqual([]);
  });

  it.each([
    ['the default (hub) account', 'grant user:nobody developer', `[hub · ${HUB}]`, ['`dev`', '`prod`']],
    ['a member account', 'grant user:nobody developer in prod', `[prod · ${PROD}]`, ['`hub`', '`dev`']],
  ])(
    'a target %s does not have is answered naming that account and the others to ask in',
    async (_name, text, tag, others) => {
      const response = await h.slash(text);

      expect(ackText(response)).toBe(
        `:warning: ${tag} There is no IAM user named \`nobody\` in this account. ` +
          `To ask in another account, add \`in <account>\` (${others.join(', ')}). Nothing was changed.`,
      );
      expect(h.sfn.commandCalls(StartExecutionCommand)).toEqual([]);
    },
  );

  it.each([
    'grant user:alice developer in constructor',
    'status user:alice in constructor',
    'rules in constructor',
  ])('`%s` is an unknown account like any other, not an object key', async (text) => {
    const response = await h.slash(text);

    expect(ackText(response)).toContain("I don't know the account `constructor`");
    expect(h.sfn.commandCalls(StartExecutionCommand)).toEqual([]);
  });
});

describe('setup commands in a member account', () => {
  beforeEach(async () => {
    h = await startHarness({}, { members: { prod: PROD } });
  });

  it('service-role create in prod creates the role in prod, trusted by prod projects in the listed regions', async () => {
    const requestId = await approved(
      'service-role create payments-build --regions us-east-1,eu-west-1 in prod',
    );

    const role = h.members.prod?.account.findRole('payments-build');
    expect(role?.arn).toBe(`arn:aws:iam::${PROD}:role/codebuild/payments-build`);
    expect(role?.permissionsBoundary).toBe(
      `arn:aws:iam::${PROD}:policy/codebuild-access/CodeBuildServiceRoleBoundary-dev`,
    );
    const trust = JSON.parse(decodeURIComponent(role?.assumeRolePolicyDocument ?? '{}'));
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': PROD },
      ArnLike: {
        'aws:SourceArn': [
          `arn:aws:codebuild:us-east-1:${PROD}:project/payments-build*`,
          `arn:aws:codebuild:eu-west-1:${PROD}:project/payments-build*`,
        ],
      },
    });
    expect(h.iam.account.findRole('payments-build')).toBeUndefined();
    expect(h.org?.sessionNames(PROD)).toEqual(expect.arrayContaining([`${requestId}-apply`]));
    expect(card()?.text).toMatch(/^\[prod · 777788889999\] /);
  });

  it('kms allow in prod merges the seed statements into the prod key policy and leaves the hub alone', async () => {
    const prodKms = h.members.prod!.clients.kms;
    const created = await prodKms.send(new CreateKeyCommand({ Description: 'artifacts' }));
    const keyId = created.KeyMetadata!.KeyId!;
    await prodKms.send(new CreateAliasCommand({ AliasName: 'alias/artifacts', TargetKeyId: keyId }));
    await approved('service-role create payments-build in prod');
    const roleId = (await h.onlyRequest()).requestId;

    const requestId = await approvedNext('kms allow alias/artifacts payments-build in prod', roleId);

    const policy = JSON.parse(h.members.prod!.account.keys.get(keyId)!.policy);
    const sids = policy.Statement.map((statement: { Sid?: string }) => statement.Sid);
    expect(sids).toEqual(expect.arrayContaining(['AllowCodeBuildServiceRole-payments-build']));
    expect(JSON.stringify(policy)).toContain(`arn:aws:iam::${PROD}:role/codebuild/payments-build`);
    expect(h.iam.account.keys.size).toBe(0);
    expect(h.org?.sessionNames(PROD)).toEqual(
      expect.arrayContaining([`${requestId}-plan`, `${requestId}-apply`]),
    );
    const stored = await h.store.get(requestId);
    expect(stored?.plan?.account).toEqual({ name: 'prod', id: PROD });
  });
});

describe('a member account without the member stack', () => {
  beforeEach(async () => {
    h = await startHarness({}, { members: { prod: PROD }, withoutMemberStack: ['prod'] });
    h.iam.addUser('alice');
  });

  it('refuses at once, naming the account and the stack to deploy, and changes nothing', async () => {
    const response = await h.slash('grant user:alice developer in prod');

    expect(response.statusCode).toBe(200);
    expect(ackText(response)).toContain(
      `I could not act in account \`prod\` (${PROD}): it refused the bot's role \`codebuild-access-dev-member-slack\`. ` +
        'Deploy the member stack `deploy/member-account.yml`',
    );
    expect(h.org?.sessions).toEqual([
      expect.objectContaining({ accountId: PROD, sessionName: 'slack-U0REQUESTER', allowed: false }),
    ]);
    expect(h.iam.attached('user', 'alice')).toEqual([]);
    expect(h.sfn.commandCalls(StartExecutionCommand)).toEqual([]);
  });
});

describe('cross-account costs no state transitions (issue 13: at most 12 per approved grant)', () => {
  /** The states a request's run entered and retried, from the local run's event log (what Standard bills). */
  const transitionsOf = (requestId: string): { entered: string[]; retried: number } => {
    const events = h.workflow.run(requestId)?.events ?? [];
    return {
      entered: events.flatMap((event) =>
        event.type === 'StateEntered' && 'state' in event ? [event.state.name] : [],
      ),
      retried: events.filter((event) => event.type === 'StateRetried').length,
    };
  };

  it('an approved developer grant in prod enters exactly the states of the same grant in the hub', async () => {
    h = await startHarness({}, { members: { prod: PROD } });
    h.iam.addUser('alice');
    h.members.prod?.addUser('alice');
    const inHub = await approved('grant user:alice developer because release');
    const inProd = await approvedNext('grant user:alice developer in prod because release', inHub);

    const hub = transitionsOf(inHub);
    const prod = transitionsOf(inProd);
    expect(hub.entered.length).toBeGreaterThan(3);
    expect(prod.entered).toEqual(hub.entered);
    expect(prod.retried).toBe(0);
    expect(prod.entered.length + prod.retried).toBeLessThanOrEqual(12);
    expect(h.members.prod?.attached('user', 'alice')).toEqual(
      [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort(),
    );
  });
});
