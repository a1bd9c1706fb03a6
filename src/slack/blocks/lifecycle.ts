import type { ActionsBlock, KnownBlock } from '@slack/types';
import { ACTION_IDS } from '../ids';
import { neutralizeBroadcasts } from './text';

/** The Cancel button of a pending request (the requester's ack; the home tab reuses it). */
export const cancelButton = (requestId: string) => ({
  type: 'button' as const,
  action_id: ACTION_IDS.cancel,
  text: { type: 'plain_text' as const, text: 'Cancel request' },
  value: requestId,
  confirm: {
    title: { type: 'plain_text' as const, text: 'Cancel this request?' },
    text: { type: 'plain_text' as const, text: `${requestId} will not be applied.` },
    confirm: { type: 'plain_text' as const, text: 'Cancel it' },
    deny: { type: 'plain_text' as const, text: 'Keep it' },
  },
});

/** The Relinquish button of a time-bound grant in effect (its card; DMs and the home tab reuse it). */
export const relinquishButton = (requestId: string) => ({
  type: 'button' as const,
  action_id: ACTION_IDS.relinquish,
  text: { type: 'plain_text' as const, text: 'Relinquish now' },
  value: requestId,
  confirm: {
    title: { type: 'plain_text' as const, text: 'Give this access up?' },
    text: { type: 'plain_text' as const, text: `The access of ${requestId} is removed at once.` },
    confirm: { type: 'plain_text' as const, text: 'Relinquish' },
    deny: { type: 'plain_text' as const, text: 'Keep it' },
  },
});

/** An actions block with one lifecycle button. */
export const lifecycleActions = (
  requestId: string,
  button: ReturnType<typeof cancelButton> | ReturnType<typeof relinquishButton>,
): ActionsBlock => ({ type: 'actions', block_id: `lifecycle:${requestId}`, elements: [button] });

/** The requester's ephemeral ack of a new request: its text and a Cancel button. */
export const pendingAck = (text: string, requestId: string): { blocks: KnownBlock[] } => ({
  blocks: [
    { type: 'section', text: { type: 'mrkdwn', text: neutralizeBroadcasts(text).slice(0, 2900) } },
    lifecycleActions(requestId, cancelButton(requestId)),
  ],
});
