import type { ViewStateValue } from '@slack/bolt';
import { parseCommand } from '../../src/commands/parse-command';
import { FORM_ERRORS, type LimitsFor } from '../../src/slack/blocks/request-form';
import { REQUEST_FORM } from '../../src/slack/ids';
import { readRequestForm } from '../../src/slack/read-request-form';

// readRequestForm is the form's parser: each field checked on its own, then the grammar's parseCommand.
// Through the handler: test/slack/request-form.test.ts. Here, the rules a tier may carry (a required
// duration or reason, a shorter limit), which the form checks field by field.

const { blocks: ids, actions } = REQUEST_FORM;

const select = (value?: string): ViewStateValue => ({
  type: 'static_select',
  selected_option: value === undefined ? null : { text: { type: 'plain_text', text: value }, value },
});

const values = (fields: {
  person?: string;
  iam?: string;
  action?: string;
  tier?: string;
  duration?: string;
  reason?: string;
}) => ({
  [ids.person]: { [actions.person]: { type: 'users_select', selected_user: fields.person ?? null } },
  [ids.iamTarget]: { [actions.iamTarget]: { type: 'plain_text_input', value: fields.iam ?? null } },
  [ids.action]: { [actions.action]: select(fields.action ?? 'grant') },
  [ids.tier]: { [actions.tier]: select(fields.tier) },
  [ids.duration]: { [actions.duration]: select(fields.duration) },
  [ids.reason]: { [actions.reason]: { type: 'plain_text_input', value: fields.reason ?? null } },
});

// admin: at most 1h and time-bound, with a reason; the others: 7 days, nothing required.
const limits: LimitsFor = (tier) =>
  tier === 'admin'
    ? { maxDurationSeconds: 3600, durationRequired: true, reasonRequired: true }
    : { maxDurationSeconds: 7 * 86_400, durationRequired: false, reasonRequired: false };

describe('readRequestForm', () => {
  it.each([
    [{ person: 'U0ALICE', tier: 'developer' }, `grant <@U0ALICE> developer`],
    [{ iam: 'group:qa', action: 'revoke', tier: 'readonly' }, 'revoke group:qa readonly'],
    [
      { iam: 'user:alice', tier: 'admin', duration: '1h', reason: ' prod  build\nis down ' },
      'grant user:alice admin for 1h because prod build is down',
    ],
    [
      { iam: 'USER:alice', tier: 'custom', reason: 'because reasons' },
      'grant USER:alice custom because because reasons',
    ],
  ])('%j reads as the typed `%s`', (fields, typed) => {
    const reading = readRequestForm(values(fields), limits);
    expect(reading).toMatchObject({ kind: 'command', text: typed });
    expect(reading.kind === 'command' && reading.command).toEqual(parseCommand(typed));
  });

  it.each<[string, Parameters<typeof values>[0], Record<string, string>]>([
    [
      'a missing required duration',
      { iam: 'user:alice', tier: 'admin', reason: 'incident' },
      { [ids.duration]: FORM_ERRORS.durationRequired('admin') },
    ],
    [
      'a missing required reason',
      { iam: 'user:alice', tier: 'admin', duration: '1h' },
      { [ids.reason]: FORM_ERRORS.reasonRequired('admin') },
    ],
    [
      'a reason of blanks only',
      { iam: 'user:alice', tier: 'admin', duration: '30m', reason: '  \n ' },
      { [ids.reason]: FORM_ERRORS.reasonRequired('admin') },
    ],
    [
      'a duration past the tier’s own limit',
      { iam: 'user:alice', tier: 'admin', duration: '8h', reason: 'x' },
      { [ids.duration]: FORM_ERRORS.durationTooLong('admin', 3600) },
    ],
    [
      'an action the form does not offer',
      { iam: 'user:alice', action: 'kms', tier: 'developer' },
      { [ids.action]: 'Pick grant or revoke.' },
    ],
    [
      'a forged person that is no user id',
      { person: 'U0X> group:admins', tier: 'developer' },
      { [ids.person]: FORM_ERRORS.notAPerson },
    ],
    ['a tier that does not exist', { iam: 'user:alice', tier: 'root' }, { [ids.tier]: FORM_ERRORS.noTier }],
  ])('%s is an error on its own field', (_name, fields, errors) => {
    expect(readRequestForm(values(fields), limits)).toEqual({ kind: 'errors', errors });
  });

  it('a required duration or reason does not apply to a revoke', () => {
    expect(
      readRequestForm(values({ iam: 'user:alice', action: 'revoke', tier: 'admin' }), limits),
    ).toMatchObject({
      kind: 'command',
      text: 'revoke user:alice admin',
    });
  });

  it('says which block named the target, for errors Slack or IAM give later', () => {
    expect(readRequestForm(values({ person: 'U0ALICE', tier: 'developer' }), limits)).toMatchObject({
      targetBlock: ids.person,
    });
    expect(readRequestForm(values({ iam: 'user:alice', tier: 'developer' }), limits)).toMatchObject({
      targetBlock: ids.iamTarget,
    });
  });
});
