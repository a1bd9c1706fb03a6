import type { BlockAction, SlackActionMiddlewareArgs, StaticSelectAction } from '@slack/bolt';
import { ALL_TIERS, type Tier } from '../../../domain/tiers';
import { type FormAction, requestForm } from '../../blocks/request-form';
import { REQUEST_FORM } from '../../ids';
import { formAccounts, formLimits, type RequestFormDeps, servedBy } from '../request-form';
import { originOf } from '../views/request-form';

export type TierPickArgs = Pick<
  SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>>,
  'ack' | 'body' | 'action'
>;

const asTier = (value: string | undefined): Tier | undefined => ALL_TIERS.find((tier) => tier === value);
const asAction = (value: string | undefined): FormAction | undefined =>
  value === 'grant' || value === 'revoke' ? value : undefined;

type FormState = { values?: Record<string, Record<string, { selected_option?: { value?: string } | null }>> };

/** The value a select of the open form holds now (view.state), or undefined. */
const selected = (state: FormState | undefined, blockId: string, actionId: string): string | undefined =>
  state?.values?.[blockId]?.[actionId]?.selected_option?.value ?? undefined;

/** Slack's short code of a failed Web API call, kept as the classified error's cause. */
const slackCode = (error: unknown): string | undefined =>
  (error as { cause?: { data?: { error?: string } } }).cause?.data?.error;

/**
 * A tier, an action or an account picked in the request form (dispatch_action): the form is rebuilt for
 * that tier under that account's rules, offering only the time limits the rule allows and marking the
 * time limit and the reason required when the rule requires them of a grant, and put in place with
 * views.update guarded by the view's hash. What the person typed stays (same block and action ids).
 * Submit checks the rules again either way, so a failed update only leaves the wider list on screen
 * (logged).
 */
export async function requestFormTierPicked(
  deps: RequestFormDeps,
  { ack, body, action }: TierPickArgs,
): Promise<void> {
  await ack();
  const { blocks: ids, actions } = REQUEST_FORM;
  const view = body.view;
  const state = view?.state as FormState | undefined;
  const picked = (blockId: string, actionId: string): string | undefined =>
    action.action_id === actionId ? action.selected_option?.value : selected(state, blockId, actionId);
  const tier = asTier(picked(ids.tier, actions.tier));
  const formAction = asAction(picked(ids.action, actions.action)) ?? 'grant';
  const accountName = picked(ids.account, actions.account);
  // An action picked before any tier changes nothing on the form; an account does (its hints).
  if (action.action_id === actions.action && tier === undefined) return;
  if ((action.action_id === actions.tier && tier === undefined) || view === undefined) {
    deps.log.warn('a tier pick without a known tier or its form', { value: action.selected_option?.value });
    return;
  }
  if (!servedBy(deps, body.team?.id ?? body.user.team_id, body.api_app_id)) {
    deps.log.warn('a tier pick from a workspace or app this bot does not serve', { teamId: body.team?.id });
    return;
  }
  const accounts = formAccounts(deps, accountName);
  if (accountName !== undefined && accounts !== undefined && accounts.picked !== accountName) {
    // Not a configured account (a forged pick): the form stays; submit refuses it on the field.
    deps.log.warn('an account pick that is not configured', { account: accountName.slice(0, 40) });
    return;
  }
  const form = requestForm({
    auditChannelId: deps.auditChannelId,
    limitsFor: formLimits(deps, accounts?.picked),
    origin: originOf(view.private_metadata),
    ...(tier ? { tier } : {}),
    action: formAction,
    ...(accounts ? { accounts } : {}),
  });
  try {
    await deps.slack.updateModal(view.id, form, view.hash);
  } catch (error) {
    // hash_conflict: a later pick already replaced the view; that one's update is the one that counts.
    if (slackCode(error) === 'hash_conflict') {
      deps.log.info('a later pick replaced the form first', { tier });
      return;
    }
    deps.log.error('could not show the time limits of the picked tier', { tier, error });
  }
}
