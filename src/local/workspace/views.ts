import type { WorkspaceFixture } from './fixture';

/**
 * Slack's view objects as an app receives them (views.* answers, view_submission and block_actions
 * payloads): the stored view plus the fields Slack adds (id, hash, state, …), and the state values of
 * its input elements in Slack's exact shape (api.slack.com/reference/interaction-payloads/views).
 */

type Json = Record<string, unknown>;

/** A view as stored by the workspace: what the app sent, plus Slack's bookkeeping. */
export interface StoredView {
  id: string;
  view: Json;
  hash: string;
  rootViewId?: string;
  previousViewId?: string;
}

/** One element's value as Slack puts it in `view.state.values[block_id][action_id]`. */
export type StateValue =
  | {
      type: 'plain_text_input' | 'email_text_input' | 'url_text_input' | 'number_input';
      value: string | null;
    }
  | { type: 'static_select' | 'radio_buttons'; selected_option: SelectedOption | null }
  | { type: 'multi_static_select' | 'checkboxes'; selected_options: SelectedOption[] }
  | { type: 'users_select'; selected_user: string | null }
  | { type: 'multi_users_select'; selected_users: string[] }
  | { type: 'conversations_select'; selected_conversation: string | null }
  | { type: 'channels_select'; selected_channel: string | null }
  | { type: 'datepicker'; selected_date: string | null }
  | { type: 'timepicker'; selected_time: string | null };

export interface SelectedOption {
  text: { type: 'plain_text'; text: string; emoji: boolean };
  value: string;
  description?: unknown;
}

export type StateValues = Record<string, Record<string, StateValue>>;

/** What the page sends for one element: the typed text or chosen value(s), by block and action id. */
export type TypedValues = Record<string, Record<string, string | string[] | null>>;

export interface InputElement {
  blockId: string;
  actionId: string;
  /** The element as the app wrote it. */
  element: Json;
  /** Input blocks are required unless `optional: true`; other stateful elements never are. */
  required: boolean;
  label: string;
}

const STATEFUL = new Set([
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'static_select',
  'radio_buttons',
  'multi_static_select',
  'checkboxes',
  'users_select',
  'multi_users_select',
  'conversations_select',
  'channels_select',
  'datepicker',
  'timepicker',
]);

const asJson = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
const textOf = (value: unknown): string => {
  const text = asJson(value)?.text;
  return typeof text === 'string' ? text : '';
};

/** Every stateful element of a view: input blocks' elements, and selects in actions/section blocks. */
export function inputElementsOf(view: Json): InputElement[] {
  const found: InputElement[] = [];
  const blocks = Array.isArray(view.blocks) ? view.blocks : [];
  for (const [index, raw] of blocks.entries()) {
    const block = asJson(raw) ?? {};
    const blockId = typeof block.block_id === 'string' ? block.block_id : `block-${index}`;
    for (const element of elementCandidatesOf(block).flatMap(statefulElement)) {
      const actionId = typeof element.action_id === 'string' ? element.action_id : `action-${index}`;
      found.push({
        blockId,
        actionId,
        element,
        required: block.type === 'input' && block.optional !== true,
        label: textOf(block.label) || actionId,
      });
    }
  }
  return found;
}

/** The element as a one-item list when it keeps state (an input or a select), else an empty one. */
function statefulElement(candidate: unknown): Json[] {
  const element = asJson(candidate);
  return element && typeof element.type === 'string' && STATEFUL.has(element.type) ? [element] : [];
}

/** Where a block keeps its elements: an input's one element, an actions block's list, else its accessory. */
function elementCandidatesOf(block: Json): unknown[] {
  if (block.type === 'input') return [block.element];
  if (block.type === 'actions') return Array.isArray(block.elements) ? block.elements : [];
  return [block.accessory];
}

/** The options of a select (flat, or in option_groups). */
function optionsOf(element: Json): Json[] {
  const flat = Array.isArray(element.options) ? element.options : [];
  const grouped = Array.isArray(element.option_groups)
    ? element.option_groups.flatMap((group) => {
        const options = asJson(group)?.options;
        return Array.isArray(options) ? options : [];
      })
    : [];
  return [...flat, ...grouped].flatMap((option) => {
    const json = asJson(option);
    return json ? [json] : [];
  });
}

