/**
 * The policy documents of the seed ("Advanced setup", seed/codebuild-advanced-setup.txt) as data.
 * This is the only place that spells them out, statement for statement as the seed has them; plans,
 * approval cards and the apply step read them from here.
 */

import { IAM_NAME_CHARS } from './iam-names';

export const POLICY_VERSION = '2012-10-17';

/** One value or a list of values: IAM accepts both wherever a list is allowed. */
export type StringOrList = string | string[];

/** `"*"` or a map such as `{ "AWS": [...] }` / `{ "Service": "..." }`. */
export type PolicyPrincipal = '*' | Record<string, StringOrList>;

/** Operator -> condition key -> value(s), e.g. `{ StringEquals: { 'aws:SourceAccount': '1111' } }`. */
export type PolicyCondition = Record<string, Record<string, StringOrList>>;

/**
 * One statement. A statement has exactly one of Action/NotAction, and one of Resource/NotResource except in
 * a trust policy (the seed's create-role.json has no Resource), so none of the four is required here.
 */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: PolicyPrincipal;
  NotPrincipal?: PolicyPrincipal;
  Action?: StringOrList;
  NotAction?: StringOrList;
  Resource?: StringOrList;
  NotResource?: StringOrList;
  Condition?: PolicyCondition;
}

export interface PolicyDocument {
  Version: string;
  Id?: string;
  Statement: PolicyStatement[];
}

export type InlinePolicyTarget = 'user' | 'group';

// An exported constant is one shared object; freezing makes an accidental in-place edit throw instead of
// silently changing what every later plan grants.
const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
};

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
// CodeBuild project names; anything else (notably `*` or `?`) would widen the ArnLike condition.
const PROJECT_PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;
const ROLE_ARN = new RegExp(
  String.raw`^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?(${IAM_NAME_CHARS}{1,64})$`,
);

// Values land inside IAM and KMS policies, so a malformed one is a bug upstream, never user data to pass on.
const requireMatch = (what: string, value: string, pattern: RegExp): string => {
  if (!pattern.test(value)) throw new RangeError(`Invalid ${what}: ${JSON.stringify(value)}`);
  return value;
};

interface Partition {
  partition: string;
  dnsSuffix: string;
}

/** The ARN partition and service DNS suffix of a region (China and GovCloud differ from `aws`). */
export const partitionForRegion = (region: string): Partition => {
  requireMatch('region', region, REGION);
  if (region.startsWith('cn-')) return { partition: 'aws-cn', dnsSuffix: 'amazonaws.com.cn' };
  if (region.startsWith('us-gov-')) return { partition: 'aws-us-gov', dnsSuffix: 'amazonaws.com' };
  return { partition: 'aws', dnsSuffix: 'amazonaws.com' };
};

// --- CodeBuild access for an IAM user or group (seed: put-user-policy.json / put-group-policy.json) ---

/**
 * The seed's custom access policy, CLI variant, verbatim. The console variant is the same document
 * except that its first Sid is `CodeBuildDefaultPolicy`. The bot does not put this document anywhere:
 * its `iam:PassRole` on `*` lets the holder hand any role that trusts CodeBuild to a build and run code
 * as it. The stack creates customAccessPolicy() instead (see there); this constant stays so the tests can
 * show exactly where the two differ.
 */
export const SEED_CUSTOM_ACCESS_POLICY: PolicyDocument = deepFreeze({
  Version: POLICY_VERSION,
  Statement: [
    {
      Sid: 'CodeBuildAccessPolicy',
      Effect: 'Allow',
      Action: ['codebuild:*', 'iam:PassRole'],
      Resource: '*',
    },
    {
      Sid: 'CloudWatchLogsAccessPolicy',
      Effect: 'Allow',
      Action: ['logs:FilterLogEvents', 'logs:GetLogEvents'],
      Resource: '*',
    },
    {
      Sid: 'S3AccessPolicy',
      Effect: 'Allow',
      Action: ['s3:CreateBucket', 's3:GetObject', 's3:List*', 's3:PutObject'],
      Resource: '*',
    },
    {
      Sid: 'S3BucketIdentity',
      Effect: 'Allow',
      Action: ['s3:GetBucketAcl', 's3:GetBucketLocation'],
      Resource: '*',
    },
  ],
});

