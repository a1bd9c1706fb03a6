import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessRulesEnv, accessRulesEnvOfFile } from '../../scripts/access-rules-env';
import { AccessRulesError, parseAccessRules } from '../../src/access-rules-file';
import { loadConfig } from '../../src/config';
import { DEFAULTS } from '../../src/domain/defaults';

const MAX = DEFAULTS.maxGrantDurationSeconds;
const parse = (yaml: string) => parseAccessRules(accessRulesEnv(yaml), MAX);
const BASE_ENV = { REQUESTS_TABLE: 'requests', AUDIT_CHANNEL_ID: 'C0AUDIT' };

describe('access-rules.yml', () => {
  it('the shipped file is valid and keeps the behaviour of a bot without rules', () => {
    const rules = parseAccessRules(accessRulesEnvOfFile(), MAX);
    expect(rules.source).toBe('access-rules.yml');
    expect(rules.tiers.admin).toMatchObject({ approvals: 2, autoApprove: false, breakGlass: false });
    expect(rules.tiers.custom.approvals).toBe(2);
    expect(rules.tiers.developer).toMatchObject({ approvals: 1, maxDurationSeconds: 604_800 });
    expect(rules.tiers.readonly.requesters).toBeUndefined();
    expect(rules.tiers.readonly.approvers).toBeUndefined();
  });

  it('reads every key of a tier', () => {
    const rules = parse(
      [
        'tiers:',
        '  developer:',
        '    requesters: [U0ALICE, S0DEVS]',
        '    approvers: [U0LEAD]',
        '    approvals: 3',
        '    max_duration: 8h',
        '    duration_required: true',
        '    reason_required: true',
        '  readonly:',
        '    auto_approve: true',
        '  custom:',
        '    approvals: 4',
      ].join('\n'),
    );
    expect(rules.tiers.developer).toEqual({
      requesters: ['U0ALICE', 'S0DEVS'],
      approvers: ['U0LEAD'],
      approvals: 3,
      maxDurationSeconds: 28_800,
      durationRequired: true,
      reasonRequired: true,
      autoApprove: false,
      breakGlass: false,
    });
    expect(rules.tiers.readonly.autoApprove).toBe(true);
    expect(rules.tiers.custom.approvals).toBe(4);
    // A tier the file leaves out keeps its floor of two approvals.
    expect(rules.tiers.admin.approvals).toBe(2);
  });

  it('a break-glass tier is time-bound (1h unless it says otherwise) and needs a reason', () => {
    const rules = parse('tiers:\n  developer:\n    break_glass: true\n');
    expect(rules.tiers.developer).toMatchObject({
      breakGlass: true,
      maxDurationSeconds: 3600,
      durationRequired: true,
      reasonRequired: true,
      approvals: 1,
    });
  });

  it.each([
    [
      'admin approvals lowered below two',
      'version: 1\ntiers:\n  developer:\n    approvals: 1\n  admin:\n    approvals: 1\n',
      'Invalid access rules: access-rules.yml line 6 (tiers.admin.approvals): admin needs at least 2 different approvers (it lets its holder escalate); this cannot be lowered',
    ],
    [
      'custom approvals lowered below two',
      'tiers:\n  custom:\n    reason_required: true\n    approvals: 1\n',
      'Invalid access rules: access-rules.yml line 4 (tiers.custom.approvals): custom needs at least 2 different approvers (it lets its holder escalate); this cannot be lowered',
    ],
    [
      'auto_approve on developer',
      'tiers:\n  developer:\n    auto_approve: true\n',
      'Invalid access rules: access-rules.yml line 3 (tiers.developer.auto_approve): auto_approve is allowed only for readonly',
    ],
    [
      'break_glass on admin',
      '# comment\ntiers:\n  admin:\n    break_glass: true\n',
      'Invalid access rules: access-rules.yml line 4 (tiers.admin.break_glass): break_glass is not allowed for admin: it needs 2 different approvers, and the requester is one person',
    ],
    [
      'a misspelt key',
      'tiers:\n  readonly:\n    auto_aprove: true\n',
      'Invalid access rules: access-rules.yml line 3 (tiers.readonly.auto_aprove): Unrecognized key: "auto_aprove"',
    ],
    [
      'an unknown tier',
      'tiers:\n  superuser:\n    approvals: 1\n',
      'Invalid access rules: access-rules.yml line 2 (tiers.superuser)',
    ],
    [
      'a bad Slack id',
      'tiers:\n  developer:\n    approvers:\n      - alice\n',
      'Invalid access rules: access-rules.yml line 4 (tiers.developer.approvers.0): must be a Slack user id (U0123ABCD) or user-group id (S0123ABCD)',
    ],
    [
      'a bad duration',
      'tiers:\n  developer:\n    max_duration: forever\n',
      'Invalid access rules: access-rules.yml line 3 (tiers.developer.max_duration): "forever" is not a duration like 30m, 8h or 2d',
    ],
    [
      'a duration over MAX_GRANT_DURATION_SECONDS',
      'tiers:\n  developer:\n    max_duration: 30d\n',
      'Invalid access rules: access-rules.yml line 3 (tiers.developer.max_duration): 30d is longer than MAX_GRANT_DURATION_SECONDS (7d)',
    ],
    [
      'approvals that are not a number',
      'tiers:\n  developer:\n\n    approvals: two\n',
      'Invalid access rules: access-rules.yml line 4 (tiers.developer.approvals): Invalid input: expected number, received string',
    ],
  ])('rejects %s, naming the line of the key', (_what, yaml, message) => {
    let error: unknown;
    try {
      parse(yaml);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AccessRulesError);
    expect((error as AccessRulesError).userMessage).toContain(message);
  });

  it('a YAML syntax error names its line when the file is converted (at deploy)', () => {
    expect(() => accessRulesEnv('tiers:\n  admin:\n    approvals: [2\n  developer: {\n')).toThrow(
      /^Invalid access rules: access-rules\.yml line \d+: /,
    );
  });

  it('the functions refuse to start on invalid rules, with the line, through loadConfig', () => {
    expect(() =>
      loadConfig({ ...BASE_ENV, ACCESS_RULES: accessRulesEnv('tiers:\n  readonly:\n    approvals: 0\n') }),
    ).toThrow('Invalid access rules: access-rules.yml line 3 (tiers.readonly.approvals)');
    expect(() => loadConfig({ ...BASE_ENV, ACCESS_RULES: 'tiers: {}' })).toThrow(
      'ACCESS_RULES is not what scripts/access-rules-env.js makes of access-rules.yml',
    );
  });

  it('without ACCESS_RULES every tier keeps the built-in defaults', () => {
    const { accessRules } = loadConfig(BASE_ENV);
    expect(accessRules.source).toBe('built-in defaults');
    expect(accessRules.tiers.admin.approvals).toBe(2);
    expect(accessRules.tiers.readonly.approvals).toBe(1);
  });

  it('serverless.yml loads the file into every function at deploy', () => {
    const serverless = readFileSync(join(__dirname, '..', '..', 'serverless.yml'), 'utf8');
    expect(serverless).toMatch(/^ {4}ACCESS_RULES: \$\{file\(\.\/scripts\/access-rules-env\.js\)\}$/m);
  });
});
