/**
 * The IAM actions each role in serverless.yml may hold, written out by hand so that a change to the
 * bot's own permissions shows up in review as a change to this file. template.test.ts checks that
 * every role holds exactly these actions: nothing more (least privilege) and nothing less (a stale
 * entry here would hide a later, unreviewed grant).
 */

const OWN_LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const BOT_TOKEN = ['ssm:GetParameter'];
// Only slack creates a request (PutItem); the workflow tasks read it and update it.
const REQUESTS_TABLE = ['dynamodb:GetItem', 'dynamodb:UpdateItem'];
const READ_TARGETS = [
  'iam:GetUser',
  'iam:GetGroup',
  'iam:ListAttachedUserPolicies',
  'iam:ListAttachedGroupPolicies',
];
const ATTACH_ALLOWLISTED = [
  'iam:AttachUserPolicy',
  'iam:DetachUserPolicy',
  'iam:AttachGroupPolicy',
  'iam:DetachGroupPolicy',
];

const READ_INLINE = [
  'iam:ListUserPolicies',
  'iam:GetUserPolicy',
  'iam:ListGroupPolicies',
  'iam:GetGroupPolicy',
];
// Deleting a legacy inline custom policy (revoke … custom). No role may put one (issue 9).
const DELETE_LEGACY_INLINE = ['iam:DeleteUserPolicy', 'iam:DeleteGroupPolicy'];
const READ_SERVICE_ROLES = [
  'iam:GetRole',
  'iam:ListAttachedRolePolicies',
  'iam:ListRolePolicies',
  'iam:GetRolePolicy',
];
const READ_KEYS = ['kms:DescribeKey', 'kms:GetKeyPolicy'];
// Its own member role in a member account (deploy/member-account.yml), and no other role.
const ASSUME_MEMBER_ROLE = ['sts:AssumeRole'];
// The IAM user index's keys of the requests table (dynamodb:LeadingKeys iamuser*): the refresh reads whether
// a scan is due and writes entries and the pass; it never deletes.
const USER_INDEX_REFRESH = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem'];

/** Keyed by the function name in serverless.yml. */
export const ALLOWED_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  slack: [
    ...OWN_LOGS,
    ...ASSUME_MEMBER_ROLE,
    ...BOT_TOKEN,
    ...REQUESTS_TABLE,
    'dynamodb:PutItem',
    'states:StartExecution',
    'states:DescribeExecution',
    'states:SendTaskSuccess',
    'iam:GetUser',
    'iam:GetGroup',
    'iam:ListAttachedUserPolicies',
    'iam:ListAttachedGroupPolicies',
    ...READ_INLINE,
    'iam:SimulatePrincipalPolicy',
    'codebuild:ListBuilds',
    'dynamodb:Query',
    // The IAM user index's keys: a miss asks for a re-scan (PutItem, above) and drops a stale entry.
    'dynamodb:DeleteItem',
  ],
  plan: [
    ...OWN_LOGS,
    ...ASSUME_MEMBER_ROLE,
    ...BOT_TOKEN,
    ...REQUESTS_TABLE,
    ...READ_TARGETS,
    ...READ_INLINE,
    ...READ_SERVICE_ROLES,
    ...READ_KEYS,
    'dynamodb:Query',
  ],
  // Query: the Home tabs a new card changes, through byStatus only.
  askApproval: [...OWN_LOGS, ...BOT_TOKEN, ...REQUESTS_TABLE, 'dynamodb:Query'],
  apply: [
    ...OWN_LOGS,
    ...ASSUME_MEMBER_ROLE,
    ...BOT_TOKEN,
    ...REQUESTS_TABLE,
    ...READ_TARGETS,
    ...ATTACH_ALLOWLISTED,
    ...DELETE_LEGACY_INLINE,
    ...READ_SERVICE_ROLES,
    'iam:CreateRole',
    'iam:AttachRolePolicy',
    ...READ_KEYS,
    'kms:PutKeyPolicy',
    'kms:CreateKey',
    'kms:CreateAlias',
  ],
  rollback: [
    ...OWN_LOGS,
    ...ASSUME_MEMBER_ROLE,
    ...BOT_TOKEN,
    ...REQUESTS_TABLE,
    ...READ_TARGETS,
    ...ATTACH_ALLOWLISTED,
    'iam:DetachRolePolicy',
    'iam:DeleteRole',
    'dynamodb:Query',
    ...READ_KEYS,
    'kms:PutKeyPolicy',
    'kms:DeleteAlias',
  ],
  verify: [
    ...OWN_LOGS,
    ...ASSUME_MEMBER_ROLE,
    ...BOT_TOKEN,
    ...REQUESTS_TABLE,
    'iam:SimulatePrincipalPolicy',
    'codebuild:ListBuilds',
    ...READ_KEYS,
  ],
  report: [...OWN_LOGS, ...BOT_TOKEN, ...REQUESTS_TABLE, 'dynamodb:Query'],
  // The scheduled approver reminder: waiting requests (byStatus) and approversRemindedAt, no GetItem, no workflow.
  remindApprovers: [...OWN_LOGS, ...BOT_TOKEN, 'dynamodb:Query', 'dynamodb:UpdateItem'],
  // The scheduled IAM user index refresh: users and their tags (in a member account through its own member
  // role); the index's keys only, no request read.
  refreshUserIndex: [
    ...OWN_LOGS,
    ...ASSUME_MEMBER_ROLE,
    'iam:ListUsers',
    'iam:ListUserTags',
    ...USER_INDEX_REFRESH,
  ],
};

/** The access-request state machine's role: invoke the task functions, deliver its ERROR logs. */
export const STATE_MACHINE_ALLOWED_ACTIONS: readonly string[] = [
  'lambda:InvokeFunction',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];

/**
 * Write actions that may use `"Resource": "*"` because AWS offers no resource-level permission for
 * them (the "Resource types" column of the Service Authorization Reference is empty), with the reason
 * each one is needed. Any other write action on "*" fails the template test.
 */
export const WILDCARD_WRITE_EXCEPTIONS: Readonly<Record<string, string>> = {
  'states:SendTaskSuccess': 'slack answers the approval task; the task token is the capability',
  'logs:CreateLogDelivery': 'state machine logging (Step Functions guide, cw-logs)',
  'logs:UpdateLogDelivery': 'state machine logging (Step Functions guide, cw-logs)',
  'logs:DeleteLogDelivery': 'state machine logging (Step Functions guide, cw-logs)',
  'logs:PutResourcePolicy': 'state machine logging: lets delivery.logs write to the vendedlogs group',
  'kms:CreateKey':
    'apply creates the `kms create` key (no resource-level permission); a new key holds no data, and its own policy names the bot roles',
};