/**
 * The custom tier's policy, as the stack creates it (customer managed policy CodeBuildAccessPolicy-<stage>,
 * the seed's console path): the seed's statements, except that `iam:PassRole` is narrowed, as the seed's
 * own note invites, to roles CodeBuild may use (service roles under /codebuild/ and /service-role/) and
 * only when passed to codebuild.amazonaws.com. Documented in docs/security.md.
 */
export const customAccessPolicy = (opts: { partition: string; accountId: string }): PolicyDocument => {
  const accountId = requireMatch('account id', opts.accountId, ACCOUNT_ID);
  const [codebuild, ...rest] = SEED_CUSTOM_ACCESS_POLICY.Statement;
  return {
    Version: POLICY_VERSION,
    Statement: [
      { ...structuredClone(codebuild!), Action: ['codebuild:*'] },
      {
        Sid: 'PassServiceRolesToCodeBuild',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [
          `arn:${opts.partition}:iam::${accountId}:role/codebuild/*`,
          `arn:${opts.partition}:iam::${accountId}:role/service-role/*`,
        ],
        Condition: { StringEquals: { 'iam:PassedToService': 'codebuild.amazonaws.com' } },
      },
      ...structuredClone(rest),
    ],
  };
};

/**
 * The inline policy names earlier versions of the bot (and the seed's CLI procedure) used for the custom
 * tier. The bot no longer writes them; `status`, `verify` and `revoke` still recognise them, and a revoke
 * deletes them (deleting is never an escalation).
 */
export const legacyCustomPolicyName = (kind: InlinePolicyTarget): string =>
  kind === 'user' ? 'CodeBuildUserAccessPolicy' : 'CodeBuildGroupAccessPolicy';

// --- CodeBuild service role (seed: create-role.json, put-role-policy.json, console JSON policy) ---

export const SERVICE_ROLE_POLICY_NAME = 'CodeBuildServiceRolePolicy';

// The console variant of the seed's service role policy, which is the CLI put-role-policy.json plus the
// ECR statements a build needs to pull a custom image. Resources are written as lists throughout (the
// console text has one bare "*"; the meaning is the same).
const SERVICE_ROLE_STATEMENTS: PolicyStatement[] = [
  {
    Sid: 'CloudWatchLogsPolicy',
    Effect: 'Allow',
    Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: ['*'],
  },
  {
    Sid: 'CodeCommitPolicy',
    Effect: 'Allow',
    Action: ['codecommit:GitPull'],
    Resource: ['*'],
  },
  {
    Sid: 'S3GetObjectPolicy',
    Effect: 'Allow',
    Action: ['s3:GetObject', 's3:GetObjectVersion'],
    Resource: ['*'],
  },
  {
    Sid: 'S3PutObjectPolicy',
    Effect: 'Allow',
    Action: ['s3:PutObject'],
    Resource: ['*'],
  },
  {
    Sid: 'ECRPullPolicy',
    Effect: 'Allow',
    Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
    Resource: ['*'],
  },
  {
    Sid: 'ECRAuthPolicy',
    Effect: 'Allow',
    Action: ['ecr:GetAuthorizationToken'],
    Resource: ['*'],
  },
  {
    Sid: 'S3BucketIdentity',
    Effect: 'Allow',
    Action: ['s3:GetBucketAcl', 's3:GetBucketLocation'],
    Resource: ['*'],
  },
];

export type ServiceRolePolicyOptions =
  | { vpc: false }
  | {
      vpc: true;
      accountId: string;
      region: string;
      /** Subnets the builds run in; when given, the ENI permission is limited to them (as CodeBuild documents). */
      subnetIds?: readonly string[];
    };

const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;

