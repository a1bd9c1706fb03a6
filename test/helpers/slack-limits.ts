/**
 * Slack's documented limits for views and their elements (docs.slack.dev/reference/block-kit, views):
 * what Slack refuses with `invalid_arguments` when a view breaks them. Returns every breach, as
 * "path: what", so a test can expect an empty list and a failure names the offending field.
 */

type Json = Record<string, unknown>;

const MODAL_BLOCKS = 100;
const HOME_BLOCKS = 100;
const MESSAGE_BLOCKS = 50;

const isJson = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const textOf = (value: unknown): string | undefined => {
  if (!isJson(value)) return undefined;
  return typeof value.text === 'string' ? value.text : undefined;
};

function checkText(breaches: string[], path: string, value: unknown, max: number, required = false): void {
  if (value === undefined) {
    if (required) breaches.push(`${path}: missing`);
    return;
  }
  const text = textOf(value);
  if (text === undefined) {
    breaches.push(`${path}: not a text object`);
    return;
  }
  if (text.length === 0) breaches.push(`${path}: empty`);
  if (text.length > max) breaches.push(`${path}: ${text.length} characters, the limit is ${max}`);
}

function checkString(breaches: string[], path: string, value: unknown, max: number): void {
  if (typeof value === 'string' && value.length > max) {
    breaches.push(`${path}: ${value.length} characters, the limit is ${max}`);
  }
}

function checkOptions(breaches: string[], path: string, options: unknown): void {
  if (!Array.isArray(options)) return;
  if (options.length > 100) breaches.push(`${path}: ${options.length} options, the limit is 100`);
  const values = new Set<string>();
  options.forEach((option, i) => {
    if (!isJson(option)) return;
    checkText(breaches, `${path}[${i}].text`, option.text, 75, true);
    checkText(breaches, `${path}[${i}].description`, option.description, 75);
    checkString(breaches, `${path}[${i}].value`, option.value, 150);
    if (typeof option.value === 'string') {
      if (values.has(option.value)) breaches.push(`${path}[${i}].value: duplicate "${option.value}"`);
      values.add(option.value);
    }
  });
}

function checkElement(breaches: string[], path: string, element: unknown): void {
  if (!isJson(element)) return;
  checkString(breaches, `${path}.action_id`, element.action_id, 255);
  checkText(breaches, `${path}.placeholder`, element.placeholder, 150);
  if (element.type === 'button') {
    checkText(breaches, `${path}.text`, element.text, 75, true);
    checkString(breaches, `${path}.value`, element.value, 2000);
  }
  if (element.type === 'plain_text_input') {
    const max = element.max_length;
    if (typeof max === 'number' && (max < 1 || max > 3000)) breaches.push(`${path}.max_length: ${max}`);
    if (typeof element.initial_value === 'string')
      checkString(breaches, `${path}.initial_value`, element.initial_value, 3000);
  }
  checkOptions(breaches, `${path}.options`, element.options);
  if (isJson(element.initial_option) && Array.isArray(element.options)) {
    const initial = element.initial_option.value;
    if (!element.options.some((option) => isJson(option) && option.value === initial)) {
      breaches.push(`${path}.initial_option: "${String(initial)}" is not one of the options`);
    }
  }
}

/** A block id: within its length, and not used by an earlier block of the same view or message. */
function checkBlockId(breaches: string[], path: string, blockId: unknown, seen: Set<string>): void {
  if (typeof blockId !== 'string') return;
  checkString(breaches, `${path}.block_id`, blockId, 255);
  if (seen.has(blockId)) breaches.push(`${path}.block_id: duplicate "${blockId}"`);
  seen.add(blockId);
}

function checkSection(breaches: string[], path: string, block: Json): void {
  checkText(breaches, `${path}.text`, block.text, 3000);
  if (Array.isArray(block.fields)) {
    if (block.fields.length > 10) breaches.push(`${path}.fields: ${block.fields.length}, the limit is 10`);
    block.fields.forEach((field, j) => {
      checkText(breaches, `${path}.fields[${j}]`, field, 2000);
    });
  }
  checkElement(breaches, `${path}.accessory`, block.accessory);
}

function checkActions(breaches: string[], path: string, block: Json): void {
  if (!Array.isArray(block.elements)) return;
  if (block.elements.length > 25)
    breaches.push(`${path}.elements: ${block.elements.length}, the limit is 25`);
  block.elements.forEach((element, j) => {
    checkElement(breaches, `${path}.elements[${j}]`, element);
  });
}

/** The limits of one block, by its type. */
function checkBlock(breaches: string[], path: string, block: Json): void {
  switch (block.type) {
    case 'section':
      checkSection(breaches, path, block);
      break;
    case 'header':
      checkText(breaches, `${path}.text`, block.text, 150, true);
      break;
    case 'input':
      checkText(breaches, `${path}.label`, block.label, 2000, true);
      checkText(breaches, `${path}.hint`, block.hint, 2000);
      checkElement(breaches, `${path}.element`, block.element);
      break;
    case 'actions':
      checkActions(breaches, path, block);
      break;
    case 'context':
      if (Array.isArray(block.elements) && block.elements.length > 10) {
        breaches.push(`${path}.elements: ${block.elements.length}, the limit is 10`);
      }
      break;
    default:
      break;
  }
}

function checkBlocks(breaches: string[], blocks: unknown, maxBlocks: number): void {
  if (!Array.isArray(blocks)) {
    breaches.push('blocks: missing');
    return;
  }
  if (blocks.length > maxBlocks) breaches.push(`blocks: ${blocks.length}, the limit is ${maxBlocks}`);
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => {
    const path = `blocks[${i}]`;
    if (!isJson(block)) return;
    checkBlockId(breaches, path, block.block_id, blockIds);
    checkBlock(breaches, path, block);
  });
}

/** Every breach of Slack's limits in a modal or Home tab view. */
export function viewLimitBreaches(view: unknown): string[] {
  const breaches: string[] = [];
  if (!isJson(view)) return ['view: not an object'];
  if (view.type === 'modal') {
    checkText(breaches, 'title', view.title, 24, true);
    checkText(breaches, 'submit', view.submit, 24);
    checkText(breaches, 'close', view.close, 24);
  }
  checkString(breaches, 'private_metadata', view.private_metadata, 3000);
  checkString(breaches, 'callback_id', view.callback_id, 255);
  checkBlocks(breaches, view.blocks, view.type === 'home' ? HOME_BLOCKS : MODAL_BLOCKS);
  return breaches;
}

/** Every breach of Slack's limits in a message's blocks. */
export function messageLimitBreaches(blocks: unknown): string[] {
  const breaches: string[] = [];
  checkBlocks(breaches, blocks, MESSAGE_BLOCKS);
  return breaches;
}
