import { BREAK_GLASS_DEFAULT_MAX_SECONDS, type TierStanding } from '../../domain/access-rules';
import { formatDuration } from '../../domain/duration';
import { describePrincipals } from './text';

/** One tier's rule in words, e.g. "requested by everyone · approved by the global approvers · 1 approval". */
export function tierStandingLine({ tier, rule, mayRequest, mayApprove }: TierStanding): string {
  const parts = [
    `requested by ${rule.requesters === undefined ? 'everyone' : describePrincipals(rule.requesters)}`,
    approvalPart(rule),
    ...limitParts(rule),
  ];
  const you = [mayRequest ? 'you may request' : 'you may not request', mayApprove ? 'you may approve' : ''];
  const mark = mayRequest ? ':white_check_mark:' : ':no_entry_sign:';
  return `${mark} *${tier}*: ${parts.join(' · ')}. _(${you.filter(Boolean).join(', ')})_`;
}

type TierRule = TierStanding['rule'];

/** Who approves a tier's requests, and how many approvals it takes. */
function approvalPart(rule: TierRule): string {
  if (rule.autoApprove) return 'auto-approved (no human; posted to the audit channel)';
  const approvers =
    rule.approvers === undefined ? 'the global approvers' : describePrincipals(rule.approvers);
  return `approved by ${approvers} · ${rule.approvals} approval${rule.approvals === 1 ? '' : 's'}`;
}

/** The limits on a request: break-glass's own, or the maximum duration and what must be given. */
function limitParts(rule: TierRule): string[] {
  if (rule.breakGlass) {
    return [
      `break-glass: the requester may approve their own request for their own access, with a reason, for at most ${formatDuration(rule.maxDurationSeconds ?? BREAK_GLASS_DEFAULT_MAX_SECONDS)}`,
    ];
  }
  const parts: string[] = [];
  if (rule.maxDurationSeconds !== undefined) parts.push(`at most ${formatDuration(rule.maxDurationSeconds)}`);
  if (rule.durationRequired) parts.push('`for …` required');
  if (rule.reasonRequired) parts.push('`because …` required');
  return parts;
}

/** The answer to `/codebuild-access rules`: the rules in effect, marked for the caller. */
export function rulesText(source: string, standings: readonly TierStanding[], where?: RulesWhere): string {
  const inAccount =
    where === undefined
      ? ''
      : ` in account *${where.account}*${where.own ? '' : ' (the file’s top-level tiers)'}`;
  const others =
    where && where.others.length > 0
      ? [
          `_Other accounts have their own rules: ${where.others.map((name) => `\`rules in ${name}\``).join(', ')}._`,
        ]
      : [];
  return [
    `*Access rules in effect*${inAccount} (${source}; they govern \`grant\`; revokes, service roles and kms requests need one global approver):`,
    ...standings.map(tierStandingLine),
    ...others,
  ].join('\n');
}

/** Which account's rules an answer shows, and the other accounts whose rules differ. */
export interface RulesWhere {
  account: string;
  /** The account has rules of its own in the file (else the top-level tiers). */
  own: boolean;
  others: readonly string[];
}
