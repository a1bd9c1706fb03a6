import type { RespondArguments, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { HELP_TEXT } from '../../../src/commands/parse-command';
import { requestIdFor } from '../../../src/domain/submit-request';
import { codebuildAccessCommand } from '../../../src/slack/listeners/commands/codebuild-access';
import { type Harness, REQUESTER, startHarness } from '../../helpers/harness';
import { slashCommandPayload } from '../../helpers/signed-event';
import { fakeAck } from './listener-kit';

/** The slash command listener called directly with Bolt's `command` and a fake `ack`. */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h.stop());

async function run(text: string, deps = h.listenerDeps()) {
  const command = slashCommandPayload({ text, userId: REQUESTER });
  const ack = fakeAck<SlackCommandMiddlewareArgs['ack']>();
  await codebuildAccessCommand(deps, { command, ack });
  expect(ack).toHaveBeenCalledTimes(1);
  const answer = ack.mock.calls[0]?.[0] as RespondArguments;
  return { command, answer };
}

const startedNames = () =>
  h.sfn.calls().flatMap((call) => {
    const name = (call.args[0].input as { name?: unknown }).name;
    return typeof name === 'string' ? [name] : [];
  });

describe('codebuildAccessCommand (called directly)', () => {
  it('answers `help` with the grammar in an ephemeral ack and starts nothing', async () => {
    const { answer } = await run('help');
    expect(answer).toEqual({ response_type: 'ephemeral', text: HELP_TEXT });
    expect(startedNames()).toEqual([]);
  });

  it('records a grant, starts its workflow named after the request, and tells only the requester', async () => {
    h.iam.addUser('alice');
    const { command, answer } = await run('grant user:alice developer because release');
    const requestId = requestIdFor(command.team_id, command.trigger_id);
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain(`Request ${requestId} received: *grant developer for user:alice*`);
    expect(startedNames()).toEqual([requestId]);
    expect(await h.store.get(requestId)).toMatchObject({
      requester: { userId: REQUESTER },
      command: { action: 'grant', tier: 'developer', reason: 'release' },
    });
  });

  it('refuses a command from a workspace the bot does not serve, in the ack, and starts nothing', async () => {
    const { answer } = await run('grant user:alice developer', {
      ...h.listenerDeps(),
      expectedTeamId: 'T0OTHER',
    });
    expect(answer).toEqual({
      response_type: 'ephemeral',
      text: ':warning: This command came from a Slack workspace or app this bot does not serve. Nothing was changed.',
    });
    expect(startedNames()).toEqual([]);
  });

  it('says what was wrong with text it cannot parse', async () => {
    const { answer } = await run('grant user:alice superuser');
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toMatch(/^:warning: .*superuser/);
    expect(startedNames()).toEqual([]);
  });
});
