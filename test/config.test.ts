import { ConfigError, loadConfig, MAX_EXECUTION_SECONDS, STEPS_ALLOWANCE_SECONDS } from '../src/config';

const BASE = { REQUESTS_TABLE: 'requests', AUDIT_CHANNEL_ID: 'C0AUDIT' };
const LONGEST = MAX_EXECUTION_SECONDS - STEPS_ALLOWANCE_SECONDS;

describe('loadConfig: an approval wait plus a grant must fit in one Step Functions execution', () => {
  it.each([
    ['the defaults (1 day + 7 days)', {}, 86_400, 604_800],
    [
      'exactly the longest that fits',
      { APPROVAL_TIMEOUT_SECONDS: '86400', MAX_GRANT_DURATION_SECONDS: String(LONGEST - 86_400) },
      86_400,
      LONGEST - 86_400,
    ],
  ])('accepts %s', (_name, env, approval, grant) => {
    expect(loadConfig({ ...BASE, ...env })).toMatchObject({
      approvalTimeoutSeconds: approval,
      maxGrantDurationSeconds: grant,
    });
  });

  it.each([
    ['one second too long', '86400', String(LONGEST - 86_400 + 1)],
    ['a year of grant after a day of approval', '86400', '31536000'],
    ['a year of approval wait', '31536000', '60'],
  ])('refuses %s, naming both variables and the one-year limit', (_name, approval, grant) => {
    const load = () =>
      loadConfig({ ...BASE, APPROVAL_TIMEOUT_SECONDS: approval, MAX_GRANT_DURATION_SECONDS: grant });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      `Invalid configuration: APPROVAL_TIMEOUT_SECONDS (${approval}) + MAX_GRANT_DURATION_SECONDS (${grant}) = ` +
        `${Number(approval) + Number(grant)} s, longer than one workflow run can last: a Step Functions Standard ` +
        'execution ends after one year (31536000 s), and 86400 s of that are kept for planning, applying, ' +
        'verifying and revoking. Lower one of them.',
    );
  });
});
