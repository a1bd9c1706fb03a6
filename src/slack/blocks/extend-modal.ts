import type { ModalView, PlainTextOption } from '@slack/types';
import { formatDuration } from '../../commands/parse-command';
import { EXTEND_MODAL } from '../ids';
import { DURATION_CHOICES_SECONDS, durationLabel, FORM_REASON_MAX } from './request-form';
import { slackDate } from './text';

export interface ExtendModalOptions {
  grantId: string;
  /** What the grant gives, as its Home line says it ("grant alice developer for 3h"). */
  summary: string;
  /** The grant's end now. */
  endsAt: string;
  /** How much longer the tier's longest duration still allows (original plus extensions). */
  remainingSeconds: number;
}

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

/** The round choices up to what is left, and what is left itself when it is not one of them. */
export function extendChoices(remainingSeconds: number): number[] {
  const choices = DURATION_CHOICES_SECONDS.filter((seconds) => seconds <= remainingSeconds);
  return remainingSeconds >= 60 && !choices.includes(remainingSeconds)
    ? [...choices, remainingSeconds]
    : choices;
}

/**
 * The modal the Home tab's Extend opens: how much longer (only what the tier's limit still allows) and
 * why. It submits the same request as `extend REQ-… by 2h because …`. Pure; the listener opens it.
 */
export function extendModal(options: ExtendModalOptions): ModalView {
  const choices: PlainTextOption[] = extendChoices(options.remainingSeconds).map((seconds) => ({
    text: plain(durationLabel(seconds)),
    value: formatDuration(seconds),
  }));
  return {
    type: 'modal',
    callback_id: EXTEND_MODAL.callbackId,
    private_metadata: options.grantId,
    title: plain('Extend access'),
    submit: plain('Ask to extend'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text:
            `*${options.summary}* (${options.grantId}) ends ${slackDate(options.endsAt)}. ` +
            'An approver decides, as for the grant; the end moves only when it is approved.',
        },
      },
      {
        type: 'input',
        block_id: EXTEND_MODAL.durationBlockId,
        label: plain('Extend by'),
        hint: plain(
          `The tier's longest grant leaves at most ${durationLabel(options.remainingSeconds)} more.`,
        ),
        element: {
          type: 'static_select',
          action_id: EXTEND_MODAL.durationActionId,
          placeholder: plain('How much longer'),
          options: choices,
        },
      },
      {
        type: 'input',
        block_id: EXTEND_MODAL.reasonBlockId,
        optional: true,
        label: plain('Reason'),
        hint: plain('Shown to the approvers with the request.'),
        element: {
          type: 'plain_text_input',
          action_id: EXTEND_MODAL.reasonActionId,
          multiline: true,
          max_length: FORM_REASON_MAX,
          placeholder: plain('the release slipped to tonight'),
        },
      },
    ],
  };
}
