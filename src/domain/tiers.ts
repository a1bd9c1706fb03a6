/**
 * Access tiers from the seed ("Add CodeBuild access permissions to an IAM group or IAM user").
 * This file is the only place that maps a tier to AWS managed policies; the plan, the revoke rule,
 * the verify step and the bot's own IAM allowlist (serverless.yml) all derive from it.
 */

export const MANAGED_TIERS = ['admin', 'developer', 'readonly'] as const;
export type ManagedTier = (typeof MANAGED_TIERS)[number];
export const ALL_TIERS = [...MANAGED_TIERS, 'custom'] as const;
export type Tier = (typeof ALL_TIERS)[number];

const AWS_POLICY = 'arn:aws:iam::aws:policy/';

export const POLICY_ARNS = {
  codeBuildAdmin: `${AWS_POLICY}AWSCodeBuildAdminAccess`,
  codeBuildDeveloper: `${AWS_POLICY}AWSCodeBuildDeveloperAccess`,
  codeBuildReadOnly: `${AWS_POLICY}AWSCodeBuildReadOnlyAccess`,
  s3ReadOnly: `${AWS_POLICY}AmazonS3ReadOnlyAccess`,
  iamFull: `${AWS_POLICY}IAMFullAccess`,
} as const;

export interface ManagedTierSpec {
  /** The tier's own CodeBuild policy; a target "holds" the tier while this one is attached. */
  primary: string;
  /** Every managed policy the seed attaches for the tier, primary first. */
  policyArns: readonly string[];
  /** Actions the verify step expects to be allowed after a grant. */
  expectedActions: readonly string[];
}

export const TIER_SPECS: Record<ManagedTier, ManagedTierSpec> = {
  admin: {
    primary: POLICY_ARNS.codeBuildAdmin,
    policyArns: [POLICY_ARNS.codeBuildAdmin, POLICY_ARNS.s3ReadOnly, POLICY_ARNS.iamFull],
    expectedActions: [
      'codebuild:ListBuilds',
      'codebuild:StartBuild',
      'codebuild:CreateProject',
      'codebuild:DeleteProject',
      's3:GetObject',
      'iam:CreateRole',
    ],
  },
  developer: {
    primary: POLICY_ARNS.codeBuildDeveloper,
    policyArns: [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly],
    expectedActions: [
      'codebuild:ListBuilds',
      'codebuild:StartBuild',
      'codebuild:BatchGetBuilds',
      's3:GetObject',
    ],
  },
  readonly: {
    primary: POLICY_ARNS.codeBuildReadOnly,
    policyArns: [POLICY_ARNS.codeBuildReadOnly, POLICY_ARNS.s3ReadOnly],
    expectedActions: ['codebuild:ListBuilds', 'codebuild:BatchGetBuilds', 's3:GetObject'],
  },
};

/** Actions the verify step expects the custom tier (the stack's CodeBuildAccessPolicy) to allow. */
export const CUSTOM_TIER_ACTIONS: readonly string[] = [
  'codebuild:ListBuilds',
  'codebuild:StartBuild',
  'logs:GetLogEvents',
  's3:GetObject',
];

/** Every managed policy ARN the bot may ever attach or detach: the allowlist behind `iam:PolicyARN`. */
export const ATTACHABLE_POLICY_ARNS: readonly string[] = [
  ...new Set(MANAGED_TIERS.flatMap((tier) => TIER_SPECS[tier].policyArns)),
];

export const isManagedTier = (value: string): value is ManagedTier =>
  (MANAGED_TIERS as readonly string[]).includes(value);

/**
 * How many different approvers a change needs. admin (IAMFullAccess) and custom (iam:PassRole to
 * CodeBuild) let the holder escalate, so granting either takes two. The apply step recomputes this from
 * the command; it never trusts a count stored in the request record.
 */
export const approvalsRequiredFor = (command: { action: string; tier?: Tier }): 1 | 2 =>
  command.action === 'grant' && (command.tier === 'admin' || command.tier === 'custom') ? 2 : 1;
