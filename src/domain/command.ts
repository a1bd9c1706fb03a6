import type { Tier } from './tiers';

/** Who a request is about, as typed; resolved to an IAM principal before anything is planned. */
export type TargetRef =
  | { kind: 'slack'; slackUserId: string; label?: string }
  | { kind: 'user'; name: string }
  | { kind: 'group'; name: string };

/** An IAM user or group that exists, with the ARN the approver will see. */
export interface ResolvedTarget {
  kind: 'user' | 'group';
  name: string;
  arn: string;
  /** Set when the target was named by a Slack mention. */
  slackUserId?: string;
}

export type Command =
  | { action: 'help' }
  | { action: 'grant'; target: TargetRef; tier: Tier; reason?: string; durationSeconds?: number }
  | { action: 'revoke'; target: TargetRef; tier: Tier; reason?: string };

/** Commands that change AWS and therefore go through approval. */
export type ChangeCommand = Extract<Command, { action: 'grant' | 'revoke' }>;

/** A human label for a target, as typed ("@alice", "user:alice", "group:devs"). */
export const describeTargetRef = (target: TargetRef): string => {
  switch (target.kind) {
    case 'slack':
      return target.label ? `@${target.label}` : `<@${target.slackUserId}>`;
    case 'user':
      return `user:${target.name}`;
    case 'group':
      return `group:${target.name}`;
  }
};