// CodeBuild's documented policy for VPC builds ("Allow CodeBuild access to AWS services required to create
// a VPC network interface"). The documentation gives these statements no Sid; the Sids here are ours.
const vpcStatements = (opts: {
  accountId: string;
  region: string;
  subnetIds?: readonly string[];
}): PolicyStatement[] => {
  const accountId = requireMatch('account id', opts.accountId, ACCOUNT_ID);
  const { partition } = partitionForRegion(opts.region);
  const arnPrefix = `arn:${partition}:ec2:${opts.region}:${accountId}`;
  const subnetArns = (opts.subnetIds ?? []).map(
    (id) => `${arnPrefix}:subnet/${requireMatch('subnet id', id, SUBNET_ID)}`,
  );
  return [
    {
      Sid: 'CodeBuildVpcPolicy',
      Effect: 'Allow',
      Action: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeDhcpOptions',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DeleteNetworkInterface',
        'ec2:DescribeSubnets',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeVpcs',
      ],
      Resource: '*',
    },
    {
      Sid: 'CodeBuildVpcNetworkInterfacePermission',
      Effect: 'Allow',
      Action: ['ec2:CreateNetworkInterfacePermission'],
      Resource: `${arnPrefix}:network-interface/*`,
      Condition: {
        StringEquals: { 'ec2:AuthorizedService': 'codebuild.amazonaws.com' },
        ...(subnetArns.length > 0 ? { ArnEquals: { 'ec2:Subnet': subnetArns } } : {}),
      },
    },
  ];
};

/** The seed's CodeBuildServiceRolePolicy (with the ECR statements), plus CodeBuild's VPC statements if asked. */
export const serviceRolePolicy = (opts: ServiceRolePolicyOptions): PolicyDocument => ({
  Version: POLICY_VERSION,
  Statement: [...structuredClone(SERVICE_ROLE_STATEMENTS), ...(opts.vpc ? vpcStatements(opts) : [])],
});

/**
 * The seed's create-role.json trust policy, narrowed against the confused deputy: CodeBuild may assume
 * the role only on behalf of this account's projects whose names start with `projectPrefix`.
 */
export const serviceRoleTrustPolicy = (opts: {
  accountId: string;
  region: string;
  projectPrefix: string;
  /** The regions the role's projects run in (`--regions`); absent or empty: `region` alone. */
  regions?: string[];
}): PolicyDocument => {
  const accountId = requireMatch('account id', opts.accountId, ACCOUNT_ID);
  const prefix = requireMatch('project prefix', opts.projectPrefix, PROJECT_PREFIX);
  const { partition } = partitionForRegion(opts.region);
  const regions = opts.regions?.length ? opts.regions : [opts.region];
  const sourceArns = regions.map((region) => {
    if (partitionForRegion(region).partition !== partition) {
      throw new RangeError(`Region ${region} is not in the partition ${partition}`);
    }
    return `arn:${partition}:codebuild:${region}:${accountId}:project/${prefix}*`;
  });
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'codebuild.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': accountId },
          ArnLike: {
            // One region keeps the single string the seed shows; several become a list (any of them).
            'aws:SourceArn': sourceArns.length === 1 ? (sourceArns[0] as string) : sourceArns,
          },
        },
      },
    ],
  };
};

// --- KMS customer managed key (seed: "Create and configure an AWS KMS CMK for CodeBuild") ---

export const S3_VIA_SERVICE_SID =
  'Allow access through Amazon S3 for all principals in the account that are authorized to use Amazon S3';

const KEY_USE_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:DescribeKey',
];

/** The parts of a role ARN the key policy needs; throws on anything that is not an IAM role ARN. */
export const parseRoleArn = (roleArn: string): { partition: string; accountId: string; roleName: string } => {
  const match = ROLE_ARN.exec(roleArn);
  if (!match) throw new RangeError(`Invalid role ARN: ${JSON.stringify(roleArn)}`);
  const [, partition = '', accountId = '', roleName = ''] = match;
  return { partition, accountId, roleName };
};

