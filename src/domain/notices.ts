/**
 * What the bot has to tell people, as domain values. The domain and the workflow tasks say *what*
 * happened (a Notice, a CardStatus) and hand it to the `Wording` port (ports.ts); src/slack/blocks/ alone
 * decides the words, mentions, dates and Block Kit. Nothing here is Slack markup.
 */
import type { TargetAccount } from './accounts';
import type { ChangeCommand } from './command';
import type { AccessRequest, RequestDigest, RequestStatus } from './request';

/** Why a step failed, as far as it is safe to tell. */
export type FailureReason =
  /** A named error's own userMessage (safe to show). */
  | { kind: 'error'; message: string }
  /** A state ran past its TimeoutSeconds. */
  | { kind: 'timeout' }
  /** Anything else: only a reference, never internals. */
  | { kind: 'unexpected'; requestId: string };

/** A journal step that may still be in effect, with the manual command that undoes it when known. */
export interface StepLeft {
  description: string;
  undoCommand?: string;
}

/** One line of an undo report (rollback, expiry). */
export type UndoLine =
  | { kind: 'undone'; description: string }
  /** A step the bot had no answer for, which the undo found in effect and reversed. */
  | { kind: 'undone_unanswered'; description: string }
  /** A step the bot had no answer for, which the undo found had not acted. */
  | { kind: 'checked'; description: string }
  | { kind: 'kept'; description: string; reason: string }
  /** A tier policy the expiry keeps because another grant of this target needs it. */
  | { kind: 'kept_for_grant'; policy: string; requestId: string; tier: string }
  /** A tier policy the expiry keeps because another tier the target holds needs it. */
  | { kind: 'kept_for_tier'; policy: string; tier: string }
  /** A tier policy the expiry keeps because it was attached before this grant, not by the bot. */
  | { kind: 'kept_not_ours'; policy: string }
  | { kind: 'already_gone'; policy: string; beforeLimit: boolean }
  | { kind: 'revoked'; description: string }
  | { kind: 'not_undone'; description: string; command: string }
  | { kind: 'not_revoked'; description: string; command: string };

/** Why a Slack user maps to no IAM user. */
export type UnmappedWhy =
  /** Slack does not know the user, or they are deactivated. */
  | { kind: 'unknown_user' }
  /** IAM_USER_MAPPING=tag: not exactly one IAM user carries SlackUserId=<id>. */
  | { kind: 'no_single_tagged_user' }
  /** IAM_USER_MAPPING=tag: several IAM users carry SlackUserId=<id> (named); the bot never picks one. */
  | { kind: 'several_tagged_users'; userNames: string[] }
  /**
   * IAM_USER_MAPPING=tag: the IAM user index of `accountId` does not know the Slack user (yet); a re-scan
   * was asked for. `lastIndexedAt`/`taggedUsers`: the last complete scan, if any.
   */
  | { kind: 'not_indexed_yet'; accountId: string; lastIndexedAt?: string; taggedUsers?: number }
  | { kind: 'no_email' }
  /**
   * The email maps to no existing IAM user. `tried`: the names it could map to; `domains`: the
   * IAM_USER_EMAIL_DOMAINS; `domain`: the email's own domain.
   */
  | { kind: 'email_unmapped'; email: string; tried: string[]; domains: readonly string[]; domain: string };

/** The answer to `verify <target>`: what the IAM simulator and CodeBuild said. */
export interface VerifyReport {
  target: { kind: 'user' | 'group'; name: string; arn: string };
  tiers: string[];
  actions: Array<{ action: string; allowed: boolean }>;
  /** ListBuilds with the bot's own credentials. */
  listBuilds:
    | { kind: 'answered'; buildIds: number }
    | { kind: 'failed'; reason: string }
    | { kind: 'skipped' };
  passed: boolean;
}

/** The answer to `status <target>`: its CodeBuild-related policies, tiers and pending requests. */
export interface StatusReport {
  target: { kind: 'user' | 'group'; name: string; arn: string };
  tiers: string[];
  /** Managed policy names, each with the tiers that use it. */
  managed: Array<{ policy: string; tiers: string[] }>;
  inline: string[];
  /** Absent when pending requests cannot be looked up. */
  pending?: Array<{
    requestId: string;
    command: ChangeCommand;
    status: RequestStatus;
    requester: string;
    createdAt: string;
  }>;
}

