import { parseCommand } from '../../src/commands/parse-command';
import type { Command } from '../../src/domain/command';
import { UsageError } from '../../src/domain/errors';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:us-east-1:111122223333:key/${KEY_ID}`;

describe('parseCommand: the setup verbs', () => {
  it.each<[string, Command]>([
    ['grant user:alice custom', { action: 'grant', target: { kind: 'user', name: 'alice' }, tier: 'custom' }],
    [
      'revoke group:qa CUSTOM because done',
      { action: 'revoke', target: { kind: 'group', name: 'qa' }, tier: 'custom', reason: 'done' },
    ],
    [
      'grant user:alice custom for 8h',
      { action: 'grant', target: { kind: 'user', name: 'alice' }, tier: 'custom', durationSeconds: 28_800 },
    ],
    [
      'service-role create payments-build',
      { action: 'service-role', roleName: 'payments-build', vpc: false, projectPrefix: 'payments-build' },
    ],
    [
      'service-role create payments-build --vpc --project-prefix payments- because new pipeline',
      {
        action: 'service-role',
        roleName: 'payments-build',
        vpc: true,
        projectPrefix: 'payments-',
        reason: 'new pipeline',
      },
    ],
    [
      'service-role CREATE build.role@x --project-prefix team_a',
      { action: 'service-role', roleName: 'build.role@x', vpc: false, projectPrefix: 'team_a' },
    ],
    [
      'kms allow alias/codebuild-artifacts payments-build',
      { action: 'kms-allow', key: 'alias/codebuild-artifacts', roleName: 'payments-build' },
    ],
    [`kms allow ${KEY_ID} payments-build`, { action: 'kms-allow', key: KEY_ID, roleName: 'payments-build' }],
    [
      `kms allow ${KEY_ARN} payments-build because artifacts`,
      { action: 'kms-allow', key: KEY_ARN, roleName: 'payments-build', reason: 'artifacts' },
    ],
    [
      'kms create alias/payments payments-build',
      { action: 'kms-create', alias: 'alias/payments', roleName: 'payments-build' },
    ],
    [
      'kms create payments payments-build',
      { action: 'kms-create', alias: 'alias/payments', roleName: 'payments-build' },
    ],
    ['verify user:alice', { action: 'verify', target: { kind: 'user', name: 'alice' } }],
    [
      'status <@U0ALICE|alice>',
      { action: 'status', target: { kind: 'slack', slackUserId: 'U0ALICE', label: 'alice' } },
    ],
  ])('%s', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each([
    ['service-role payments-build', 'Use `service-role create <RoleName>'],
    ['service-role create', 'Use `service-role create <RoleName>'],
    ['service-role create bad/name', 'is not a valid IAM role name'],
    [
      'service-role create x --project-prefix team-*',
      '`--project-prefix` needs a CodeBuild project name prefix',
    ],
    ['service-role create x --project-prefix', '`--project-prefix` needs'],
    ['service-role create x --vpc --vpc', "I didn't expect `--vpc`"],
    ['service-role create x --subnets a', "I didn't expect `--subnets`"],
    ['service-role create a+b', 'cannot double as a project prefix'],
    ['kms allow alias/x', 'Use `kms allow'],
    ['kms rotate alias/x role', 'Use `kms allow'],
    ['kms allow not-a-key role', 'is not a KMS key'],
    ['kms allow alias/x role extra', "I didn't expect `extra`"],
    ['kms create alias/aws/s3 role', 'is not an alias I can create'],
    ['kms create alias/a*b role', 'is not an alias I can create'],
    ['verify', '`verify` takes one target'],
    ['status user:a user:b', '`status` takes one target'],
    ['verify bob', 'is not a target'],
    ['cancel', '`cancel` takes one request id'],
    ['relinquish REQ-1 now', '`relinquish` takes one request id'],
    ['relinquish grant-7', '`grant-7` is not a request id'],
    [
      'deploy everything',
      'Use `grant`, `revoke`, `service-role`, `kms`, `verify`, `status`, `cancel`, `relinquish`, `extend`, `rules` or `help`',
    ],
  ])('%s is refused: %s', (text, message) => {
    expect(() => parseCommand(text)).toThrow(UsageError);
    expect(() => parseCommand(text)).toThrow(message);
  });
});
