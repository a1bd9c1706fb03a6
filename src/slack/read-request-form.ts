import type { ViewStateValue } from '@slack/bolt';
import { parseCommand, parseDuration, parseTarget } from '../commands/parse-command';
import { type AccountDirectory, accountNames } from '../domain/accounts';
import type { TierCommand } from '../domain/command';
import { UsageError } from '../domain/errors';
import { ALL_TIERS, type Tier } from '../domain/tiers';
import { FORM_ERRORS, fieldMessage, type LimitsFor } from './blocks/request-form';
import { REQUEST_FORM } from './ids';

export type FormValues = Record<string, Record<string, ViewStateValue>>;

/** A submitted form: the command the grammar builds from it, or an error per input block. */
export type FormReading =
  | {
      kind: 'command';
      command: TierCommand;
      /** The command text the form stands for, as it would be typed after `/codebuild-access`. */
      text: string;
      /** The input block that named the target, where a target Slack or IAM cannot resolve is shown. */
      targetBlock: string;
      /** The Slack user picked as the target, if any. */
      person?: string;
    }
  | { kind: 'errors'; errors: Record<string, string> };

const { blocks: ids, actions } = REQUEST_FORM;

const stateOf = (values: FormValues, block: string, action: string): ViewStateValue | undefined =>
  values[block]?.[action];

const typed = (state: ViewStateValue | undefined): string => (state?.value ?? '').trim();
const chosen = (state: ViewStateValue | undefined): string => state?.selected_option?.value ?? '';

const usageMessage = (error: unknown): string => {
  if (error instanceof UsageError) return fieldMessage(error.userMessage);
  throw error;
};

type FieldErrors = Record<string, string>;

/** The target as a word of the command text, and the block any error about it belongs under. */
interface TargetReading {
  targetWord: string;
  targetBlock: string;
}

/** A picked Slack user becomes a mention; Slack sends a user id, anything else is a forged payload. */
function readPerson(person: string, errors: FieldErrors): TargetReading {
  if (/^[UW][A-Z0-9]{2,30}$/.test(person)) return { targetWord: `<@${person}>`, targetBlock: ids.person };
  errors[ids.person] = FORM_ERRORS.notAPerson;
  return { targetWord: '', targetBlock: ids.person };
}

/** A typed IAM name, checked by the grammar's own target parser. */
function readIamTarget(iamTarget: string, errors: FieldErrors): TargetReading {
  const targetBlock = ids.iamTarget;
  if (/\s/.test(iamTarget)) {
    errors[ids.iamTarget] = FORM_ERRORS.spaceInName(iamTarget);
    return { targetWord: '', targetBlock };
  }
  try {
    parseTarget(iamTarget);
    return { targetWord: iamTarget, targetBlock };
  } catch (error) {
    errors[ids.iamTarget] = usageMessage(error);
    return { targetWord: '', targetBlock };
  }
}

/** Exactly one of the person picker and the IAM name must be filled in. */
function readTarget(person: string, iamTarget: string, errors: FieldErrors): TargetReading {
  if (person !== '' && iamTarget !== '') {
    errors[ids.person] = FORM_ERRORS.twoTargets;
  } else if (person === '' && iamTarget === '') {
    errors[ids.person] = FORM_ERRORS.noTarget;
  } else if (person !== '') {
    return readPerson(person, errors);
  } else {
    return readIamTarget(iamTarget, errors);
  }
  return { targetWord: '', targetBlock: ids.person };
}

/** A grant's duration: within the tier's limit, and present when the tier requires one. */
function checkGrantDuration(
  duration: string,
  tier: Tier,
  limits: ReturnType<LimitsFor>,
  errors: FieldErrors,
): void {
  if (duration === '') {
    if (limits.durationRequired) errors[ids.duration] = FORM_ERRORS.durationRequired(tier);
    return;
  }
  try {
    parseDuration(duration, limits.maxDurationSeconds);
  } catch (error) {
    // The form offers only valid choices: a forged or stale one gets the tier's limit.
    if (!(error instanceof UsageError)) throw error;
    errors[ids.duration] = FORM_ERRORS.durationTooLong(tier, limits.maxDurationSeconds);
  }
}

