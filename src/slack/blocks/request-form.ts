import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { COMMAND_NAME, formatDuration } from '../../commands/parse-command';
import { ALL_TIERS, approvalsRequiredFor, type Tier } from '../../domain/tiers';
import { REQUEST_FORM } from '../ids';
import { neutralizeBroadcasts } from './text';

/** What the form may offer for one tier: the longest grant, and whether a duration or reason is required. */
export interface TierLimits {
  maxDurationSeconds: number;
  durationRequired: boolean;
  reasonRequired: boolean;
}

export type LimitsFor = (tier: Tier) => TierLimits;

/** An account the form offers: its configured name and 12-digit id (the hub's id may be unknown). */
export interface FormAccount {
  name: string;
  id?: string;
}

/** The accounts the form offers, and the one picked (the default account until the person picks). */
export interface FormAccounts {
  choices: readonly FormAccount[];
  picked: string;
}

/** Where the modal was opened: a channel (the slash command) answers there; a shortcut answers by DM. */
export interface FormOrigin {
  channelId?: string;
}

export interface RequestFormOptions {
  auditChannelId: string;
  limitsFor: LimitsFor;
  origin: FormOrigin;
  /**
   * The tier picked so far (the tier select dispatches its choice; the listener rebuilds the form with
   * views.update): the time limits offered are that tier's. Before a tier is picked, any tier's.
   */
  tier?: Tier;
  /**
   * The action picked so far (its select dispatches too; Grant is preselected). The time limit and the
   * reason are marked required (no "(optional)") only for a grant of a tier whose rule requires them.
   */
  action?: FormAction;
  /**
   * The configured accounts and the one picked: an Account select when there is more than one (the
   * hub alone shows none). `limitsFor` is then that account's rules; picking another dispatches too.
   */
  accounts?: FormAccounts;
}

export type FormAction = 'grant' | 'revoke';

/** The reason's length limit, as the grammar's (parse-command MAX_REASON_LENGTH). */
export const FORM_REASON_MAX = 300;

/** One line per tier, from the seed ("full access", "everything except build project administration", "read-only"). */
export const TIER_DESCRIPTIONS: Record<Tier, string> = {
  admin: 'Full CodeBuild access + S3 read-only + IAMFullAccess',
  developer: 'CodeBuild except project administration + S3 read-only',
  readonly: 'Read-only CodeBuild access + S3 read-only',
  custom: "The seed's inline policy (CodeBuild, logs, S3, PassRole to build roles)",
};

/** The time limits the form offers; each is shown only when the tier's rule allows it. */
export const DURATION_CHOICES_SECONDS: readonly number[] = [
  1800,
  3600,
  2 * 3600,
  4 * 3600,
  8 * 3600,
  12 * 3600,
  86_400,
  2 * 86_400,
  3 * 86_400,
  7 * 86_400,
  14 * 86_400,
  30 * 86_400,
];

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

