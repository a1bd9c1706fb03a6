import { BotError, TransientError } from '../../domain/errors';
import type { Log } from '../../domain/ports';

/**
 * What a listener tells the user about an error. Listeners never change AWS themselves (the workflow
 * does), so every answer can say that nothing was changed. Unknown errors are logged with a reference
 * and never shown.
 */
export function answerFor(error: unknown, deps: { log: Log }, ref: string): string {
  if (error instanceof BotError) {
    const message = error.userMessage;
    const nothingChanged = /nothing was changed/i.test(message) ? '' : ' Nothing was changed.';
    const later = error instanceof TransientError ? ' Try again in a minute.' : '';
    return `:warning: ${message}${nothingChanged}${later}`;
  }
  deps.log.error('unexpected error in a Slack listener', {
    ref,
    error,
  });
  return `:warning: Something went wrong (ref ${ref}). Nothing was changed; try again, and if it persists tell the bot's admins the ref.`;
}
