/**
 * The shape of a plan: plain data listing concrete IAM/KMS operations, each with its undo. The same plan
 * drives the approval card, the apply step and the rollback; nothing here calls AWS.
 */
import type { TargetAccount } from '../accounts';
import type { ResolvedTarget } from '../command';
import type { PolicyDocument, PolicyStatement } from '../seed-policies';

/** IAM's default quota of managed policies attached to one user, group or role. */
export const MANAGED_POLICY_QUOTA = 10;

export interface PrincipalRef {
  kind: 'user' | 'group' | 'role';
  name: string;
  arn: string;
}

/** One concrete AWS call. The same data is shown to approvers, executed, and (as an undo) reversed. */
export type Operation =
  | { type: 'attachPolicy'; principal: PrincipalRef; policyArn: string }
  | { type: 'detachPolicy'; principal: PrincipalRef; policyArn: string }
  /**
   * Delete*Policy of a legacy inline policy (earlier versions wrote the custom tier inline). There is no
   * operation that puts an inline policy: no role of the bot may write a policy document (issue 9).
   */
  | { type: 'deleteInlinePolicy'; principal: PrincipalRef; policyName: string }
  | {
      type: 'createRole';
      role: PrincipalRef;
      path: string;
      trustPolicy: PolicyDocument;
      description: string;
      /** Always set: the bot's role may create roles only with this boundary (iam:PermissionsBoundary). */
      permissionsBoundaryArn: string;
    }
  | { type: 'deleteRole'; role: PrincipalRef }
  /**
   * PutKeyPolicy with `policy`, only while the key policy still hashes to `expectedHash` (what the approver
   * saw as `previous`); otherwise the apply aborts with a Conflict and never overwrites.
   */
  | {
      type: 'putKeyPolicy';
      keyArn: string;
      policy: PolicyDocument;
      previous: PolicyDocument;
      expectedHash: string;
    }
  | { type: 'createKey'; alias: string; policy: PolicyDocument; description: string }
  /** `keyArn` null: the key created by an earlier step of the same plan (known once it ran). */
  | { type: 'scheduleKeyDeletion'; keyArn: string | null; pendingWindowInDays: number }
  /** `keyArn` null: the key created by an earlier step of the same plan (known once it ran). */
  | { type: 'createAlias'; alias: string; keyArn: string | null }
  | { type: 'deleteAlias'; alias: string };

export type OperationType = Operation['type'];

const KMS_OPERATIONS: ReadonlySet<OperationType> = new Set([
  'putKeyPolicy',
  'createKey',
  'scheduleKeyDeletion',
  'createAlias',
  'deleteAlias',
]);

export type KmsOperation = Extract<
  Operation,
  { type: 'putKeyPolicy' | 'createKey' | 'scheduleKeyDeletion' | 'createAlias' | 'deleteAlias' }
>;
export type IamOperation = Exclude<Operation, KmsOperation>;

/** True for the operations the KMS adapter runs; the others go to IAM. */
export const isKmsOperation = (op: Operation): op is KmsOperation => KMS_OPERATIONS.has(op.type);

export interface PlanStep {
  /** Stable within a plan; the journal of completed steps refers to it. */
  id: string;
  do: Operation;
  /** How to reverse `do`; null when nothing can or needs to be reversed. */
  undo: Operation | null;
}

export interface VerificationSpec {
  principalArn: string;
  /** Must all be allowed, or verification fails. */
  expectAllowed: string[];
  /** Expected to be denied after a revoke; if another policy still allows one, the report says so. */
  expectDenied: string[];
  /**
   * The key (ARN or alias/NAME) must be enabled and its policy must hold statements equivalent to these
   * (read back from KMS; the IAM simulator does not evaluate key policies).
   */
  keyPolicy?: { key: string; statements: PolicyStatement[] };
}

