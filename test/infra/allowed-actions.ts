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

/** Keyed by the function name in serverless.yml. */
export const ALLOWED_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  slack: [
    ...OWN_LOGS,
    ...BOT_TOKEN,
    ...REQUESTS_TABLE,
    'dynamodb:PutItem',
    'states:StartExecution',
    'states:DescribeExecution',
    'states:SendTaskSuccess',
    'states:SendTaskFailure',
    'iam:GetUser',
    'iam:GetGroup',
    'iam:ListUsers',
    'iam:ListUserTags',
  ],
  plan: [...OWN_LOGS, ...BOT_TOKEN, ...REQUESTS_TABLE, ...READ_TARGETS],
  askApproval: [...OWN_LOGS, ...BOT_TOKEN, ...REQUESTS_TABLE],
  apply: [...OWN_LOGS, ...BOT_TOKEN, ...REQUESTS_TABLE, ...READ_TARGETS, ...ATTACH_ALLOWLISTED],
  rollback: [...OWN_LOGS, ...BOT_TOKEN, ...REQUESTS_TABLE, ...READ_TARGETS, ...ATTACH_ALLOWLISTED],
  verify: [
    ...OWN_LOGS,
    ...BOT_TOKEN,
    ...REQUESTS_TABLE,
    'iam:SimulatePrincipalPolicy',
    'codebuild:ListBuilds',
  ],
  report: [...OWN_LOGS, ...BOT_TOKEN, ...REQUESTS_TABLE],
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
  'states:SendTaskFailure': 'slack answers the approval task; the task token is the capability',
  'logs:CreateLogDelivery': 'state machine logging (Step Functions guide, cw-logs)',
  'logs:UpdateLogDelivery': 'state machine logging (Step Functions guide, cw-logs)',
  'logs:DeleteLogDelivery': 'state machine logging (Step Functions guide, cw-logs)',
  'logs:PutResourcePolicy': 'state machine logging: lets delivery.logs write to the vendedlogs group',
};