/** One account's part of a `status`/`verify` across accounts. */
export interface AccountSection {
  account: { name: string; id: string };
  outcome:
    | { kind: 'verify_report'; report: VerifyReport }
    | { kind: 'status_report'; report: StatusReport }
    /** The account refused (its role, no such target there, AWS busy): a user-safe line. */
    | { kind: 'refused'; message: string }
    /** It did not answer within the Slack path's budget. */
    | { kind: 'timed_out' };
}

/** What the verify task found. */
export interface VerifiedCheck {
  /** Which evidence was read: the IAM simulator, the key policy read back from KMS, or both. */
  how: 'simulator' | 'key' | 'both';
  allowed: string[];
  denied: string[];
  stillAllowed: string[];
  key?: { keyId: string; sids: string[] };
}

/**
 * Everything the bot posts into a request's thread (and stores as the audit event's text), or answers to
 * a person. `requester` and the other user fields are Slack user ids.
 */
/** Why `extend REQ-… by …` asks nothing (checked by the slack function before it records anything). */
export type ExtendRefusal =
  | { kind: 'bad_id' }
  | { kind: 'unknown' }
  | { kind: 'foreign' }
  | { kind: 'not_a_grant' }
  | { kind: 'is_extension'; grantId: string }
  | { kind: 'not_holder'; requester: string }
  | { kind: 'permanent' }
  | { kind: 'not_active'; status: RequestStatus }
  /** Another extension of this grant is still undecided (one at a time, so the ends never race). */
  | { kind: 'extension_pending'; extensionId: string; seconds: number; requester: string }
  /** The Extend button on a grant that already lasts its tier's longest duration. */
  | { kind: 'no_time_left'; tier: string; limitSeconds: number }
  | { kind: 'over_limit'; tier: string; limitSeconds: number; totalSeconds: number; askedSeconds: number };

/** Why the workflow's check did not accept an extension it was told of (the end stays as it was). */
export type ExtensionFault =
  | { kind: 'unknown' }
  | { kind: 'not_for_this_grant' }
  | { kind: 'not_approved'; needed: number; approvals: number }
  | { kind: 'over_limit'; limitSeconds: number }
  | { kind: 'already_applied' };

