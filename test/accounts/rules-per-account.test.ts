/**
 * Rules per account (access-rules.yml `accounts: {<name>: {tiers: …}}`, issue 13): prod needs two
 * approvers for developer while dev auto-approves readonly, every other account follows the top-level
 * tiers. Signed slash commands and clicks into the exported handler, the real ASL on
 * aws-local-stepfunctions, the sandbox organization; the file validated at start names its line.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { accessRulesEnv } from '../../scripts/access-rules-env';
import { AccessRulesError, parseAccessRules } from '../../src/access-rules-file';
import { loadConfig } from '../../src/config';
import { DEFAULTS } from '../../src/domain/defaults';
import { POLICY_ARNS } from '../../src/domain/tiers';
import {
  APPROVER_1,
  APPROVER_2,
  AUDIT_CHANNEL,
  ackText,
  type Harness,
  startHarness,
} from '../helpers/harness';

jest.setTimeout(60_000);

const DEV = '444455556666';
const PROD = '777788889999';
const RULES = [
  'tiers:',
  '  developer:',
  '    reason_required: false',
  'accounts:',
  '  prod:',
  '    tiers:',
  '      developer:',
  '        approvals: 2',
  '  dev:',
  '    tiers:',
  '      readonly:',
  '        auto_approve: true',
].join('\n');

let h: Harness;
afterEach(async () => h.stop());

beforeEach(async () => {
  h = await startHarness({ ACCESS_RULES: accessRulesEnv(RULES) }, { members: { dev: DEV, prod: PROD } });
  h.iam.addUser('alice');
  h.members.prod?.addUser('alice');
  h.members.dev?.addUser('alice');
});

async function requested(text: string): Promise<string> {
  expect(ackText(await h.slash(text))).toContain('received');
  return (await h.onlyRequest()).requestId;
}

const ephemeralsFor = (userId: string): string[] =>
  h.slack.ephemerals.filter((e) => e.user === userId).map((e) => e.text ?? '');

describe('each account follows its own rules', () => {
  it('prod: developer needs two different approvers; one approval applies nothing', async () => {
    const requestId = await requested('grant user:alice developer in prod');
    await h.awaitApprovalWait(requestId);
    expect((await h.store.get(requestId))?.requiredApprovals).toBe(2);

    await h.click(requestId, APPROVER_1);
    expect(ephemeralsFor(APPROVER_1).join('\n')).toContain('one more approver is needed');
    expect(h.members.prod?.attached('user', 'alice')).toEqual([]);
    await h.click(requestId, APPROVER_2);

    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(h.members.prod?.attached('user', 'alice')).toEqual(
      [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort(),
    );
  });

  it('dev: readonly is applied by its rule, with no click, and the card quotes dev’s rule', async () => {
    const requestId = await requested('grant user:alice readonly in dev');

    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(h.members.dev?.attached('user', 'alice')).toEqual(
      [POLICY_ARNS.codeBuildReadOnly, POLICY_ARNS.s3ReadOnly].sort(),
    );
    const card = h.slack.messages.find((m) => m.channel === AUDIT_CHANNEL && !m.threadTs);
    const thread = h.slack
      .thread(card!.ts)
      .map((m) => m.text ?? '')
      .join('\n');
    expect(thread).toContain('accounts.dev.tiers.readonly.auto_approve');
  });

  it('prod does not auto-approve readonly, and dev’s developer needs one approver (the top-level tiers)', async () => {
    const prodReadonly = await requested('grant user:alice readonly in prod');
    await h.awaitApprovalWait(prodReadonly);
    expect(h.members.prod?.attached('user', 'alice')).toEqual([]);

    await h.slash('grant user:alice developer in dev', { triggerId: 'trigger-dev-developer' });
    const devId = h.sfn
      .commandCalls(StartExecutionCommand)
      .map((call) => String(call.args[0].input.name))
      .find((id) => id !== prodReadonly);
    expect(devId).toBeDefined();
    await h.awaitApprovalWait(devId!);
    await h.click(devId!, APPROVER_1);
    await expect(h.finished(devId!)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect((await h.store.get(devId!))?.requiredApprovals).toBe(1);
  });

  it('`rules in prod` and `rules in dev` show each account’s rules; `rules` says which account it shows', async () => {
    const prod = ackText(await h.slash('rules in prod'));
    const dev = ackText(await h.slash('rules in dev'));
    const plain = ackText(await h.slash('rules'));

    expect(prod).toContain('*Access rules in effect* in account *prod*');
    expect(prod).toMatch(/\*developer\*:[^\n]*2 approvals/);
    expect(dev).toContain('in account *dev*');
    expect(dev).toMatch(/\*readonly\*:[^\n]*auto-approved/);
    expect(dev).toMatch(/\*developer\*:[^\n]*1 approval\b/);
    expect(plain).toContain('in account *hub* (the file’s top-level tiers)');
    expect(plain).toContain('`rules in prod`, `rules in dev`');
  });
});

describe('the file is checked at start against the accounts the bot knows', () => {
  const env = (yaml: string) => ({
    REQUESTS_TABLE: 'requests',
    AUDIT_CHANNEL_ID: 'C0AUDIT',
    AWS_ACCOUNT_ID: '111122223333',
    ACCOUNTS: `dev=${DEV},prod=${PROD}`,
    ACCESS_RULES: accessRulesEnv(yaml),
  });

  it('an unknown account name fails the start, naming its line and the accounts configured', () => {
    const yaml = [
      'accounts:',
      '  prod:',
      '    tiers: {}',
      '  staging:',
      '    tiers:',
      '      readonly: {}',
    ].join('\n');
    expect(() => loadConfig(env(yaml))).toThrow(
      'Invalid access rules: access-rules.yml line 4 (accounts.staging): `staging` is not an account the bot knows (`hub`, `dev`, `prod`); fix the name or add the account to ACCOUNTS',
    );
  });

  it('a rule problem inside an account names the account’s key and line', () => {
    const yaml = ['accounts:', '  prod:', '    tiers:', '      admin:', '        approvals: 1'].join('\n');
    expect(() =>
      parseAccessRules(accessRulesEnv(yaml), DEFAULTS.maxGrantDurationSeconds, {
        names: ['hub', 'prod'],
        defaultName: 'hub',
      }),
    ).toThrow(
      new AccessRulesError(
        'Invalid access rules: access-rules.yml line 5 (accounts.prod.tiers.admin.approvals): admin needs at least 2 different approvers (it lets its holder escalate); this cannot be lowered',
      ),
    );
  });
});
