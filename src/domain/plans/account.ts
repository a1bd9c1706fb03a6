/** The AWS account and region the bot works in, and the setup options from config. */
export interface AccountContext {
  accountId: string;
  region: string;
  /** aws, aws-cn or aws-us-gov (from the region). */
  partition: string;
  /** When set, every service role is created with this permissions boundary. */
  permissionsBoundaryArn?: string;
  /** When non-empty, `kms allow` may change only these keys. */
  kmsKeyArns: string[];
}

/** Roles the bot creates live under this path; its own IAM role may touch no other role. */
export const SERVICE_ROLE_PATH = '/codebuild/';

/** The ARN a service role created by the bot has. */
export const serviceRoleArn = (account: AccountContext, roleName: string): string =>
  `arn:${account.partition}:iam::${account.accountId}:role${SERVICE_ROLE_PATH}${roleName}`;

/** The ARN of a KMS alias (`alias/NAME`) or of a key (id) in the account. */
export const kmsArn = (account: AccountContext, ref: string): string =>
  ref.startsWith('arn:')
    ? ref
    : `arn:${account.partition}:kms:${account.region}:${account.accountId}:${ref.startsWith('alias/') ? ref : `key/${ref}`}`;
