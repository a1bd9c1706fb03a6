/** The AWS account and region the bot works in, and the setup options from config. */
export interface AccountContext {
  accountId: string;
  region: string;
  /** aws, aws-cn or aws-us-gov (from the region). */
  partition: string;
  /**
   * The boundary every service role is created with: the operator's PERMISSIONS_BOUNDARY_ARN, else the
   * one the stack creates (stackPolicyArns().serviceRoleBoundary). The bot's role may create roles only
   * with it (iam:PermissionsBoundary in serverless.yml).
   */
  permissionsBoundaryArn: string;
  /** When non-empty, `kms allow` may change only these keys. */
  kmsKeyArns: string[];
  /** The customer managed policies the stack creates; the bot attaches them by ARN and never writes a document. */
  stackPolicies: StackPolicyArns;
  /**
   * The bot's own function roles. A key the bot creates names them in its key policy, so the bot can
   * finish and undo its own request on that key without any tag-based (ABAC) permission.
   */
  botRoles: BotRoleArns;
}

export interface StackPolicyArns {
  /** The seed's custom access policy (CodeBuildAccessPolicy), with iam:PassRole narrowed; the custom tier. */
  customTier: string;
  /** The seed's CodeBuildServiceRolePolicy. */
  serviceRole: string;
  /** CodeBuildServiceRolePolicy plus CodeBuild's VPC statements. */
  serviceRoleVpc: string;
  /** The permissions boundary of service roles: caps them at the seed's service-role permissions (and VPC). */
  serviceRoleBoundary: string;
}

export interface BotRoleArns {
  plan: string;
  apply: string;
  rollback: string;
  verify: string;
}

/** Roles the bot creates live under this path; its own IAM role may touch no other role. */
export const SERVICE_ROLE_PATH = '/codebuild/';

/** The path of the customer managed policies the stack creates (serverless.yml). */
export const STACK_POLICY_PATH = '/codebuild-access/';

/**
 * The names the stack gives its customer managed policies, suffixed with the stage so two stages can
 * live in one account. serverless.yml creates exactly these (test/infra/template.test.ts checks it).
 */
export const STACK_POLICY_NAMES = {
  customTier: 'CodeBuildAccessPolicy',
  serviceRole: 'CodeBuildServiceRolePolicy',
  serviceRoleVpc: 'CodeBuildServiceRoleVpcPolicy',
  serviceRoleBoundary: 'CodeBuildServiceRoleBoundary',
} as const satisfies Record<keyof StackPolicyArns, string>;

/** The ARNs of the stack's customer managed policies in an account, for a stage. */
export const stackPolicyArns = (partition: string, accountId: string, stage: string): StackPolicyArns => {
  const arn = (name: string): string =>
    `arn:${partition}:iam::${accountId}:policy${STACK_POLICY_PATH}${name}-${stage}`;
  return {
    customTier: arn(STACK_POLICY_NAMES.customTier),
    serviceRole: arn(STACK_POLICY_NAMES.serviceRole),
    serviceRoleVpc: arn(STACK_POLICY_NAMES.serviceRoleVpc),
    serviceRoleBoundary: arn(STACK_POLICY_NAMES.serviceRoleBoundary),
  };
};

/** The path and names of the bot's own function roles (serverless.yml names them so). */
export const BOT_ROLE_PATH = '/codebuild-access/';

/** The ARNs of the bot's own function roles in an account, for a stage. */
export const botRoleArns = (partition: string, accountId: string, stage: string): BotRoleArns => {
  const arn = (fn: string): string =>
    `arn:${partition}:iam::${accountId}:role${BOT_ROLE_PATH}codebuild-access-${stage}-${fn}`;
  return { plan: arn('plan'), apply: arn('apply'), rollback: arn('rollback'), verify: arn('verify') };
};

/** The ARN a service role created by the bot has. */
export const serviceRoleArn = (
  account: Pick<AccountContext, 'partition' | 'accountId'>,
  roleName: string,
): string => `arn:${account.partition}:iam::${account.accountId}:role${SERVICE_ROLE_PATH}${roleName}`;

/** The ARN of a KMS alias (`alias/NAME`) or of a key (id) in the account. */
export const kmsArn = (account: AccountContext, ref: string): string =>
  ref.startsWith('arn:')
    ? ref
    : `arn:${account.partition}:kms:${account.region}:${account.accountId}:${ref.startsWith('alias/') ? ref : `key/${ref}`}`;

/**
 * The account context of a deployment: the stack's policy ARNs and the bot's role ARNs follow from the
 * account, partition and stage; the boundary is the operator's or the stack's.
 */
export const accountContextFor = (opts: {
  accountId: string;
  region: string;
  partition: string;
  stage: string;
  kmsKeyArns?: string[];
  permissionsBoundaryArn?: string;
}): AccountContext => {
  const stackPolicies = stackPolicyArns(opts.partition, opts.accountId, opts.stage);
  return {
    accountId: opts.accountId,
    region: opts.region,
    partition: opts.partition,
    kmsKeyArns: opts.kmsKeyArns ?? [],
    stackPolicies,
    botRoles: botRoleArns(opts.partition, opts.accountId, opts.stage),
    permissionsBoundaryArn: opts.permissionsBoundaryArn ?? stackPolicies.serviceRoleBoundary,
  };
};
