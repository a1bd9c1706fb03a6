/**
 * Property tests of the fault and attack suite: no input, however odd, makes the parser throw anything
 * but a UsageError, or the handler answer anything but 200, 400 or 401.
 */
import fc from 'fast-check';
import { parseCommand } from '../../src/commands/parse-command';
import { UsageError } from '../../src/domain/errors';
import { ACTION_IDS, DENY_MODAL } from '../../src/slack/ids';
import { APPROVER_1, type Harness, REQUESTER, startHarness } from '../helpers/harness';
import { rawSignedEvent, TEST_SIGNING_SECRET } from '../helpers/signed-event';

const words = fc.constantFrom(
  'grant',
  'revoke',
  'help',
  'for',
  'because',
  'admin',
  'developer',
  'readonly',
  'custom',
  'user:alice',
  'group:qa',
  '<@U123ABC|alice>',
  '<@U1>',
  '@alice',
  '8h',
  '0m',
  '99999d',
  'service-role',
  'create',
  'kms',
  'allow',
  'verify',
  'status',
  '--vpc',
  '--project-prefix',
  'alias/x',
);
const commandText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.array(fc.oneof(words, fc.string({ maxLength: 12 })), { maxLength: 10 }).map((parts) => parts.join(' ')),
);

describe('parseCommand never throws anything but a UsageError with a message', () => {
  it('holds for 10,000 random command texts', () => {
    fc.assert(
      fc.property(commandText, (text) => {
        try {
          const command = parseCommand(text);
          expect(typeof command.action).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          expect((error as UsageError).userMessage.length).toBeGreaterThan(10);
        }
      }),
      { numRuns: 10_000 },
    );
  });
});

describe('random Slack payloads get only 200, 400 or 401', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.iam.addUser('alice');
  });
  afterAll(async () => h.stop());

  const formBody = fc
    .record({
      command: fc.oneof(
        { arbitrary: fc.constant('/codebuild-access'), weight: 4 },
        fc.string({ maxLength: 20 }),
      ),
      text: commandText,
      user_id: fc.oneof(
        { arbitrary: fc.constantFrom(REQUESTER, APPROVER_1), weight: 4 },
        fc.string({ maxLength: 12 }),
      ),
      team_id: fc.oneof({ arbitrary: fc.constant('T0TEAM'), weight: 4 }, fc.string({ maxLength: 12 })),
      channel_id: fc.oneof({ arbitrary: fc.constant('C0REQ'), weight: 4 }, fc.string({ maxLength: 12 })),
      trigger_id: fc.string({ minLength: 1, maxLength: 20 }),
    })
    .map((fields) => new URLSearchParams(fields).toString());
  const interaction = fc
    .record({
      type: fc.constantFrom('block_actions', 'view_submission', 'shortcut', 'message_action', ''),
      user: fc.oneof(
        fc.record({ id: fc.constantFrom(APPROVER_1, REQUESTER) }),
        fc.record({ id: fc.string({ maxLength: 12 }) }),
        fc.constant(null),
        fc.string(),
      ),
      team: fc.oneof(fc.record({ id: fc.constantFrom('T0TEAM', 'T0EVIL') }), fc.constant(null)),
      actions: fc.array(
        fc.record({
          action_id: fc.constantFrom(ACTION_IDS.approve, ACTION_IDS.deny, 'other'),
          value: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('REQ-0000000000')),
        }),
        { maxLength: 2 },
      ),
      view: fc.record({
        callback_id: fc.constantFrom(DENY_MODAL.callbackId, 'other'),
        private_metadata: fc.string({ maxLength: 20 }),
        state: fc.constant({ values: {} }),
      }),
      trigger_id: fc.string({ maxLength: 10 }),
    })
    .map((payload) => `payload=${encodeURIComponent(JSON.stringify(payload))}`);
  const anyBody = fc.oneof(
    { arbitrary: formBody, weight: 3 },
    { arbitrary: interaction, weight: 2 },
    fc.string({ maxLength: 300 }),
    fc.constant('payload=%7B'),
  );

  it('holds for 300 random payloads, signed or not, with odd content types and encodings', async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        anyBody,
        fc.constantFrom(true, true, true, false),
        fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/x-www-form-urlencoded; charset=utf-8',
          'application/x-www-form-urlencoded',
          'application/json',
          'text/plain',
          '',
        ),
        fc.boolean(),
        async (body, signed, contentType, base64) => {
          const event = rawSignedEvent({
            secret: signed ? TEST_SIGNING_SECRET : 'wrong-secret',
            body,
            contentType,
            base64,
          });
          const response = await h.handler(event);
          expect([200, 400, 401]).toContain(response.statusCode);
          seen.set(response.statusCode, (seen.get(response.statusCode) ?? 0) + 1);
        },
      ),
      { numRuns: 300 },
    );
    // The generator must reach past the gate, or the property proves little.
    expect(seen.get(200) ?? 0).toBeGreaterThan(10);
    expect(seen.get(400) ?? 0).toBeGreaterThan(20);
    expect(seen.get(401) ?? 0).toBeGreaterThan(20);
  });
});