export type Notice =
  | { kind: 'requested'; requester: string; command: ChangeCommand; targetArn: string }
  /** The first event of an extension request: who asks to move which grant's end, from and to. */
  | {
      kind: 'extension_requested';
      requester: string;
      grantId: string;
      seconds: number;
      from: string;
      to: string;
      reason?: string;
    }
  /** The ephemeral answer to the person who typed the command. */
  | {
      kind: 'received';
      requestId: string;
      command: ChangeCommand;
      targetArn: string;
      auditChannelId: string;
      /** The account the request works in, as its card names it (absent in a single-account bot). */
      account?: TargetAccount;
    }
  /**
   * A target the request's account does not have, in a bot with several accounts: the account is named, as
   * the received answer names it, and the other accounts `in <account>` may name.
   */
  | { kind: 'target_not_found_in'; account: TargetAccount; message: string; otherAccounts: readonly string[] }
  | { kind: 'approval_recorded'; approver: string; approvals: number; required: number }
  | { kind: 'approved'; by: string[] }
  /** The rules let only these Slack users / user groups request (or approve) this tier. */
  | { kind: 'rule_requesters_only'; principals: readonly string[]; tier: string }
  | { kind: 'rule_approvers_only'; principals: readonly string[]; tier: string }
  /** A requester approving a break-glass tier's grant for someone else: break-glass is for oneself. */
  | { kind: 'break_glass_self_only'; tier: string }
  /** The loud post of a break-glass self-approval (the only one sent with `<!here>`). */
  | {
      kind: 'break_glass';
      requester: string;
      requestId: string;
      tier: string;
      target: string;
      durationSeconds?: number;
      reason?: string;
    }
  /** A grant the access rules approve without a human: `rule` is its key, `source` the rules file. */
  | { kind: 'auto_approved'; rule: string; source: string }
  | { kind: 'denied_by'; by: string; reason?: string }
  /** A late click on a request someone already decided. */
  | { kind: 'already_decided'; outcome: 'approved' | 'denied'; by: string[] }
  /** A click on a request whose approval wait ran out. */
  | { kind: 'already_expired' }
  /** The requester withdrew it before anyone decided. */
  | { kind: 'already_cancelled'; by: string[] }
  /** Thread reply: the requester cancelled their pending request. */
  | { kind: 'cancelled'; by: string }
  /** Answer to the requester who cancelled. */
  | { kind: 'cancel_done'; requestId: string }
  /** Why a cancel or a relinquish is refused (the text names who may, or what to do instead). */
  | {
      kind: 'lifecycle_refused';
      requestId: string;
      why:
        | { kind: 'not_requester'; requester: string }
        | { kind: 'still_planning' }
        | { kind: 'not_pending'; because: Notice }
        | { kind: 'not_a_grant' }
        | { kind: 'not_holder'; requester: string }
        | { kind: 'permanent' }
        | { kind: 'not_held'; status: RequestStatus }
        | { kind: 'not_waiting' }
        | { kind: 'bad_id' }
        | { kind: 'unknown' }
        | { kind: 'foreign' }
        | { kind: 'busy' }
        | { kind: 'not_passed_on'; reason: string };
    }
  /** Thread reply: the holder gave the grant up; the run is revoking it. */
  | { kind: 'relinquished'; by: string }
  /** Answer to whoever relinquished. */
  | { kind: 'relinquish_done'; requestId: string }
  /** Answer to `extend`: the extension request made, what it asks, and that an approver decides. */
  | {
      kind: 'extension_asked';
      extensionId: string;
      grantId: string;
      seconds: number;
      from: string;
      to: string;
      auditChannelId: string;
    }
  /** Why an `extend` was refused (nothing was asked). */
  | { kind: 'extend_refused'; requestId: string; why: ExtendRefusal }
  /** Thread reply and DM: the workflow accepted an approved extension and moved the end. */
  | {
      kind: 'extended';
      grantId: string;
      extensionId: string;
      seconds: number;
      expiresAt: string;
      by: string[];
    }
  /** Answer to the approver whose approval was passed on to the grant's run. */
  | { kind: 'extension_passed_on'; grantId: string }
  /**
   * An approved extension the grant's run could not take: it was not holding the grant (between its two
   * holds longer than the slack function waits, or the grant ended). The extension is closed as lapsed;
   * thread reply, the asker's DM and the approver's answer.
   */
  | {
      kind: 'extension_lapsed';
      grantId: string;
      extensionId: string;
      seconds: number;
      requester: string;
      grantEnded: boolean;
    }
  /** Thread reply on the grant: the workflow was told of an extension it did not accept. */
  | {
      kind: 'extension_ignored';
      grantId: string;
      extensionId: string;
      why: ExtensionFault;
      expiresAt: string;
    }
  /** A second Approve by the same person; `needed` more approvals are still missing. */
  | { kind: 'approved_already_by_you'; needed: number }
  /** A click before the card's plan hash was stored. */
  | { kind: 'no_card_yet' }
  /** A click on a request that is past (or not yet at) approval. */
  | { kind: 'not_waiting'; status: RequestStatus }
  /** Why a Slack user named in a command maps to no IAM user (a TargetNotFoundError's message). */
  | { kind: 'slack_user_not_mapped'; slackUserId: string; why: UnmappedWhy }
  | { kind: 'verify_report'; report: VerifyReport }
  | { kind: 'status_report'; report: StatusReport }
  /** `status`/`verify` without `in`: one section per configured account, in ACCOUNTS order, hub first. */
  | { kind: 'accounts_report'; action: 'verify' | 'status'; sections: AccountSection[] }
  | { kind: 'applied'; changes: string[] }
  | { kind: 'verified'; check: VerifiedCheck }
  | { kind: 'rollback'; lines: UndoLine[] }
  /**
   * A time-bound grant's time limit ran. `endedBy`: the revoke that had already ended it, when nothing
   * more was revoked.
   */
  | {
      kind: 'time_limit';
      requester: string;
      summary: string;
      endedBy?: string;
      /** Who gave the grant up before its time limit (the run's hold ended with a relinquish). */
      relinquishedBy?: string;
      /** 'tier': a managed tier's policies were checked one by one; 'journal': the journal was undone. */
      from: 'tier' | 'journal';
      lines: UndoLine[];
    }
  | { kind: 'ended_by_revoke'; revokeId: string; revoker: string; timeBound: boolean }
  | { kind: 'done'; requester: string; summary?: string; accessExpiresAt?: string }
  | {
      kind: 'unverified';
      requester: string;
      reason: FailureReason;
      summary?: string;
      accessExpiresAt: string;
    }
  /** Its grant's time limit is near: `requestId` is the grant's, which `extend` names. */
  | { kind: 'reminder'; requester: string; requestId: string; summary?: string; accessExpiresAt: string }
  | { kind: 'no_change'; requester: string; unchanged: string[] }
  | { kind: 'closed_denied'; requester: string }
  | { kind: 'closed_expired'; requester: string }
  | {
      kind: 'failed';
      requester: string;
      reason: FailureReason;
      nothingChanged: boolean;
      rolledBack: string[];
      inEffect: string[];
      uncertain: StepLeft[];
    }
  /** A workflow that stopped without reporting (EventBridge): how, and what may still be in effect. */
  | {
      kind: 'stopped';
      requestId: string;
      requester: string;
      how: { status: 'TIMED_OUT' | 'ABORTED' | 'FAILED'; error?: string };
      mayBeInEffect: StepLeft[];
      wasActive: boolean;
    }
  /** A workflow whose outcome Slack refused: the outcome reposted from the record. */
  | { kind: 'stopped_undelivered'; requestId: string; outcomeText: string }
  /** The audit-channel message that starts a request's thread when no card was posted. */
  | { kind: 'standalone'; requestId: string; requester: string; summary: string }
  /** The ephemeral that tells a requester an outcome where they asked. */
  | { kind: 'told_requester'; requestId: string; text: string };

