import { DEFAULT_PARSE_OPTIONS } from '../../commands/parse-command';
import { BREAK_GLASS_DEFAULT_MAX_SECONDS, tiersFor } from '../../domain/access-rules';
import { accountNames, memberId } from '../../domain/accounts';
import type { SubmitDeps } from '../../domain/submit-request';
import { type FormAccounts, type FormOrigin, type LimitsFor, requestForm } from '../blocks/request-form';

/** What the request form's listeners need: what the slash command's submission needs. */
export type RequestFormDeps = SubmitDeps;

/**
 * The limits the form offers and checks per tier: the access rules' longest duration (break-glass: 1 h
 * unless the rule says otherwise) within the configured MAX_GRANT_DURATION_SECONDS, and whether the rule
 * requires a duration or a reason (break-glass always requires a reason). The same rules are checked
 * again by submitRequest; the form only says it earlier, under the right field. The rules are those of
 * `account` (its own in the rules file, else the top-level tiers; absent, the default account's).
 */
export const formLimits =
  (deps: Pick<RequestFormDeps, 'maxGrantDurationSeconds' | 'rules'>, account?: string): LimitsFor =>
  (tier) => {
    const configured = deps.maxGrantDurationSeconds ?? DEFAULT_PARSE_OPTIONS.maxDurationSeconds;
    const rule = deps.rules ? tiersFor(deps.rules, account)[tier] : undefined;
    const ruleMax =
      rule?.maxDurationSeconds ?? (rule?.breakGlass ? BREAK_GLASS_DEFAULT_MAX_SECONDS : undefined);
    return {
      maxDurationSeconds: Math.min(configured, ruleMax ?? configured),
      // A break-glass grant without a time limit gets the tier's longest (checkRequest), so none is required.
      durationRequired: (rule?.durationRequired ?? false) && !(rule?.breakGlass ?? false),
      reasonRequired: (rule?.reasonRequired ?? false) || (rule?.breakGlass ?? false),
    };
  };

/**
 * The accounts the form offers (the hub and ACCOUNTS, each with its id) with `picked` selected, or the
 * default account when nothing (or something not configured) is picked. Undefined when the bot knows
 * no accounts; the form shows the Account select only when there are several.
 */
export function formAccounts(
  deps: Pick<RequestFormDeps, 'accounts'>,
  picked?: string,
): FormAccounts | undefined {
  const directory = deps.accounts?.directory;
  if (directory === undefined) return undefined;
  const names = accountNames(directory);
  const choices = names.map((name) => {
    const id = name === directory.hubName ? directory.hubId : memberId(directory, name);
    return id === undefined ? { name } : { name, id };
  });
  return { choices, picked: picked !== undefined && names.includes(picked) ? picked : directory.defaultName };
}

/** Whether the form shows an Account select: more than one account is configured. */
export const offersAccounts = (deps: Pick<RequestFormDeps, 'accounts'>): boolean =>
  (formAccounts(deps)?.choices.length ?? 0) > 1;

export const NOT_SERVED = 'This came from a Slack workspace or app this bot does not serve.';

/**
 * Whether an interaction comes from the workspace and app the bot serves (when configured). A global
 * shortcut's payload carries no api_app_id (`appId: null`): only its team is checked, and the form it
 * opens is checked in full when it is submitted.
 */
export const servedBy = (
  deps: RequestFormDeps,
  teamId: string | undefined,
  appId: string | null | undefined,
) =>
  (deps.expectedTeamId === undefined || teamId === deps.expectedTeamId) &&
  (deps.expectedAppId === undefined || appId === null || appId === deps.expectedAppId);

/** Opens the request form for the person whose interaction gave `triggerId` (valid for 3 s). */
export async function openRequestForm(
  deps: RequestFormDeps,
  triggerId: string,
  origin: FormOrigin,
): Promise<void> {
  const accounts = formAccounts(deps);
  const view = requestForm({
    auditChannelId: deps.auditChannelId,
    limitsFor: formLimits(deps, accounts?.picked),
    origin,
    ...(accounts ? { accounts } : {}),
  });
  await deps.slack.openModal(triggerId, { ...view });
}

/** The acknowledgement: ephemeral in the channel the form was opened from, else (or if that fails) a DM. */
export async function tellRequester(
  deps: RequestFormDeps,
  origin: FormOrigin,
  userId: string,
  text: string,
  blocks?: unknown[],
): Promise<void> {
  const withBlocks = blocks ? { blocks } : {};
  if (origin.channelId) {
    try {
      await deps.slack.postEphemeral({ channel: origin.channelId, user: userId, text, ...withBlocks });
      return;
    } catch (error) {
      deps.log.warn('could not answer in the channel; answering by DM', { error });
    }
  }
  try {
    // chat.postMessage to a user id posts in the app's DM with them.
    await deps.slack.post({ channel: userId, text, ...withBlocks });
  } catch (error) {
    deps.log.error('could not tell the requester about their request', { error });
  }
}
