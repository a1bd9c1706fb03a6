/**
 * The bounds of `status`/`verify` across accounts (inspectAcrossAccounts): at most
 * ACROSS_ACCOUNTS_CONCURRENCY accounts read at once, and an account still reading when the budget ends
 * is shown as not answering, without holding up the answer. Fake timers: no real time passes.
 */
import type { AccountAccess, AccountPorts, TargetAccount } from '../../src/domain/accounts';
import {
  ACROSS_ACCOUNTS_BUDGET_MS,
  ACROSS_ACCOUNTS_CONCURRENCY,
  type InspectDeps,
  inspectAcrossAccounts,
} from '../../src/domain/inspect-target';
import type { PrincipalRef } from '../../src/domain/plans';
import { accountContextFor } from '../../src/domain/plans';
import type { IamPort } from '../../src/domain/ports';

const HUB = '111122223333';

/** IAM of one account where user alice exists with no policy; each read waits for `gate`. */
const iamOf = (accountId: string, gate: () => Promise<void>): IamPort =>
  ({
    findPrincipal: async (kind: 'user' | 'group', name: string): Promise<PrincipalRef> => {
      await gate();
      return { kind, name, arn: `arn:aws:iam::${accountId}:${kind}/${name}` };
    },
    listAttachedPolicyArns: async () => [],
    listInlinePolicies: async () => ({}),
  }) as unknown as IamPort;

function organization(
  members: Record<string, string>,
  gateFor: (account: TargetAccount) => () => Promise<void>,
) {
  let inFlight = 0;
  let most = 0;
  const access: AccountAccess = {
    directory: { hubName: 'hub', hubId: HUB, members, defaultName: 'hub' },
    context: (account) =>
      accountContextFor({ accountId: account.id, region: 'us-east-1', partition: 'aws', stage: 'dev' }),
    ports: async (account): Promise<AccountPorts> => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      const gate = gateFor(account);
      return {
        iam: iamOf(account.id, async () => {
          await gate();
          inFlight -= 1;
        }),
      };
    },
  };
  const deps = {
    accounts: access,
    iam: iamOf(HUB, async () => undefined),
  } as unknown as InspectDeps;
  return { deps, most: () => most };
}

const command = { action: 'status' as const, target: { kind: 'user' as const, name: 'alice' } };

afterEach(() => jest.useRealTimers());

describe('status across accounts stays bounded', () => {
  it(`reads at most ${ACROSS_ACCOUNTS_CONCURRENCY} member accounts at once, and answers for all 12`, async () => {
    const members = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [`team-${i}`, String(200000000000 + i)]),
    );
    // Every read yields to the event loop a few times, so reads overlap as far as the bound lets them.
    const yieldSome = () => async () => {
      for (let i = 0; i < 5; i += 1) await Promise.resolve();
    };
    const { deps, most } = organization(members, yieldSome);

    const notice = await inspectAcrossAccounts(deps, command, 'U0ASKER');

    expect(notice.sections).toHaveLength(12);
    expect(notice.sections.map((s) => s.outcome.kind)).toEqual(Array(12).fill('status_report'));
    expect(most()).toBeLessThanOrEqual(ACROSS_ACCOUNTS_CONCURRENCY);
    expect(most()).toBeGreaterThan(1);
  });

  it('an account that never answers is shown as timed out once the budget ends; the others answer', async () => {
    jest.useFakeTimers();
    const never = () => () => new Promise<void>(() => undefined);
    const now = () => async () => undefined;
    const { deps } = organization({ dev: '444455556666', prod: '777788889999' }, (account) =>
      account.name === 'prod' ? never() : now(),
    );

    const answer = inspectAcrossAccounts(deps, command, 'U0ASKER');
    await jest.advanceTimersByTimeAsync(ACROSS_ACCOUNTS_BUDGET_MS);
    const notice = await answer;

    expect(notice.sections.map((s) => [s.account.name, s.outcome.kind])).toEqual([
      ['hub', 'status_report'],
      ['dev', 'status_report'],
      ['prod', 'timed_out'],
    ]);
  });
});