/**
 * The Sid of the seed's second key statement (the seed gives it none). It names the role, so merging the
 * statement for a second service role adds a statement instead of colliding with the first; role names
 * are unique within an account, and the account is added for a role from another account.
 */
export const serviceRoleKeySid = (opts: { accountId: string; roleArn: string }): string => {
  const role = parseRoleArn(opts.roleArn);
  return role.accountId === opts.accountId
    ? `AllowCodeBuildServiceRole-${role.roleName}`
    : `AllowCodeBuildServiceRole-${role.accountId}-${role.roleName}`;
};

/** The seed's two key policy statements that let S3 (for CodeBuild) and the service role use the key. */
export const codeBuildKeyStatements = (opts: {
  accountId: string;
  region: string;
  roleArn: string;
}): PolicyStatement[] => {
  const accountId = requireMatch('account id', opts.accountId, ACCOUNT_ID);
  const { dnsSuffix } = partitionForRegion(opts.region);
  return [
    {
      Sid: S3_VIA_SERVICE_SID,
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: [...KEY_USE_ACTIONS],
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:ViaService': `s3.${opts.region}.${dnsSuffix}`,
          'kms:CallerAccount': accountId,
        },
      },
    },
    {
      Sid: serviceRoleKeySid({ accountId, roleArn: opts.roleArn }),
      Effect: 'Allow',
      Principal: { AWS: opts.roleArn },
      Action: [...KEY_USE_ACTIONS],
      Resource: '*',
    },
  ];
};

/** The default key policy KMS applies to a key created without one: the account's IAM policies govern it. */
export const defaultKeyPolicy = (accountId: string, partition = 'aws'): PolicyDocument => ({
  Version: POLICY_VERSION,
  Id: 'key-default-1',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:${partition}:iam::${requireMatch('account id', accountId, ACCOUNT_ID)}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
});

/**
 * The permissions boundary of every service role the bot creates (customer managed policy
 * CodeBuildServiceRoleBoundary-<stage>): the seed's service-role permissions plus CodeBuild's VPC
 * statements, so whatever assumes such a role can never do more than a CodeBuild build needs.
 */
export const serviceRoleBoundaryPolicy = (opts: { accountId: string; region: string }): PolicyDocument =>
  serviceRolePolicy({ vpc: true, accountId: opts.accountId, region: opts.region });

/** The Sids of the statements that let the bot's own roles finish and undo a request on a key it created. */
export const BOT_KEY_SIDS = {
  read: 'codebuild-access reads this key',
  apply: 'codebuild-access finishes setting up this key',
  rollback: 'codebuild-access may undo its own key',
} as const;

/**
 * Statements for the key policy of a key the bot creates: its plan, verify, apply and rollback roles may
 * read the key; apply may set its policy and create its alias; rollback may restore its policy, delete
 * its alias and schedule its deletion. Granting this in the key's own policy replaces tag-based (ABAC)
 * permissions, which KMS may take up to 5 minutes to honour, and which would need kms:TagResource (a
 * role that may tag could tag any key as its own).
 */
export const botKeyStatements = (roles: {
  plan: string;
  apply: string;
  rollback: string;
  verify: string;
}): PolicyStatement[] => [
  {
    Sid: BOT_KEY_SIDS.read,
    Effect: 'Allow',
    Principal: { AWS: [roles.plan, roles.verify, roles.apply, roles.rollback] },
    Action: ['kms:DescribeKey', 'kms:GetKeyPolicy'],
    Resource: '*',
  },
  {
    Sid: BOT_KEY_SIDS.apply,
    Effect: 'Allow',
    Principal: { AWS: roles.apply },
    Action: ['kms:PutKeyPolicy', 'kms:CreateAlias'],
    Resource: '*',
  },
  {
    Sid: BOT_KEY_SIDS.rollback,
    Effect: 'Allow',
    Principal: { AWS: roles.rollback },
    Action: ['kms:PutKeyPolicy', 'kms:DeleteAlias', 'kms:ScheduleKeyDeletion'],
    Resource: '*',
  },
];
