import type { App, RespondArguments } from '@slack/bolt';
import { HELP_TEXT, parseCommand } from '../../commands/parse-command';
import { BotError } from '../../domain/errors';
import { type SubmitDeps, submitRequest } from '../../domain/submit-request';
import { SLASH_COMMAND } from '../ids';

const ephemeral = (text: string): RespondArguments => ({ response_type: 'ephemeral', text });

/** `/codebuild-access …`: parse, resolve, record, start the workflow, and answer within Slack's 3 s. */
export function registerCommandListener(app: App, deps: SubmitDeps): void {
  app.command(SLASH_COMMAND, async ({ command, ack }) => {
    let reply: string;
    try {
      const parsed = parseCommand(command.text ?? '');
      if (parsed.action === 'help') {
        reply = HELP_TEXT;
      } else {
        reply = await submitRequest(deps, {
          command: parsed,
          requester: { userId: command.user_id, teamId: command.team_id, userName: command.user_name },
          channelId: command.channel_id,
          triggerId: command.trigger_id,
        });
      }
    } catch (error) {
      reply = answerFor(error, deps, command.trigger_id);
    }
    await ack(ephemeral(reply));
  });
}

/** A known error's own message; anything else is logged and answered with a reference. */
export function answerFor(error: unknown, deps: Pick<SubmitDeps, 'log'>, ref: string): string {
  if (error instanceof BotError) return `:warning: ${error.userMessage}`;
  deps.log.error('unexpected error in a Slack listener', {
    ref,
    error:
      error instanceof Error
        ? { name: error.name, message: error.message, stack: error.stack }
        : String(error),
  });
  return `:warning: Something went wrong (ref ${ref}). Nothing was changed; try again, and if it persists tell the bot's admins the ref.`;
}