/** "1 hour", "30 minutes", "7 days": a duration as people read it in a select. */
export function durationLabel(seconds: number): string {
  const unit = (value: number, word: string) => `${value} ${word}${value === 1 ? '' : 's'}`;
  if (seconds % 86_400 === 0) return unit(seconds / 86_400, 'day');
  if (seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  return unit(Math.round(seconds / 60), 'minute');
}

const tierOption = (tier: Tier): PlainTextOption => ({
  text: plain(
    approvalsRequiredFor({ action: 'grant', tier }) === 2 ? `${tier} (granting needs 2 approvers)` : tier,
  ),
  value: tier,
  description: plain(TIER_DESCRIPTIONS[tier]),
});

/** Slack's most options in one static select; more accounts are offered in groups of this many. */
const MAX_SELECT_OPTIONS = 100;

/** "prod · 444455556666": the name people type after `in`, and the id no one can mistake. */
const accountOption = (account: FormAccount): PlainTextOption => ({
  text: plain(account.id === undefined ? account.name : `${account.name} · ${account.id}`),
  value: account.name,
});

/** The Account select, or nothing when only one account is configured. */
function accountBlocks(accounts: FormAccounts | undefined): InputBlock[] {
  if (accounts === undefined || accounts.choices.length < 2) return [];
  const options = accounts.choices.map(accountOption);
  const picked = options.find((option) => option.value === accounts.picked) ?? options[0];
  const groups: PlainTextOption[][] = [];
  for (let i = 0; i < options.length && groups.length < MAX_SELECT_OPTIONS; i += MAX_SELECT_OPTIONS)
    groups.push(options.slice(i, i + MAX_SELECT_OPTIONS));
  return [
    {
      type: 'input',
      block_id: REQUEST_FORM.blocks.account,
      label: plain('AWS account'),
      hint: plain('The account the change is made in. Its own access rules apply: the form follows them.'),
      // Dispatched like the tier: another account may have other time limits and requirements.
      dispatch_action: true,
      element: {
        type: 'static_select',
        action_id: REQUEST_FORM.actions.account,
        ...(groups.length === 1
          ? { options }
          : {
              option_groups: groups.map((group, i) => ({
                label: plain(
                  `Accounts ${i * MAX_SELECT_OPTIONS + 1}–${i * MAX_SELECT_OPTIONS + group.length}`,
                ),
                options: group,
              })),
            }),
        ...(picked ? { initial_option: picked } : {}),
      },
    },
  ];
}

const ACTION_OPTIONS: [PlainTextOption, PlainTextOption] = [
  { text: plain('Grant'), value: 'grant', description: plain("Attach the tier's policies") },
  { text: plain('Revoke'), value: 'revoke', description: plain("Detach the tier's policies") },
];

/** The round choices up to `longest`, and `longest` itself when it is not one of them. */
const choicesUpTo = (longest: number): number[] => {
  const choices = DURATION_CHOICES_SECONDS.filter((seconds) => seconds <= longest);
  // A configured limit that is not one of the round choices is offered as it is.
  return choices.includes(longest) ? choices : [...choices, longest];
};

/**
 * The time limits the form offers: with a tier picked, exactly those its rule allows (up to its longest);
 * before, those any tier allows (submit checks the chosen tier's own limit either way).
 */
export function durationChoices(limitsFor: LimitsFor, tier?: Tier): number[] {
  if (tier !== undefined) return choicesUpTo(limitsFor(tier).maxDurationSeconds);
  return choicesUpTo(Math.max(...ALL_TIERS.map((each) => limitsFor(each).maxDurationSeconds)));
}

const NO_END = 'Leave empty for access with no end (it stays until revoked).';

function durationHint(limitsFor: LimitsFor, tier?: Tier): string {
  const base = 'Grants only: the access is revoked automatically when the time is up.';
  if (tier !== undefined) {
    const rule = limitsFor(tier);
    const end = rule.durationRequired ? `Required for ${tier}.` : NO_END;
    return `${base} ${tier}: at most ${durationLabel(rule.maxDurationSeconds)}. ${end}`;
  }
  const rules = ALL_TIERS.map((each) => ({ tier: each, ...limitsFor(each) }));
  const required = rules.filter((rule) => rule.durationRequired).map((rule) => rule.tier);
  const maxima = new Set(rules.map((rule) => rule.maxDurationSeconds));
  const limits =
    maxima.size === 1
      ? `At most ${durationLabel(rules[0]?.maxDurationSeconds ?? 0)}.`
      : `At most: ${rules.map((rule) => `${rule.tier} ${formatDuration(rule.maxDurationSeconds)}`).join(', ')}. Pick a tier to see its choices.`;
  const empty =
    required.length === 0
      ? NO_END
      : `Required for ${required.join(', ')}; for the others, leave empty for access with no end.`;
  return `${base} ${limits} ${empty}`;
}

function reasonHint(limitsFor: LimitsFor): string {
  const required = ALL_TIERS.filter((tier) => limitsFor(tier).reasonRequired);
  const base = 'Posted with the request in the audit channel; approvers read it before they decide.';
  return required.length === 0 ? base : `${base} Required for ${required.join(', ')}.`;
}

/** What the picked tier's rule requires of a grant: the form marks those fields required (Slack's `optional`). */
export function requiredFields(options: Pick<RequestFormOptions, 'limitsFor' | 'tier' | 'action'>): {
  duration: boolean;
  reason: boolean;
} {
  if (options.tier === undefined || (options.action ?? 'grant') !== 'grant') {
    return { duration: false, reason: false };
  }
  const rule = options.limitsFor(options.tier);
  return { duration: rule.durationRequired, reason: rule.reasonRequired };
}

/** The request form (a modal): target, action, tier, duration, reason. Pure; the listeners open it. */
export function requestForm(options: RequestFormOptions): ModalView {
  const { blocks: ids, actions } = REQUEST_FORM;
  const required = requiredFields(options);
  const input = (block: Omit<InputBlock, 'type'>): InputBlock => ({ type: 'input', ...block });
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          `Another person approves the request in <#${options.auditChannelId}>, and every step is posted in ` +
          `its thread. The typed command works too: \`${COMMAND_NAME} help\`.`,
      },
    },
    ...accountBlocks(options.accounts),
    input({
      block_id: ids.person,
      optional: true,
      label: plain('Person'),
      hint: plain(
        'Their IAM user is found from their Slack profile. Or leave this empty and name an IAM user or group below.',
      ),
      element: { type: 'users_select', action_id: actions.person, placeholder: plain('Pick a person') },
    }),
    input({
      block_id: ids.iamTarget,
      optional: true,
      label: plain('Or an IAM user or group'),
      hint: plain('user:NAME or group:NAME. Fill in exactly one of the two target fields.'),
      element: {
        type: 'plain_text_input',
        action_id: actions.iamTarget,
        placeholder: plain('user:alice or group:qa'),
        max_length: 140,
      },
    }),
    input({
      block_id: ids.action,
      label: plain('Action'),
      // Dispatched like the tier: a revoke needs no time limit, so the form is rebuilt for it.
      dispatch_action: true,
      element: {
        type: 'static_select',
        action_id: actions.action,
        options: ACTION_OPTIONS,
        initial_option: options.action === 'revoke' ? ACTION_OPTIONS[1] : ACTION_OPTIONS[0],
      },
    }),
    input({
      block_id: ids.tier,
      label: plain('Tier'),
      // Slack sends the pick as block_actions at once, so the time limits can follow the tier.
      dispatch_action: true,
      element: {
        type: 'static_select',
        action_id: actions.tier,
        placeholder: plain('Pick a tier'),
        options: ALL_TIERS.map(tierOption),
        ...(options.tier ? { initial_option: tierOption(options.tier) } : {}),
      },
    }),
    input({
      block_id: ids.duration,
      optional: !required.duration,
      label: plain('Time limit'),
      hint: plain(durationHint(options.limitsFor, options.tier)),
      element: {
        type: 'static_select',
        action_id: actions.duration,
        placeholder: plain('No end'),
        options: durationChoices(options.limitsFor, options.tier).map((seconds) => ({
          text: plain(durationLabel(seconds)),
          value: formatDuration(seconds),
        })),
      },
    }),
    input({
      block_id: ids.reason,
      optional: !required.reason,
      label: plain('Reason'),
      hint: plain(reasonHint(options.limitsFor)),
      element: {
        type: 'plain_text_input',
        action_id: actions.reason,
        multiline: true,
        max_length: FORM_REASON_MAX,
        placeholder: plain('on-call for the build pipeline'),
      },
    }),
  ];
  return {
    type: 'modal',
    callback_id: REQUEST_FORM.callbackId,
    private_metadata: JSON.stringify(options.origin),
    title: plain('CodeBuild access'),
    submit: plain('Send request'),
    close: plain('Cancel'),
    blocks,
  };
}