/** Plain data: drives the approval card, the apply step and the rollback. */
export interface ChangePlan {
  /**
   * The account the plan acts in (set when ACCOUNTS configures member accounts). Part of the plan's hash,
   * so approvals bind it: apply refuses a plan whose account is not the request's by its own config.
   */
  account?: TargetAccount;
  summary: string;
  target: ResolvedTarget;
  steps: PlanStep[];
  /** Things already as requested, shown to the approver ("AmazonS3ReadOnlyAccess already attached"). */
  unchanged: string[];
  warnings: string[];
  /**
   * A revoke of a tier the target does not hold: the policies it detaches that no grant of that tier
   * attached. The approver must confirm detaching them explicitly (the card's Approve asks first).
   */
  detachesUngranted?: { tier: string; policyArns: string[] };
  /** Facts the approver should see besides the steps (quota use, policy sizes). */
  details?: string[];
  requiredApprovals: number;
  verification: VerificationSpec;
}

/** What the plan step learned about an IAM user or group. */
export interface PrincipalFacts {
  attachedPolicyArns: string[];
  /** Inline policy name -> document text (IAM's, decoded). Omitted by callers that only plan managed tiers. */
  inlinePolicies?: Record<string, string>;
}

export const policyName = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

const keyLabel = (keyArn: string | null): string =>
  keyArn === null ? 'the new key' : keyArn.slice(keyArn.lastIndexOf('/') + 1);

/** A one-line description of an operation, for cards, thread replies and reports. */
export function describeOperation(op: Operation): string {
  switch (op.type) {
    case 'attachPolicy':
      return `attach ${policyName(op.policyArn)} to ${op.principal.kind} ${op.principal.name}`;
    case 'detachPolicy':
      return `detach ${policyName(op.policyArn)} from ${op.principal.kind} ${op.principal.name}`;
    case 'deleteInlinePolicy':
      return `delete inline policy ${op.policyName} from ${op.principal.kind} ${op.principal.name}`;
    case 'createRole':
      return (
        `create role ${op.path}${op.role.name} trusted by codebuild.amazonaws.com ` +
        `(boundary ${policyName(op.permissionsBoundaryArn)})`
      );
    case 'deleteRole':
      return `delete role ${op.role.name}`;
    case 'putKeyPolicy':
      return `update the key policy of KMS key ${keyLabel(op.keyArn)}`;
    case 'createKey':
      return `create a KMS key for ${op.alias}`;
    case 'scheduleKeyDeletion':
      return `schedule deletion of KMS key ${keyLabel(op.keyArn)} in ${op.pendingWindowInDays} days`;
    case 'createAlias':
      return `create alias ${op.alias} for ${keyLabel(op.keyArn)}`;
    case 'deleteAlias':
      return `delete alias ${op.alias}`;
  }
}

const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** The AWS CLI command that performs an operation by hand, for reports of what could not be undone. */
export function manualCommand(op: Operation): string {
  switch (op.type) {
    case 'attachPolicy':
    case 'detachPolicy': {
      const who = op.principal.kind;
      const verb = op.type === 'attachPolicy' ? 'attach' : 'detach';
      return `aws iam ${verb}-${who}-policy --${who}-name ${op.principal.name} --policy-arn ${op.policyArn}`;
    }
    case 'deleteInlinePolicy': {
      const who = op.principal.kind;
      return `aws iam delete-${who}-policy --${who}-name ${op.principal.name} --policy-name ${op.policyName}`;
    }
    case 'createRole':
      return (
        `aws iam create-role --role-name ${op.role.name} --path ${op.path} ` +
        `--assume-role-policy-document ${shellQuote(JSON.stringify(op.trustPolicy))} ` +
        `--permissions-boundary ${op.permissionsBoundaryArn}`
      );
    case 'deleteRole':
      return `aws iam delete-role --role-name ${op.role.name}`;
    case 'putKeyPolicy':
      return `aws kms put-key-policy --key-id ${op.keyArn} --policy-name default --policy ${shellQuote(JSON.stringify(op.policy))}`;
    case 'createKey':
      return `aws kms create-key --description ${shellQuote(op.description)} --policy ${shellQuote(JSON.stringify(op.policy))}`;
    case 'scheduleKeyDeletion':
      return `aws kms schedule-key-deletion --key-id ${op.keyArn ?? '<KEY_ID>'} --pending-window-in-days ${op.pendingWindowInDays}`;
    case 'createAlias':
      return `aws kms create-alias --alias-name ${op.alias} --target-key-id ${op.keyArn ?? '<KEY_ID>'}`;
    case 'deleteAlias':
      return `aws kms delete-alias --alias-name ${op.alias}`;
  }
}