/** A revoke takes no duration; a grant's duration and reason follow the tier's requirements. */
function checkDurationAndReason(
  fields: { action: string; tier: Tier | undefined; duration: string; reason: string },
  limits: ReturnType<LimitsFor> | undefined,
  errors: FieldErrors,
): void {
  const { action, tier, duration, reason } = fields;
  if (action === 'revoke' && duration !== '') {
    errors[ids.duration] = FORM_ERRORS.revokeWithDuration;
  } else if (action === 'grant' && tier !== undefined && limits !== undefined) {
    checkGrantDuration(duration, tier, limits, errors);
  }
  if (action === 'grant' && tier !== undefined && limits?.reasonRequired && reason === '') {
    errors[ids.reason] = FORM_ERRORS.reasonRequired(tier);
  }
}

/** The command text the checked fields stand for, parsed by the grammar; what it refuses is the reason. */
function parseFormText(
  text: string,
  limits: ReturnType<LimitsFor> | undefined,
  target: TargetReading,
  person: string,
  directory?: AccountDirectory,
): FormReading {
  try {
    const command = parseCommand(text, {
      maxDurationSeconds: limits?.maxDurationSeconds ?? Number.MAX_SAFE_INTEGER,
      ...(directory ? { accounts: directory } : {}),
    });
    if (command.action !== 'grant' && command.action !== 'revoke') {
      throw new UsageError(`The form built “${text}”, which is not a grant or a revoke.`);
    }
    return {
      kind: 'command',
      command,
      text,
      targetBlock: target.targetBlock,
      ...(person === '' ? {} : { person }),
    };
  } catch (error) {
    // Every other field was checked above; what is left for the grammar to refuse is the free text.
    return { kind: 'errors', errors: { [ids.reason]: usageMessage(error) } };
  }
}

/** The configured accounts, and each one's limits per tier (its own rules, else the top-level tiers). */
export interface FormAccountRules {
  directory: AccountDirectory;
  limitsIn: (account: string) => LimitsFor;
}

/**
 * The account picked, as a word of the command (`in prod`), or none when the form shows no Account
 * select. A name that is not configured (the select offers only those: a forged payload) is refused
 * on the account field; so is an account at all when the bot knows none.
 */
function readAccount(
  values: FormValues,
  accounts: FormAccountRules | undefined,
  errors: FieldErrors,
): string | undefined {
  const name = chosen(stateOf(values, ids.account, actions.account));
  if (name === '') return undefined;
  if (accounts === undefined || !accountNames(accounts.directory).includes(name)) {
    errors[ids.account] = FORM_ERRORS.unknownAccount(name);
    return undefined;
  }
  return name;
}

/**
 * Reads the request form into the same command the typed grammar builds: each field is checked on its
 * own (so its error shows under it), then the command text is built and parsed by `parseCommand`, the
 * one definition of a valid request. `limitsFor` gives each tier's longest duration and requirements;
 * with `accounts`, the picked account's own (`in <account>` is then part of the command).
 */
export function readRequestForm(
  values: FormValues,
  limitsFor: LimitsFor,
  accounts?: FormAccountRules,
): FormReading {
  const errors: FieldErrors = {};
  const account = readAccount(values, accounts, errors);
  const person = stateOf(values, ids.person, actions.person)?.selected_user ?? '';
  const iamTarget = typed(stateOf(values, ids.iamTarget, actions.iamTarget));
  const target = readTarget(person, iamTarget, errors);

  const action = chosen(stateOf(values, ids.action, actions.action));
  if (action !== 'grant' && action !== 'revoke') errors[ids.action] = FORM_ERRORS.noAction;
  const tierValue = chosen(stateOf(values, ids.tier, actions.tier));
  const tier = (ALL_TIERS as readonly string[]).includes(tierValue) ? (tierValue as Tier) : undefined;
  if (tier === undefined) errors[ids.tier] = FORM_ERRORS.noTier;

  const duration = chosen(stateOf(values, ids.duration, actions.duration));
  const reason = typed(stateOf(values, ids.reason, actions.reason)).replace(/\s+/g, ' ');
  const limits =
    tier === undefined ? undefined : (account && accounts ? accounts.limitsIn(account) : limitsFor)(tier);
  checkDurationAndReason({ action, tier, duration, reason }, limits, errors);
  if (Object.keys(errors).length > 0 || tier === undefined) return { kind: 'errors', errors };

  const text = [
    action,
    target.targetWord,
    tier,
    ...(account === undefined ? [] : ['in', account]),
    ...(duration === '' ? [] : ['for', duration]),
    ...(reason === '' ? [] : ['because', reason]),
  ].join(' ');
  return parseFormText(text, limits, target, person, accounts?.directory);
}
