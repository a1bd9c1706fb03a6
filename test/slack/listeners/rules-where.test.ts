import { type AccessRules, defaultAccessRules } from '../../../src/domain/access-rules';
import { rulesWhere } from '../../../src/slack/listeners/commands/codebuild-access';

/** Which account `/codebuild-access rules` names: a pure decision, pinned table by table. */
const single: AccessRules = { ...defaultAccessRules('access-rules.yml'), defaultAccount: 'hub' };
const perAccount: AccessRules = {
  ...single,
  accounts: { prod: defaultAccessRules().tiers, dev: defaultAccessRules().tiers },
};

describe('rulesWhere', () => {
  it.each([
    ['no account at all', single, undefined, undefined, undefined],
    ['one set of rules, none asked for', single, 'hub', undefined, undefined],
    [
      'one set of rules, an account asked for',
      single,
      'prod',
      'prod',
      { account: 'prod', own: false, others: [] },
    ],
    [
      'rules per account, the default one',
      perAccount,
      'hub',
      undefined,
      { account: 'hub', own: false, others: ['prod', 'dev'] },
    ],
    [
      'rules per account, one with its own asked for',
      perAccount,
      'prod',
      'prod',
      { account: 'prod', own: true, others: ['dev'] },
    ],
  ])('%s', (_case, all, account, asked, expected) => {
    expect(rulesWhere(all, account, asked)).toEqual(expected);
  });
});
