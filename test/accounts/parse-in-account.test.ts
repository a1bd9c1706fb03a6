import { parseCommand } from '../../src/commands/parse-command';
import { loadConfig } from '../../src/config';
import { UsageError } from '../../src/domain/errors';

const accounts = loadConfig({
  REQUESTS_TABLE: 'requests',
  AUDIT_CHANNEL_ID: 'C0AUDIT',
  AWS_ACCOUNT_ID: '111122223333',
  ACCOUNTS: 'dev=444455556666,prod=777788889999',
}).accounts;
const parse = (text: string) => parseCommand(text, { maxDurationSeconds: 604_800, accounts });

describe('`in <account>` on every command', () => {
  it.each([
    [
      'grant <@U0ALICE> developer in prod for 8h because on-call',
      {
        action: 'grant',
        target: { kind: 'slack', slackUserId: 'U0ALICE' },
        tier: 'developer',
        account: 'prod',
        durationSeconds: 28_800,
        reason: 'on-call',
      },
    ],
    ['revoke user:bob developer in dev', { action: 'revoke', tier: 'developer', account: 'dev' }],
    ['grant user:bob readonly because in prod it breaks', { reason: 'in prod it breaks' }],
    ['status user:bob in PROD', { action: 'status', account: 'prod' }],
    ['verify in hub user:bob', { action: 'verify', account: 'hub', target: { kind: 'user', name: 'bob' } }],
    [
      'service-role create payments-build --regions us-east-1,eu-west-1 in prod',
      {
        action: 'service-role',
        account: 'prod',
        regions: ['us-east-1', 'eu-west-1'],
        projectPrefix: 'payments-build',
      },
    ],
    [
      'kms allow alias/x payments-build in prod/eu-west-1',
      { action: 'kms-allow', key: 'alias/x', account: 'prod', region: 'eu-west-1' },
    ],
    ['kms create alias/y payments-build in dev', { action: 'kms-create', account: 'dev' }],
  ])('%s', (text, expected) => {
    expect(parse(text)).toMatchObject(expected);
  });

  it.each([
    [
      'grant user:bob developer in staging',
      "I don't know the account `staging`. The accounts configured are `hub`, `dev`, `prod`",
    ],
    ['grant user:bob developer in', '`in` must be followed by an account name'],
    ['grant user:bob developer in prod/eu-west-1', 'Only `kms` commands take a region'],
    ['kms allow alias/x role in prod/mars', '`mars` is not a region'],
    ['service-role create r --regions nowhere', '`--regions` needs 1 to 10 regions'],
  ])('refuses %s with a clear answer', (text, message) => {
    expect(() => parse(text)).toThrow(UsageError);
    expect(() => parse(text)).toThrow(message);
  });
});
