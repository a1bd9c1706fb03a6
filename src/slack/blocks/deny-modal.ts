import type { ModalView } from '@slack/types';
import { DENY_MODAL } from '../ids';

export const MAX_DENY_REASON = 300;

/** The modal a Deny click opens; the request id rides in private_metadata, checked again on submit. */
export function denyModal(requestId: string): ModalView {
  return {
    type: 'modal',
    callback_id: DENY_MODAL.callbackId,
    private_metadata: requestId,
    title: { type: 'plain_text', text: 'Deny request' },
    submit: { type: 'plain_text', text: 'Deny' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `Deny *${requestId}*? The reason is posted in the request's thread.` },
      },
      {
        type: 'input',
        block_id: DENY_MODAL.reasonBlockId,
        label: { type: 'plain_text', text: 'Reason' },
        element: {
          type: 'plain_text_input',
          action_id: DENY_MODAL.reasonActionId,
          multiline: true,
          min_length: 3,
          max_length: MAX_DENY_REASON,
        },
      },
    ],
  };
}