/** Field errors, in the words the form shows under each input. */
export const FORM_ERRORS = {
  noTarget: 'Pick a person, or type user:NAME or group:NAME below.',
  twoTargets: 'Fill in only one target: the person, or the IAM user or group, not both.',
  notAPerson: 'Pick the person from the list.',
  spaceInName: (typed: string) => `“${typed}” has a space in it; IAM names have none.`,
  noAction: 'Pick grant or revoke.',
  unknownAccount: (name: string) =>
    `“${name.slice(0, 40)}” is not an account this bot works in: pick one from the list.`,
  noTier: 'Pick a tier.',
  revokeWithDuration: 'A revoke takes effect at once: leave the time limit empty.',
  durationTooLong: (tier: Tier, maxSeconds: number) =>
    `${tier} access lasts at most ${durationLabel(maxSeconds)}: pick a shorter time.`,
  durationRequired: (tier: Tier) => `${tier} access must be time-bound: pick a time limit.`,
  reasonRequired: (tier: Tier) => `A reason is required for ${tier} access.`,
} as const;

/**
 * A refusal (a grammar UsageError, an unknown target, a rule) as a field error. A field error is plain
 * text: the `help` hint line goes (the form has its own fields), code quotes become quotes, and user
 * mentions become `@name` from `names` (the person picked in the form: "the person you picked").
 */
export function fieldMessage(
  userMessage: string,
  names: { picked?: string; byId?: Record<string, string> } = {},
): string {
  return neutralizeBroadcasts(userMessage)
    .split('\n')
    .filter((line) => !line.includes(`${COMMAND_NAME} help`))
    .join(' ')
    .replace(/<@([UW][A-Z0-9]+)(?:\|([^>]+))?>/g, (_token, id: string, label?: string) => {
      if (id === names.picked) return 'the person you picked';
      const name = label ?? names.byId?.[id];
      return name === undefined ? `@${id}` : `@${name}`;
    })
    .replace(/`([^`]*)`/g, '“$1”')
    .trim();
}

/** The user ids mentioned in a message (to look up their names for a plain-text field error). */
export const mentionedIds = (text: string): string[] => [
  ...new Set([...text.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]+)?>/g)].map((match) => match[1] ?? '')),
];