/** The status line a closed card ends with. */
export type CardStatus =
  | { kind: 'completed'; active: boolean }
  | { kind: 'unverified' }
  | { kind: 'failed'; nothingChanged: boolean }
  | { kind: 'no_change' }
  | { kind: 'denied' }
  | { kind: 'expired' }
  /** A time-bound grant's expiry ran; `endedBy` when a revoke had ended it early. */
  | {
      kind: 'time_limit';
      outcome: 'revoked' | 'revoked_early' | 'relinquished' | 'failed';
      endedBy?: string;
      relinquishedBy?: string;
    };

/** The access rule that approved a grant without a human: its key and the rules file it is in. */
export interface AutoApproval {
  rule: string;
  source: string;
}

/**
 * A direct message the bot sends one person. DMs are extra (the thread is the record): the requester's
 * news about their request, and the approvers' "needs you" and one reminder.
 */
export type DirectMessage =
  /** The requester's copy of a thread reply (`said`: the notice as already worded). */
  | { kind: 'update'; requestId: string; said: string }
  /** A person approved or denied the request. */
  | { kind: 'decided'; request: AccessRequest }
  /** A time-bound grant's end ran; `failed` when some access could not be revoked. */
  | { kind: 'access_ended'; request: AccessRequest; failed: boolean }
  | { kind: 'approval_needed'; request: RequestDigest; permalink?: string }
  | { kind: 'approval_reminder'; request: RequestDigest; permalink?: string }
  /** The thread's note that a DM to `userId` failed (`reason`: Slack's short code, never a token). */
  | { kind: 'failed_note'; userId: string; reason: string };

/** A message as the Wording port renders it: fallback text and optional Block Kit blocks. */
export interface RenderedMessage {
  text: string;
  blocks?: unknown[];
}
