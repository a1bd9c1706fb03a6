/**
 * `status` and `verify` across accounts (issue 13): without `in`, one answer with a section per
 * configured account (hub first, each headed by its name and id), read in parallel within the Slack
 * path's budget; an account that refuses shows its refusal line and the others still answer. With
 * `in <account>`, only that account. Signed slash commands into the exported handler, the sandbox
 * organization behind it.
 */
import { POLICY_ARNS } from '../../src/domain/tiers';
import { ALICE, ackText, type Harness, startHarness } from '../helpers/harness';

jest.setTimeout(60_000);

const HUB = '111122223333';
const DEV = '444455556666';
const PROD = '777788889999';
const STAGING = '222233334444';

let h: Harness;
afterEach(async () => h.stop());

beforeEach(async () => {
  h = await startHarness(
    {},
    { members: { dev: DEV, staging: STAGING, prod: PROD }, withoutMemberStack: ['staging'] },
  );
  // alice: developer in the hub, readonly in prod, no IAM user in dev; staging has no member stack.
  h.iam.addUser('alice', [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly]);
  h.members.prod?.addUser('alice', [POLICY_ARNS.codeBuildReadOnly, POLICY_ARNS.s3ReadOnly]);
});

/** The answer's sections by heading, in order. */
const sections = (text: string): Array<{ heading: string; body: string }> =>
  text
    .split('\n\n')
    .filter((part) => part.startsWith('*━━ '))
    .map((part) => {
      const [heading = '', ...body] = part.split('\n');
      return { heading, body: body.join('\n') };
    });

describe('status and verify without `in`: every account in one answer', () => {
  it('status @alice shows each account under its name and id; refusals are lines, not failures', async () => {
    const response = await h.slash(`status <@${ALICE}|alice>`);

    expect(response.statusCode).toBe(200);
    const text = ackText(response);
    expect(text.startsWith('*Status in 4 AWS accounts*')).toBe(true);
    const parts = sections(text);
    expect(parts.map((part) => part.heading)).toEqual([
      `*━━ AWS account hub (${HUB}) ━━*`,
      `*━━ AWS account dev (${DEV}) ━━*`,
      `*━━ AWS account staging (${STAGING}) ━━*`,
      `*━━ AWS account prod (${PROD}) ━━*`,
    ]);
    const [hub, dev, staging, prod] = parts;
    expect(hub?.body).toContain(`arn:aws:iam::${HUB}:user/alice`);
    expect(hub?.body).toContain('Tiers held: developer');
    expect(dev?.body).toMatch(/^:no_entry_sign: .*alice/);
    expect(staging?.body).toContain(
      `:no_entry_sign: I could not act in account \`staging\` (${STAGING}): it refused the bot's role \`codebuild-access-dev-member-slack\`.`,
    );
    expect(prod?.body).toContain(`arn:aws:iam::${PROD}:user/alice`);
    expect(prod?.body).toContain('Tiers held: readonly');
    // Each member account was read through the slack function's member role, as the asker.
    expect(h.org?.sessions.map((s) => [s.accountId, s.sessionName, s.allowed]).sort()).toEqual(
      [
        [DEV, 'slack-U0REQUESTER', true],
        [PROD, 'slack-U0REQUESTER', true],
        [STAGING, 'slack-U0REQUESTER', false],
      ].sort(),
    );
  });

  it('verify @alice runs the seed’s check in each account: the hub passes developer, prod passes readonly', async () => {
    // The sandbox's policy simulator loads the AWS managed policies on its first call (seconds on a
    // loaded test machine, not in AWS): one answer in the hub first, so the budget measures the reads.
    await h.slash(`verify <@${ALICE}|alice> in hub`);
    const text = ackText(await h.slash(`verify <@${ALICE}|alice>`));

    const parts = sections(text);
    expect(parts).toHaveLength(4);
    expect(parts[0]?.body).toContain('Tiers held: developer');
    expect(parts[0]?.body).toContain('*Result: pass*');
    expect(parts[3]?.heading).toBe(`*━━ AWS account prod (${PROD}) ━━*`);
    expect(parts[3]?.body).toContain('Tiers held: readonly');
    expect(parts[3]?.body).toContain('*Result: pass*');
    expect(parts[2]?.body).toContain('deploy/member-account.yml');
  });

  it('with `in prod`, only prod answers, as before', async () => {
    const text = ackText(await h.slash(`status <@${ALICE}|alice> in prod`));

    expect(sections(text)).toEqual([]);
    expect(text).toContain(`arn:aws:iam::${PROD}:user/alice`);
    expect(text).not.toContain(HUB);
    expect(h.org?.sessions.map((s) => s.accountId)).toEqual([PROD]);
  });
});