function selectedOption(option: Json): SelectedOption {
  const text = asJson(option.text) ?? {};
  return {
    text: {
      type: 'plain_text',
      text: typeof text.text === 'string' ? text.text : '',
      emoji: text.emoji !== false,
    },
    value: typeof option.value === 'string' ? option.value : '',
    ...(option.description !== undefined ? { description: option.description } : {}),
  };
}

const list = (typed: string | string[] | null | undefined): string[] =>
  typed === null || typed === undefined
    ? []
    : (Array.isArray(typed) ? typed : [typed]).filter((value) => value !== '');
const single = (typed: string | string[] | null | undefined): string | null => list(typed)[0] ?? null;

/**
 * The element's initial value as the page should show it before anyone types (initial_value,
 * initial_option, initial_user, …), as TypedValues.
 */
export function initialValueOf(element: Json): string | string[] | null {
  const type = String(element.type);
  const initial = Object.hasOwn(INITIAL_VALUE, type) ? INITIAL_VALUE[type]! : INITIAL_VALUE.plain_text_input!;
  return initial(element);
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const initialOption = (element: Json): string | null =>
  typeof asJson(element.initial_option)?.value === 'string'
    ? String(asJson(element.initial_option)?.value)
    : null;

const initialOptions = (element: Json): string[] =>
  Array.isArray(element.initial_options)
    ? element.initial_options.map((option) => String(asJson(option)?.value ?? ''))
    : [];

/** Each element type's initial value (initial_value for text inputs and anything unknown). */
const INITIAL_VALUE: Record<string, (element: Json) => string | string[] | null> = {
  static_select: initialOption,
  radio_buttons: initialOption,
  multi_static_select: initialOptions,
  checkboxes: initialOptions,
  users_select: (element) => stringOrNull(element.initial_user),
  multi_users_select: (element) =>
    Array.isArray(element.initial_users) ? element.initial_users.map(String) : [],
  conversations_select: (element) => stringOrNull(element.initial_conversation),
  channels_select: (element) => stringOrNull(element.initial_channel),
  datepicker: (element) => stringOrNull(element.initial_date),
  timepicker: (element) => stringOrNull(element.initial_time),
  plain_text_input: (element) => stringOrNull(element.initial_value),
};

/**
 * Slack's `state.values` for what the person typed or chose. Every stateful element appears, empty ones
 * with null (or []), as Slack sends them. Returns per-block problems instead when a value is not one
 * the element offers (a page bug or a forged request): Slack's client could not send such a value.
 */
export function stateValuesOf(
  view: Json,
  typed: TypedValues,
  fixture: WorkspaceFixture,
): { values: StateValues; invalid: Record<string, string> } {
  const values: StateValues = {};
  const invalid: Record<string, string> = {};
  for (const { blockId, actionId, element } of inputElementsOf(view)) {
    const raw = typed[blockId]?.[actionId] ?? initialValueOf(element);
    const checked = stateValueOf(element, raw, fixture);
    if ('invalid' in checked) {
      invalid[blockId] = checked.invalid;
      continue;
    }
    values[blockId] = { ...values[blockId], [actionId]: checked.value };
  }
  return { values, invalid };
}

type Typed = string | string[] | null | undefined;
type Checked = { value: StateValue } | { invalid: string };

/** One element's state value for what was typed or chosen, or why Slack's client could not send it. */
function stateValueOf(element: Json, raw: Typed, fixture: WorkspaceFixture): Checked {
  switch (element.type) {
    case 'static_select':
    case 'radio_buttons':
    case 'multi_static_select':
    case 'checkboxes':
      return optionValue(element, raw);
    case 'users_select':
    case 'multi_users_select':
      return usersValue(element, raw, fixture);
    case 'conversations_select':
    case 'channels_select':
      return channelValue(element, raw, fixture);
    case 'datepicker':
      return dateValue(raw);
    case 'timepicker':
      return { value: { type: 'timepicker', selected_time: single(raw) } };
    default:
      return textValue(element, raw);
  }
}

function optionValue(element: Json, raw: Typed): Checked {
  const options = optionsOf(element);
  const chosen = list(raw).map((wanted) => options.find((option) => option.value === wanted));
  if (chosen.some((option) => option === undefined)) return { invalid: 'That is not one of the options.' };
  const selected = (chosen as Json[]).map(selectedOption);
  return {
    value:
      element.type === 'static_select' || element.type === 'radio_buttons'
        ? { type: element.type, selected_option: selected[0] ?? null }
        : { type: element.type as 'multi_static_select' | 'checkboxes', selected_options: selected },
  };
}

function usersValue(element: Json, raw: Typed, fixture: WorkspaceFixture): Checked {
  const users = list(raw);
  const isUser = (id: string) => fixture.users.some((user) => user.id === id);
  if (users.some((id) => !isUser(id))) return { invalid: 'That person is not in this workspace.' };
  return {
    value:
      element.type === 'users_select'
        ? { type: 'users_select', selected_user: users[0] ?? null }
        : { type: 'multi_users_select', selected_users: users },
  };
}

function channelValue(element: Json, raw: Typed, fixture: WorkspaceFixture): Checked {
  const channel = single(raw);
  const isChannel = (id: string) => fixture.channels.some((candidate) => candidate.id === id);
  if (channel !== null && !isChannel(channel)) return { invalid: 'That channel is not in this workspace.' };
  return {
    value:
      element.type === 'channels_select'
        ? { type: 'channels_select', selected_channel: channel }
        : { type: 'conversations_select', selected_conversation: channel },
  };
}

function dateValue(raw: Typed): Checked {
  const date = single(raw);
  if (date !== null && !/^\d{4}-\d{2}-\d{2}$/.test(date)) return { invalid: 'Pick a date (YYYY-MM-DD).' };
  return { value: { type: 'datepicker', selected_date: date } };
}

function textValue(element: Json, raw: Typed): Checked {
  const text = typeof raw === 'string' ? raw : single(raw);
  return {
    value: { type: element.type as 'plain_text_input', value: text === null || text === '' ? null : text },
  };
}

const isEmpty = (value: StateValue): boolean => {
  const record = value as unknown as Json;
  for (const key of [
    'value',
    'selected_option',
    'selected_user',
    'selected_conversation',
    'selected_channel',
    'selected_date',
    'selected_time',
  ]) {
    if (key in record) return record[key] === null || record[key] === '';
  }
  for (const key of ['selected_options', 'selected_users']) {
    if (key in record) return (record[key] as unknown[]).length === 0;
  }
  return false;
};

/**
 * What Slack's client checks before it sends a submission: required inputs filled, text within
 * min_length/max_length. Errors by block id, in Slack's wording; empty when the view may be submitted.
 */
export function clientSideErrors(view: Json, values: StateValues): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const { blockId, actionId, element, required } of inputElementsOf(view)) {
    const value = values[blockId]?.[actionId];
    if (!value) continue;
    if (required && isEmpty(value)) {
      errors[blockId] = 'Please complete this required field.';
      continue;
    }
    const text = 'value' in value ? value.value : null;
    const error = text === null ? undefined : lengthError(element, text);
    if (error) errors[blockId] = error;
  }
  return errors;
}

