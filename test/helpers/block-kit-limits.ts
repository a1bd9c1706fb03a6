/**
 * Slack's documented Block Kit limits, checked on what the bot builds. Written from Slack's reference
 * (docs.slack.dev/reference/block-kit/blocks, …/block-elements, …/composition-objects,
 * …/views/modal-views, chat.postMessage "Truncating content"), not from src/slack/blocks/limits.ts, so
 * a builder that gets a limit wrong fails here. `violations` returns one line per broken limit with
 * the path to it; an empty list means Slack would accept the payload. The one checker of Slack's limits
 * in the tests: it takes the @slack/types shapes the builders return.
 */
import type { Block, KnownBlock, View } from '@slack/types';
import type { RenderedMessage } from '../../src/domain/notices';

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  /** chat.postMessage truncates text after 40,000 characters and advises keeping it within 4,000. */
  messageText: 4000,
  blockId: 255,
  actionId: 255,
  textObject: 3000,
  sectionFields: 10,
  sectionField: 2000,
  header: 150,
  contextElements: 10,
  actionsElements: 25,
  inputLabel: 2000,
  inputHint: 2000,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  placeholder: 150,
  selectOptions: 100,
  optionGroups: 100,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  radioOptions: 10,
  checkboxOptions: 10,
  overflowOptions: 5,
  plainTextInputMax: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
} as const;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;
const textOf = (value: unknown): string | undefined =>
  isObject(value) && typeof value.text === 'string' ? value.text : undefined;

class Checker {
  readonly found: string[] = [];
  /** Block ids already used in this message or view: Slack refuses a repeated one. */
  private readonly blockIds = new Set<string>();

  max(path: string, length: number | undefined, limit: number, what = 'characters'): void {
    if (length !== undefined && length > limit) this.found.push(`${path}: ${length} ${what} > ${limit}`);
  }

  string(path: string, value: unknown, limit: number): void {
    if (value === undefined) return;
    if (typeof value !== 'string') this.found.push(`${path}: not a string`);
    else this.max(path, value.length, limit);
  }

  /** A text object: 1 to `limit` characters, of a known type. */
  text(path: string, value: unknown, limit: number, plainOnly = false): void {
    if (value === undefined) return;
    const text = textOf(value);
    if (!isObject(value) || text === undefined) {
      this.found.push(`${path}: not a text object`);
      return;
    }
    if (value.type !== 'plain_text' && (plainOnly || value.type !== 'mrkdwn'))
      this.found.push(`${path}: text type ${String(value.type)}${plainOnly ? ' (plain_text only)' : ''}`);
    if (text.length === 0) this.found.push(`${path}: empty text`);
    this.max(path, text.length, Math.min(limit, LIMITS.textObject));
  }

