import { parseCommand } from '../../src/commands/parse-command';
import { UsageError } from '../../src/domain/errors';

const usageMessage = (text: string): string => {
  try {
    parseCommand(text);
  } catch (error) {
    if (error instanceof UsageError) return error.userMessage;
    throw error;
  }
  throw new Error(`"${text}" parsed without error`);
};

describe('parseCommand', () => {
  it.each([
    ['', { action: 'help' }],
    ['help', { action: 'help' }],
    ['  HELP ', { action: 'help' }],
    [
      'grant user:alice developer',
      { action: 'grant', target: { kind: 'user', name: 'alice' }, tier: 'developer' },
    ],
    ['grant group:qa readonly', { action: 'grant', target: { kind: 'group', name: 'qa' }, tier: 'readonly' }],
    [
      'grant <@U123ABC|alice> admin because incident 42',
      {
        action: 'grant',
        target: { kind: 'slack', slackUserId: 'U123ABC', label: 'alice' },
        tier: 'admin',
        reason: 'incident 42',
      },
    ],
    [
      'grant <@U123ABC> readonly',
      { action: 'grant', target: { kind: 'slack', slackUserId: 'U123ABC' }, tier: 'readonly' },
    ],
    [
      'Grant USER:alice Developer',
      { action: 'grant', target: { kind: 'user', name: 'alice' }, tier: 'developer' },
    ],
    [
      'grant user:alice.smith@example.com developer for 8h because on call',
      {
        action: 'grant',
        target: { kind: 'user', name: 'alice.smith@example.com' },
        tier: 'developer',
        durationSeconds: 28800,
        reason: 'on call',
      },
    ],
    [
      'revoke user:bob developer',
      { action: 'revoke', target: { kind: 'user', name: 'bob' }, tier: 'developer' },
    ],
  ])('parses %j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each([
    ['frobnicate', "I don't know the command `frobnicate`"],
    ['grant', '`grant` needs a target and a tier'],
    ['grant user:alice', '`grant` needs a target and a tier'],
    ['grant alice developer', '`alice` is not a target'],
    ['grant @alice developer', 'Pick the person from Slack'],
    ['grant user:al/ice developer', 'is not a valid IAM user name'],
    ['grant user:alice superuser', '`superuser` is not a tier'],
    ['grant user:alice developer please', "I didn't expect `please` after the tier"],
    ['grant user:alice developer because', '`because` must be followed by a reason'],
    ['grant user:alice developer for', '`for` must be followed by a duration'],
    ['grant user:alice developer for 8y', '`8y` is not a duration'],
    ['grant user:alice developer for 30d', 'longer than the maximum of 7d'],
    ['revoke user:alice developer for 8h', "I didn't expect `for 8h`"],
    [`grant user:alice developer because ${'x'.repeat(301)}`, 'keep it under 300'],
  ])('rejects %j with a message that says what was wrong', (text, fragment) => {
    const message = usageMessage(text);
    expect(message).toContain(fragment);
    expect(message).toContain('/codebuild-access help');
  });
});

describe('parseCommand: extend', () => {
  it('reads `extend REQ-… by 2h` in any case', () => {
    expect(parseCommand('extend req-7k3qx9m2pa BY 2h')).toEqual({
      action: 'extend',
      requestId: 'REQ-7K3QX9M2PA',
      durationSeconds: 7200,
    });
  });

  it('reads a reason after `because`, as the Extend modal sends it', () => {
    expect(parseCommand('extend REQ-7K3QX9M2PA by 2h because the release slipped')).toEqual({
      action: 'extend',
      requestId: 'REQ-7K3QX9M2PA',
      durationSeconds: 7200,
      reason: 'the release slipped',
    });
  });

  it.each([
    [
      'extend',
      '`extend` takes a request id and `by` a duration, e.g. `extend REQ-7K3QX9M2PA by 2h because the release slipped`.',
    ],
    ['extend REQ-7K3QX9M2PA 2h', '`extend` takes a request id and `by` a duration'],
    ['extend REQ-7K3QX9M2PA by', '`extend` takes a request id and `by` a duration'],
    ['extend REQ-7K3QX9M2PA by 2h now', '`extend` takes a request id and `by` a duration'],
    ['extend 42 by 2h', '`42` is not a request id'],
    ['extend REQ-7K3QX9M2PA by two', '`two` is not a duration. Use a number and m, h or d'],
    ['extend REQ-7K3QX9M2PA by 0h', '`0h` is not a duration'],
    ['extend REQ-7K3QX9M2PA by 99d', '`99d` is longer than the maximum of 7d'],
  ])('refuses `%s` with the grammar', (text, message) => {
    expect(() => parseCommand(text)).toThrow(UsageError);
    expect(() => parseCommand(text)).toThrow(message);
  });
});