/** Slack's wording when a text is outside the element's min_length/max_length (max checked last). */
function lengthError(element: Json, text: string): string | undefined {
  if (typeof element.max_length === 'number' && text.length > element.max_length)
    return `Please enter at most ${element.max_length} characters.`;
  if (typeof element.min_length === 'number' && text.length < element.min_length)
    return `Please enter at least ${element.min_length} characters.`;
  return undefined;
}

/** The view as Slack returns and sends it: the app's fields plus Slack's. */
export function viewOutput(stored: StoredView, fixture: WorkspaceFixture, values: StateValues = {}): Json {
  const { view } = stored;
  const str = (key: string): string => (typeof view[key] === 'string' ? (view[key] as string) : '');
  return {
    id: stored.id,
    team_id: fixture.team.id,
    type: view.type,
    blocks: Array.isArray(view.blocks) ? view.blocks : [],
    private_metadata: str('private_metadata'),
    callback_id: str('callback_id'),
    state: { values },
    hash: stored.hash,
    title: view.title ?? null,
    clear_on_close: view.clear_on_close === true,
    notify_on_close: view.notify_on_close === true,
    close: view.close ?? null,
    submit: view.submit ?? null,
    previous_view_id: stored.previousViewId ?? null,
    root_view_id: stored.rootViewId ?? stored.id,
    app_id: fixture.app.id,
    external_id: str('external_id'),
    app_installed_team_id: fixture.team.id,
    bot_id: fixture.app.botId,
  };
}