  list(path: string, value: unknown, limit: number): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.found.push(`${path}: not an array`);
      return [];
    }
    this.max(path, value.length, limit, 'items');
    return value;
  }

  blocks(path: string, blocks: unknown, limit: number): void {
    if (!Array.isArray(blocks)) {
      this.found.push(`${path}: no blocks array`);
      return;
    }
    this.max(path, blocks.length, limit, 'blocks');
    blocks.forEach((block, i) => {
      this.block(`${path}[${i}]`, block);
    });
  }

  block(path: string, block: unknown): void {
    if (!isObject(block)) {
      this.found.push(`${path}: not an object`);
      return;
    }
    this.blockId(`${path}.block_id`, block.block_id);
    switch (block.type) {
      case 'section':
        if (block.text === undefined && block.fields === undefined)
          this.found.push(`${path}: section without text or fields`);
        this.text(`${path}.text`, block.text, LIMITS.textObject);
        this.list(`${path}.fields`, block.fields, LIMITS.sectionFields).forEach((field, i) => {
          this.text(`${path}.fields[${i}]`, field, LIMITS.sectionField);
        });
        if (block.accessory !== undefined) this.element(`${path}.accessory`, block.accessory);
        break;
      case 'header':
        this.text(`${path}.text`, block.text, LIMITS.header, true);
        break;
      case 'context':
        this.list(`${path}.elements`, block.elements, LIMITS.contextElements).forEach((element, i) => {
          if (isObject(element) && element.type === 'image') return;
          this.text(`${path}.elements[${i}]`, element, LIMITS.textObject);
        });
        break;
      case 'actions':
        this.list(`${path}.elements`, block.elements, LIMITS.actionsElements).forEach((element, i) => {
          this.element(`${path}.elements[${i}]`, element);
        });
        break;
      case 'input':
        this.text(`${path}.label`, block.label, LIMITS.inputLabel, true);
        this.text(`${path}.hint`, block.hint, LIMITS.inputHint, true);
        this.element(`${path}.element`, block.element);
        break;
      case 'divider':
      case 'image':
        break;
      default:
        // A block this checker does not know: add its limits here rather than let it pass unchecked.
        this.found.push(`${path}: block type ${String(block.type)} is not checked`);
    }
  }

  blockId(path: string, blockId: unknown): void {
    this.string(path, blockId, LIMITS.blockId);
    if (typeof blockId !== 'string') return;
    if (this.blockIds.has(blockId)) this.found.push(`${path}: duplicate "${blockId}"`);
    this.blockIds.add(blockId);
  }

  /** An initial option Slack cannot find among the options is refused. */
  initialOption(path: string, element: Json): void {
    if (!isObject(element.initial_option) || !Array.isArray(element.options)) return;
    const initial = element.initial_option.value;
    if (!element.options.some((option) => isObject(option) && option.value === initial))
      this.found.push(`${path}.initial_option: "${String(initial)}" is not one of the options`);
  }

  options(path: string, options: unknown, limit: number): void {
    const values = new Set<unknown>();
    this.list(path, options, limit).forEach((option, i) => {
      const at = `${path}[${i}]`;
      if (!isObject(option)) {
        this.found.push(`${at}: not an object`);
        return;
      }
      this.text(`${at}.text`, option.text, LIMITS.optionText);
      this.string(`${at}.value`, option.value, LIMITS.optionValue);
      this.text(`${at}.description`, option.description, LIMITS.optionDescription);
      if (values.has(option.value)) this.found.push(`${at}.value: duplicate "${String(option.value)}"`);
      values.add(option.value);
    });
  }

  element(path: string, element: unknown): void {
    if (!isObject(element)) {
      this.found.push(`${path}: not an object`);
      return;
    }
    this.string(`${path}.action_id`, element.action_id, LIMITS.actionId);
    this.text(`${path}.placeholder`, element.placeholder, LIMITS.placeholder, true);
    if (element.confirm !== undefined) this.confirm(`${path}.confirm`, element.confirm);
    switch (element.type) {
      case 'button':
        this.text(`${path}.text`, element.text, LIMITS.buttonText, true);
        this.string(`${path}.value`, element.value, LIMITS.buttonValue);
        this.string(`${path}.url`, element.url, LIMITS.buttonUrl);
        break;
      case 'static_select':
      case 'multi_static_select':
        if ((element.options === undefined) === (element.option_groups === undefined))
          this.found.push(`${path}: exactly one of options and option_groups`);
        this.options(`${path}.options`, element.options, LIMITS.selectOptions);
        this.initialOption(path, element);
        this.list(`${path}.option_groups`, element.option_groups, LIMITS.optionGroups).forEach((group, i) => {
          this.text(`${path}.option_groups[${i}].label`, isObject(group) ? group.label : undefined, 75, true);
          this.options(
            `${path}.option_groups[${i}].options`,
            isObject(group) ? group.options : undefined,
            LIMITS.selectOptions,
          );
        });
        break;
      case 'radio_buttons':
        this.options(`${path}.options`, element.options, LIMITS.radioOptions);
        break;
      case 'checkboxes':
        this.options(`${path}.options`, element.options, LIMITS.checkboxOptions);
        break;
      case 'overflow':
        this.options(`${path}.options`, element.options, LIMITS.overflowOptions);
        break;
      case 'plain_text_input':
        this.max(
          `${path}.max_length`,
          element.max_length as number | undefined,
          LIMITS.plainTextInputMax,
          '',
        );
        if (typeof element.max_length === 'number')
          this.string(`${path}.initial_value`, element.initial_value, element.max_length);
        break;
      case 'users_select':
      case 'multi_users_select':
      case 'conversations_select':
      case 'channels_select':
      case 'datepicker':
      case 'timepicker':
      case 'number_input':
        break;
      default:
        this.found.push(`${path}: element type ${String(element.type)} is not checked`);
    }
  }

  confirm(path: string, confirm: unknown): void {
    if (!isObject(confirm)) {
      this.found.push(`${path}: not an object`);
      return;
    }
    this.text(`${path}.title`, confirm.title, LIMITS.confirmTitle, true);
    this.text(`${path}.text`, confirm.text, LIMITS.confirmText);
    this.text(`${path}.confirm`, confirm.confirm, LIMITS.confirmButton, true);
    this.text(`${path}.deny`, confirm.deny, LIMITS.confirmButton, true);
  }
}

/**
 * What Slack would refuse (or cut) in a message: its text and its blocks. A RenderedMessage (the
 * Wording port's output) types its blocks as unknown because the domain imports nothing of Slack's.
 */
export function messageViolations(
  message: { text: string; blocks?: readonly (KnownBlock | Block)[] } | RenderedMessage,
): string[] {
  const checker = new Checker();
  checker.max('text', message.text.length, LIMITS.messageText);
  if (message.text.length === 0 && !message.blocks) checker.found.push('text: empty message');
  if (message.blocks !== undefined) checker.blocks('blocks', message.blocks, LIMITS.messageBlocks);
  return checker.found;
}

/** What Slack would refuse in a view: a modal (views.open) or a home tab (views.publish). */
export function viewViolations(view: View): string[] {
  const checker = new Checker();
  const v = view as unknown as Json;
  checker.string('private_metadata', v.private_metadata, LIMITS.privateMetadata);
  checker.string('callback_id', v.callback_id, LIMITS.callbackId);
  if (v.type === 'modal') {
    if (v.title === undefined) checker.found.push('title: a modal needs one');
    checker.text('title', v.title, LIMITS.modalTitle, true);
    checker.text('submit', v.submit, LIMITS.modalButton, true);
    checker.text('close', v.close, LIMITS.modalButton, true);
    const hasInput = Array.isArray(v.blocks) && v.blocks.some((b) => isObject(b) && b.type === 'input');
    if (hasInput && v.submit === undefined) checker.found.push('submit: a modal with inputs needs one');
  } else if (v.type !== 'home') {
    checker.found.push(`type: ${String(v.type)} is not a modal or home view`);
  }
  checker.blocks('blocks', v.blocks, LIMITS.viewBlocks);
  return checker.found;
}
