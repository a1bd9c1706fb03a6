import type { Tier } from './tiers';

/** Who a request is about, as typed; resolved to an IAM principal before anything is planned. */
export type TargetRef =
  | { kind: 'slack'; slackUserId: string; label?: string }
  | { kind: 'user'; name: string }
  | { kind: 'group'; name: string };

/** An IAM user or group that exists, with the ARN the approver will see. */
export interface ResolvedTarget {
  /** 'role' for a service role (it may not exist yet); 'key' for a KMS key (or the alias of one to create). */
  kind: 'user' | 'group' | 'role' | 'key';
  name: string;
  arn: string;
  /** Set when the target was named by a Slack mention. */
  slackUserId?: string;
}

/** A resolved IAM user or group: what tier grants, revokes, verify and status work on. */
export type IdentityTarget = ResolvedTarget & { kind: 'user' | 'group' };

/** Narrows a resolved target to an IAM user or group. */
export const isIdentityTarget = (target: ResolvedTarget): target is IdentityTarget =>
  target.kind === 'user' || target.kind === 'group';

/**
 * `in <account>` of a command: the account's name as typed (checked against config when parsed, and
 * again by every task with its own config); absent, the default account. `region` only for kms.
 */
export interface InAccount {
  account?: string;
  /** kms commands only (`in prod/eu-west-1`): keys are regional. Absent: the bot's own region. */
  region?: string;
}

export type Command =
  | { action: 'help' }
  /** The access rules in effect (access-rules.yml), marked for the caller. */
  | { action: 'rules'; account?: string }
  | ({
      action: 'grant';
      target: TargetRef;
      tier: Tier;
      reason?: string;
      durationSeconds?: number;
    } & InAccount)
  | ({ action: 'revoke'; target: TargetRef; tier: Tier; reason?: string } & InAccount)
  /** The seed's "Create a CodeBuild service role", under the path /codebuild/. */
  | ({
      action: 'service-role';
      roleName: string;
      vpc: boolean;
      projectPrefix: string;
      /** `--regions`: the regions its projects run in (trust aws:SourceArn); absent: the bot's region. */
      regions?: string[];
      reason?: string;
    } & InAccount)
  /** Merge the seed's two key statements into an existing key's policy. `key`: id, alias/NAME or key ARN. */
  | ({ action: 'kms-allow'; key: string; roleName: string; reason?: string } & InAccount)
  /** The seed's "Create and configure an AWS KMS CMK for CodeBuild"; `alias` is alias/NAME. */
  | ({ action: 'kms-create'; alias: string; roleName: string; reason?: string } & InAccount)
  /** Read-only, no approval: simulate the target's tier actions and call ListBuilds. */
  | ({ action: 'verify'; target: TargetRef } & InAccount)
  /** Read-only, no approval: the target's CodeBuild policies and pending requests. */
  | ({ action: 'status'; target: TargetRef } & InAccount)
  /** The requester cancels their own pending request. */
  | { action: 'cancel'; requestId: string }
  /** The holder of a time-bound grant gives it up early (no approval: it only removes access). */
  | { action: 'relinquish'; requestId: string }
  /** The holder of a time-bound grant asks for more time; approved like a grant of its tier. */
  | { action: 'extend'; requestId: string; durationSeconds: number; reason?: string };

/** Commands that change AWS and therefore go through approval. */
export type ChangeCommand = Extract<
  Command,
  { action: 'grant' | 'revoke' | 'service-role' | 'kms-allow' | 'kms-create' }
>;

/** Commands about one existing request, by its id. */
export type LifecycleCommand = Extract<Command, { action: 'cancel' | 'relinquish' }>;

/** Commands answered at once, with no approval and no change. */
export type InspectCommand = Extract<Command, { action: 'verify' | 'status' }>;

/** Tier grants and revokes (managed or custom). */
export type TierCommand = Extract<Command, { action: 'grant' | 'revoke' }>;

/** Narrows a change command to a tier grant or revoke. */
export const isTierCommand = (command: ChangeCommand): command is TierCommand =>
  command.action === 'grant' || command.action === 'revoke';
