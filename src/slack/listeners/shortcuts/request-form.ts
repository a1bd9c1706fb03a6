import type { GlobalShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { answerFor } from '../answer';
import { openRequestForm, type RequestFormDeps, servedBy, tellRequester } from '../request-form';

/** The global shortcut (the ⚡ menu): opens the request form; the answer to the request comes by DM. */
export async function requestFormShortcut(
  deps: RequestFormDeps,
  { ack, shortcut }: Pick<SlackShortcutMiddlewareArgs<GlobalShortcut>, 'ack' | 'shortcut'>,
): Promise<void> {
  await ack();
  const teamId = shortcut.team?.id ?? shortcut.user.team_id;
  if (!servedBy(deps, teamId, null)) {
    deps.log.warn('a shortcut from a workspace this bot does not serve', { teamId });
    return;
  }
  try {
    await openRequestForm(deps, shortcut.trigger_id, {});
  } catch (error) {
    await tellRequester(deps, {}, shortcut.user.id, answerFor(error, deps, shortcut.trigger_id));
  }
}
