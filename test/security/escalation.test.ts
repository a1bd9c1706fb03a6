/**
 * Issue 9: "approval is the only way in", proven with IAM's help. The service is packaged offline and
 * every role in the template is evaluated with iam-simulate against a table of escalation attempts, as if
 * the function behind it were compromised and called AWS directly with its role. Every attempt must be
 * denied for every role, and every operation the bot performs must be allowed for the role that performs
 * it (so the table cannot pass vacuously). The "If this function were compromised" table of docs/security.md
 * is checked against COMPROMISE_SUMMARY below.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memberAccountIds, NO_MEMBER_ACCOUNT } from '../../scripts/member-account-ids';
import { SESSION_NAME_PATTERNS } from '../../scripts/member-template';
import {
  type AccountFunction,
  INDEX_REFRESH_SESSION,
  memberSessionNamePattern,
  roleSessionName,
} from '../../src/domain/accounts';
import { stackPolicyArns } from '../../src/domain/plans';
import { RECORD_WRITES, REQUEST_CREATE_FIELDS, SLACK_UPDATE_FIELDS } from '../../src/domain/request';
import { defaultKeyPolicy } from '../../src/domain/seed-policies';
import { type Decision, evaluateActions } from '../helpers/iam-sim';
import { type MemberStackInput, resolveMemberStack } from '../helpers/member-template';

import { packagedTemplate, ROOT, resolveIntrinsics } from '../helpers/packaged-template';

jest.setTimeout(180_000);

const STAGE = 'test';
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const OTHER_ACCOUNT = '999988887777';
/** The stage's `accounts` param the template is packaged with: the member accounts its roles may enter. */
const DEV_MEMBER = '222233334444';
const MEMBER_ACCOUNTS_PARAM = `dev=${DEV_MEMBER},prod=444455556666`;
const arn = (service: string, rest: string, region = REGION) =>
  `arn:aws:${service}:${region}:${ACCOUNT}:${rest}`;
const iamArn = (rest: string) => `arn:aws:iam::${ACCOUNT}:${rest}`;
const STACK = stackPolicyArns('aws', ACCOUNT, STAGE);
/** Another stage deployed in the same account: its service roles share /codebuild/ with this stage's. */
const OTHER_STAGE = stackPolicyArns('aws', ACCOUNT, 'prod');
const TABLE = arn('dynamodb', `table/codebuild-access-${STAGE}-requests`);
const STATE_MACHINE = arn('states', `stateMachine:codebuild-access-${STAGE}-access-request`);
const AWS_POLICY = (name: string) => `arn:aws:iam::aws:policy/${name}`;
const KEY_ALLOWED = arn('kms', 'key/11111111-1111-1111-1111-111111111111');
const KEY_OTHER = arn('kms', 'key/22222222-2222-2222-2222-222222222222');
/** A key admin opts a key in for one stage: codebuild-access=<stage> (serverless.yml conditions on it). */
const keyTagged = (value: string) => ({ 'aws:ResourceTag/codebuild-access': value });
const ALLOWED_TAG = keyTagged(STAGE);
/** The same account's key, opted in for another stage: the roles of STAGE must not touch it. */
const OTHER_STAGE_TAG = keyTagged('prod');

type Json = unknown;
interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, Json> }>;
}

/** Resolves the intrinsics the roles use, as CloudFormation would in ACCOUNT/REGION for STAGE (no boundary param). */
const resolve = (value: Json): Json => resolveIntrinsics(value, ref);

function ref(name: string): string {
  const fixed: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::AccountId': ACCOUNT,
    'AWS::Region': REGION,
    'RequestsTable.Arn': TABLE,
    AccessRequestStateMachine: STATE_MACHINE,
    CodeBuildAccessPolicy: STACK.customTier,
    CodeBuildServiceRolePolicy: STACK.serviceRole,
    CodeBuildServiceRoleVpcPolicy: STACK.serviceRoleVpc,
    CodeBuildServiceRoleBoundary: STACK.serviceRoleBoundary,
  };
  if (fixed[name] !== undefined) return fixed[name];
  const logGroup = /^(\w+)LogGroup\.Arn$/.exec(name);
  if (logGroup) return arn('logs', `log-group:/aws/lambda/codebuild-access-${STAGE}-${logGroup[1]}:*`);
  const fn = /^(\w+)LambdaFunction\.Arn$/.exec(name);
  if (fn) {
    const name = fn[1] ?? '';
    return arn(
      'lambda',
      `function:codebuild-access-${STAGE}-${name.charAt(0).toLowerCase()}${name.slice(1)}`,
    );
  }
  throw new Error(`the escalation test does not know how to resolve ${name}`);
}

const FUNCTION_ROLES = {
  slack: 'SlackFunctionRole',
  plan: 'PlanFunctionRole',
  askApproval: 'AskApprovalFunctionRole',
  apply: 'ApplyFunctionRole',
  rollback: 'RollbackFunctionRole',
  verify: 'VerifyFunctionRole',
  report: 'ReportFunctionRole',
  remindApprovers: 'RemindApproversFunctionRole',
  refreshUserIndex: 'RefreshUserIndexFunctionRole',
  stateMachine: 'StateMachineRole',
} as const;
type Fn = keyof typeof FUNCTION_ROLES;
const FUNCTIONS = Object.keys(FUNCTION_ROLES) as Fn[];

let documents: Record<Fn, Json[]>;
/** Each function role's ARN as the packaged template names it (Path + RoleName), for the member trusts. */
let hubRoleArns: Partial<Record<Fn, string>>;

beforeAll(async () => {
  const template = await packagedTemplate<Template>(STAGE, { accounts: MEMBER_ACCOUNTS_PARAM });
  hubRoleArns = Object.fromEntries(
    FUNCTIONS.flatMap((fn) => {
      const properties = template.Resources[FUNCTION_ROLES[fn]]?.Properties ?? {};
      return typeof properties.RoleName === 'string'
        ? [[fn, iamArn(`role${String(properties.Path ?? '/')}${properties.RoleName}`)]]
        : [];
    }),
  );
  documents = Object.fromEntries(
    FUNCTIONS.map((fn) => {
      const role = template.Resources[FUNCTION_ROLES[fn]];
      if (role?.Type !== 'AWS::IAM::Role') throw new Error(`no role ${FUNCTION_ROLES[fn]}`);
      const policies = (role.Properties?.Policies ?? []) as Array<{ PolicyDocument: Json }>;
      expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
      return [fn, policies.map((policy) => resolve(policy.PolicyDocument))];
    }),
  ) as Record<Fn, Json[]>;
});

interface Attempt {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/**
 * AWS sets aws:ResourceAccount on every request to the account that owns the resource; iam-simulate
 * leaves request keys to the caller, so the attempts carry it (from the resource ARN) as AWS would.
 */
const withResourceAccount = (
  resource: string,
  context: Record<string, string | string[]> = {},
): Record<string, string | string[]> => {
  const owner = resource.split(':')[4] ?? '';
  return /^\d{12}$/.test(owner) ? { 'aws:ResourceAccount': owner, ...context } : context;
};

const decide = (fn: Fn, attempt: Attempt): Promise<Decision> =>
  decideWith(documents[fn], iamArn(`role/codebuild-access/codebuild-access-${STAGE}-${fn}`), attempt);

/** The decision for a hub role made of these (resolved) policy documents. */
const decideWith = async (
  roleDocuments: Json[],
  principalArn: string,
  attempt: Attempt,
): Promise<Decision> => {
  const [result] = await evaluateActions({
    managedPolicyArns: [],
    inlineDocuments: roleDocuments as never,
    principalArn,
    actions: [attempt.action],
    resource: attempt.resource,
    context: withResourceAccount(attempt.resource, attempt.context),
    // A key whose policy is KMS's default: it delegates to IAM, so the role's own statements decide.
    ...(attempt.resource.includes(':key/') ? { resourcePolicy: defaultKeyPolicy(ACCOUNT) as never } : {}),
  });
  return result!.decision;
};

const attach = (policyArn: string, extra: Record<string, string> = {}) => ({
  'iam:PolicyARN': policyArn,
  ...extra,
});
const withBoundary = (boundary: string) => ({ 'iam:PermissionsBoundary': boundary });

/** What nobody may do, whichever function misbehaves. */
const ESCALATIONS: Array<[string, Attempt]> = [
  ['write an inline policy on a user', { action: 'iam:PutUserPolicy', resource: iamArn('user/alice') }],
  ['write an inline policy on a group', { action: 'iam:PutGroupPolicy', resource: iamArn('group/devs') }],
  [
    'write an inline policy on a service role',
    { action: 'iam:PutRolePolicy', resource: iamArn('role/codebuild/build') },
  ],
  ['write an inline policy on any role', { action: 'iam:PutRolePolicy', resource: iamArn('role/Admin') }],
  [
    'create a service role with no boundary',
    { action: 'iam:CreateRole', resource: iamArn('role/codebuild/evil') },
  ],
  [
    'create a service role with AdministratorAccess as its boundary',
    {
      action: 'iam:CreateRole',
      resource: iamArn('role/codebuild/evil'),
      context: withBoundary(AWS_POLICY('AdministratorAccess')),
    },
  ],
  [
    'create a role outside /codebuild/, even with the right boundary',
    {
      action: 'iam:CreateRole',
      resource: iamArn('role/evil'),
      context: withBoundary(STACK.serviceRoleBoundary),
    },
  ],
  [
    'attach AdministratorAccess to a user',
    {
      action: 'iam:AttachUserPolicy',
      resource: iamArn('user/alice'),
      context: attach(AWS_POLICY('AdministratorAccess')),
    },
  ],
  [
    'attach AdministratorAccess to a group',
    {
      action: 'iam:AttachGroupPolicy',
      resource: iamArn('group/devs'),
      context: attach(AWS_POLICY('AdministratorAccess')),
    },
  ],
  [
    'attach AdministratorAccess to a service role that has the boundary',
    {
      action: 'iam:AttachRolePolicy',
      resource: iamArn('role/codebuild/build'),
      context: attach(AWS_POLICY('AdministratorAccess'), withBoundary(STACK.serviceRoleBoundary)),
    },
  ],
  [
    'attach the service-role policy to a role without the boundary',
    {
      action: 'iam:AttachRolePolicy',
      resource: iamArn('role/codebuild/build'),
      context: attach(STACK.serviceRole),
    },
  ],
  [
    'attach the service-role policy to a role outside /codebuild/',
    {
      action: 'iam:AttachRolePolicy',
      resource: iamArn('role/Admin'),
      context: attach(STACK.serviceRole, withBoundary(STACK.serviceRoleBoundary)),
    },
  ],
  [
    'attach the custom-tier policy to a role',
    {
      action: 'iam:AttachRolePolicy',
      resource: iamArn('role/codebuild/build'),
      context: attach(STACK.customTier, withBoundary(STACK.serviceRoleBoundary)),
    },
  ],
  [
    'pass a service role',
    {
      action: 'iam:PassRole',
      resource: iamArn('role/codebuild/build'),
      context: { 'iam:PassedToService': 'codebuild.amazonaws.com' },
    },
  ],
  [
    'pass any role',
    {
      action: 'iam:PassRole',
      resource: iamArn('role/Admin'),
      context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
    },
  ],
  ['create an access key', { action: 'iam:CreateAccessKey', resource: iamArn('user/alice') }],
  ['create a login profile', { action: 'iam:CreateLoginProfile', resource: iamArn('user/alice') }],
  ['change a password', { action: 'iam:UpdateLoginProfile', resource: iamArn('user/alice') }],
  [
    "rewrite a service role's trust policy",
    { action: 'iam:UpdateAssumeRolePolicy', resource: iamArn('role/codebuild/build') },
  ],
  [
    "rewrite any role's trust policy",
    { action: 'iam:UpdateAssumeRolePolicy', resource: iamArn('role/Admin') },
  ],
  [
    'add a version to the custom-tier policy',
    { action: 'iam:CreatePolicyVersion', resource: STACK.customTier },
  ],
  [
    "switch the boundary policy's default version",
    { action: 'iam:SetDefaultPolicyVersion', resource: STACK.serviceRoleBoundary },
  ],
  ['create a policy', { action: 'iam:CreatePolicy', resource: iamArn('policy/evil') }],
  ['join an admin group', { action: 'iam:AddUserToGroup', resource: iamArn('group/Admins') }],
  [
    "replace a service role's boundary",
    { action: 'iam:PutRolePermissionsBoundary', resource: iamArn('role/codebuild/build') },
  ],
  [
    "remove a service role's boundary",
    { action: 'iam:DeleteRolePermissionsBoundary', resource: iamArn('role/codebuild/build') },
  ],
  ['delete a role outside /codebuild/', { action: 'iam:DeleteRole', resource: iamArn('role/Admin') }],
  // Stages share an account's /codebuild/ path. DeleteRole stays allowed there: IAM refuses it while the
  // other stage's policy is attached (DeleteConflict, test/local/sandbox-contract.test.ts), and that
  // policy cannot be detached by this stage.
  [
    "detach another stage's service-role policy from its role",
    {
      action: 'iam:DetachRolePolicy',
      resource: iamArn('role/codebuild/prod-build'),
      context: attach(OTHER_STAGE.serviceRole),
    },
  ],
  [
    "detach another stage's VPC service-role policy from its role",
    {
      action: 'iam:DetachRolePolicy',
      resource: iamArn('role/codebuild/prod-build'),
      context: attach(OTHER_STAGE.serviceRoleVpc),
    },
  ],
  [
    'detach any other policy from a service role',
    {
      action: 'iam:DetachRolePolicy',
      resource: iamArn('role/codebuild/build'),
      context: attach(AWS_POLICY('AWSCodeBuildAdminAccess')),
    },
  ],
  [
    "attach this stage's service-role policy to a role with another stage's boundary",
    {
      action: 'iam:AttachRolePolicy',
      resource: iamArn('role/codebuild/prod-build'),
      context: attach(STACK.serviceRole, withBoundary(OTHER_STAGE.serviceRoleBoundary)),
    },
  ],
  [
    "create a service role with another stage's boundary",
    {
      action: 'iam:CreateRole',
      resource: iamArn('role/codebuild/prod-build'),
      context: withBoundary(OTHER_STAGE.serviceRoleBoundary),
    },
  ],
  [
    'tag a key it was not given',
    {
      action: 'kms:TagResource',
      resource: KEY_OTHER,
      context: { 'aws:RequestTag/codebuild-access': 'created', 'aws:TagKeys': ['codebuild-access'] },
    },
  ],
  [
    'tag an opted-in key as its own',
    { action: 'kms:TagResource', resource: KEY_ALLOWED, context: ALLOWED_TAG },
  ],
  ['rewrite the policy of a key it was not given', { action: 'kms:PutKeyPolicy', resource: KEY_OTHER }],
  ['schedule deletion of a key it was not given', { action: 'kms:ScheduleKeyDeletion', resource: KEY_OTHER }],
  [
    'schedule deletion of an opted-in key',
    { action: 'kms:ScheduleKeyDeletion', resource: KEY_ALLOWED, context: ALLOWED_TAG },
  ],
  ['disable an opted-in key', { action: 'kms:DisableKey', resource: KEY_ALLOWED, context: ALLOWED_TAG }],
  [
    'rewrite the policy of a key opted in for another stage',
    { action: 'kms:PutKeyPolicy', resource: KEY_ALLOWED, context: OTHER_STAGE_TAG },
  ],
  [
    'read the policy of a key opted in for another stage',
    { action: 'kms:GetKeyPolicy', resource: KEY_ALLOWED, context: OTHER_STAGE_TAG },
  ],
  [
    'rewrite the policy of a key tagged with the old stage-less value codebuild-access=allowed',
    { action: 'kms:PutKeyPolicy', resource: KEY_ALLOWED, context: keyTagged('allowed') },
  ],
  ['decrypt with a key it was not given', { action: 'kms:Decrypt', resource: KEY_OTHER }],
  ['decrypt with an opted-in key', { action: 'kms:Decrypt', resource: KEY_ALLOWED, context: ALLOWED_TAG }],
  [
    'create a key that bypasses the lockout check',
    { action: 'kms:CreateKey', resource: '*', context: { 'kms:BypassPolicyLockoutSafetyCheck': 'true' } },
  ],
  [
    'create a multi-Region key',
    { action: 'kms:CreateKey', resource: '*', context: { 'kms:MultiRegion': 'true' } },
  ],
  [
    'create a key with imported key material',
    { action: 'kms:CreateKey', resource: '*', context: { 'kms:KeyOrigin': 'EXTERNAL' } },
  ],
  ['repoint an alias', { action: 'kms:UpdateAlias', resource: arn('kms', 'alias/prod') }],
  [
    'assume a role in another account',
    { action: 'sts:AssumeRole', resource: `arn:aws:iam::${OTHER_ACCOUNT}:role/OrgAdmin` },
  ],
  ['assume a role in this account', { action: 'sts:AssumeRole', resource: iamArn('role/Admin') }],
  [
    "update a function's code",
    {
      action: 'lambda:UpdateFunctionCode',
      resource: arn('lambda', `function:codebuild-access-${STAGE}-apply`),
    },
  ],
  [
    "change a function's configuration",
    {
      action: 'lambda:UpdateFunctionConfiguration',
      resource: arn('lambda', `function:codebuild-access-${STAGE}-apply`),
    },
  ],
  ['read another secret', { action: 'ssm:GetParameter', resource: arn('ssm', 'parameter/prod/db-password') }],
  [
    'read Secrets Manager',
    { action: 'secretsmanager:GetSecretValue', resource: arn('secretsmanager', 'secret:prod-db') },
  ],
  ['delete the audit trail', { action: 'dynamodb:DeleteItem', resource: TABLE }],
  [
    'change the command of a request',
    {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': ['requestId', 'version', 'command'] },
    },
  ],
  [
    'change whom a request is for (targetArn)',
    {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': ['requestId', 'version', 'targetArn'] },
    },
  ],
  [
    'write a plan and its hash together',
    {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': ['requestId', 'version', 'plan', 'planHash'] },
    },
  ],
  [
    'write a plan hash and approvals together',
    {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': ['requestId', 'version', 'planHash', 'approvals'] },
    },
  ],
  ['update a request naming no attribute', { action: 'dynamodb:UpdateItem', resource: TABLE }],
  ['scan every request (and task token)', { action: 'dynamodb:Scan', resource: TABLE }],
];

/** Attribute writes only the workflow may make; the internet-facing slack function may make none. */
const SLACK_FORBIDDEN_WRITES: Array<[string, Attempt]> = [
  ...(
    [
      'plan',
      'planHash',
      'card',
      'taskToken',
      // A grant's hold token (only the workflow stores it) and who relinquished it (the expiry writes it).
      'holdToken',
      'relinquishedBy',
      'completedSteps',
      'requiredApprovals',
    ] as const
  ).flatMap(
    (attribute): Array<[string, Attempt]> => [
      [
        `create a request with its own ${attribute}`,
        {
          action: 'dynamodb:PutItem',
          resource: TABLE,
          context: { 'dynamodb:Attributes': [...REQUEST_CREATE_FIELDS, attribute] },
        },
      ],
      [
        `change the ${attribute} of a request`,
        {
          action: 'dynamodb:UpdateItem',
          resource: TABLE,
          context: { 'dynamodb:Attributes': ['requestId', 'version', attribute] },
        },
      ],
    ],
  ),
  ['fail a workflow task', { action: 'states:SendTaskFailure', resource: '*' }],
  // Only refreshUserIndex scans IAM users and writes index entries: a miss on the Slack path only asks.
  ['list the IAM users', { action: 'iam:ListUsers', resource: '*' }],
  ["list an IAM user's tags", { action: 'iam:ListUserTags', resource: iamArn('user/alice') }],
  [
    'write an IAM user index entry',
    {
      action: 'dynamodb:PutItem',
      resource: TABLE,
      context: {
        'dynamodb:LeadingKeys': ['iamuser#111122223333#U0ALICE'],
        'dynamodb:Attributes': ['requestId', 'userName', 'indexedAt'],
      },
    },
  ],
  [
    'write index entries in a batch',
    {
      action: 'dynamodb:BatchWriteItem',
      resource: TABLE,
      context: {
        'dynamodb:LeadingKeys': ['iamuser#111122223333#U0ALICE'],
        'dynamodb:Attributes': ['requestId', 'userName', 'indexedAt'],
      },
    },
  ],
  [
    'stop a workflow run',
    {
      action: 'states:StopExecution',
      resource: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:REQ-1`,
    },
  ],
];

/** Hold tokens have one writer (askApproval), and the relinquisher one (rollback): no other role writes them. */
const WORKFLOW_ONLY_WRITES: Array<[Fn, string]> = [
  ['askApproval', 'holdToken'],
  ['rollback', 'relinquishedBy'],
];

/** Approvals have one writer, the slack function (which records clicks): no workflow role may forge them. */
const APPROVALS_WRITE: Attempt = {
  action: 'dynamodb:UpdateItem',
  resource: TABLE,
  context: { 'dynamodb:Attributes': ['requestId', 'version', 'approvals'] },
};

/**
 * What the scheduled approver reminder may not do: it reminds, it never decides. No workflow action (no
 * SendTaskSuccess: approvals stay with the slack function), no record attribute but its own, and no read
 * of a whole item (the task token) or of the byTarget index.
 */
const INDEX_ENTRY = { 'dynamodb:LeadingKeys': ['iamuser#111122223333#U0ALICE'] };

/** The IAM user index refresh writes index entries, nothing of a request, and changes nothing in IAM. */
const INDEX_REFRESH_FORBIDDEN: Array<[string, Attempt]> = [
  ['read a request item with its task token', { action: 'dynamodb:GetItem', resource: TABLE }],
  [
    'overwrite a request',
    {
      action: 'dynamodb:PutItem',
      resource: TABLE,
      context: { 'dynamodb:LeadingKeys': ['REQ-KC2QP1'], 'dynamodb:Attributes': ['requestId', 'userName'] },
    },
  ],
  [
    'delete a request',
    { action: 'dynamodb:DeleteItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['REQ-KC2QP1'] } },
  ],
  [
    'put a request attribute on an index key',
    {
      action: 'dynamodb:PutItem',
      resource: TABLE,
      context: { ...INDEX_ENTRY, 'dynamodb:Attributes': ['requestId', 'status', 'taskToken'] },
    },
  ],
  ['tag an IAM user', { action: 'iam:TagUser', resource: iamArn('user/alice') }],
  [
    'read an index entry (only whether a scan is due)',
    { action: 'dynamodb:GetItem', resource: TABLE, context: INDEX_ENTRY },
  ],
  ['delete an index entry', { action: 'dynamodb:DeleteItem', resource: TABLE, context: INDEX_ENTRY }],
  [
    'read the bot token',
    { action: 'ssm:GetParameter', resource: arn('ssm', 'parameter/codebuild-access/dev/bot-token') },
  ],
];

const REMINDER_FORBIDDEN: Array<[string, Attempt]> = [
  ['answer an approval wait', { action: 'states:SendTaskSuccess', resource: '*' }],
  ['fail an approval wait', { action: 'states:SendTaskFailure', resource: '*' }],
  [
    'start a run',
    {
      action: 'states:StartExecution',
      resource: arn('states', `stateMachine:codebuild-access-${STAGE}-access-request`),
    },
  ],
  ['read a request item with its task token', { action: 'dynamodb:GetItem', resource: TABLE }],
  [
    'create a request',
    { action: 'dynamodb:PutItem', resource: TABLE, context: { 'dynamodb:Attributes': ['requestId'] } },
  ],
  [
    'set a status',
    {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': ['requestId', 'status'] },
    },
  ],
  [
    'rewrite the audit trail',
    {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': ['requestId', 'events'] },
    },
  ],
  ['update with no attribute named', { action: 'dynamodb:UpdateItem', resource: TABLE }],
  ['query the byTarget index', { action: 'dynamodb:Query', resource: `${TABLE}/index/byTarget` }],
  ['scan the table', { action: 'dynamodb:Scan', resource: TABLE }],
];

/** What each function legitimately does; each must stay allowed, or the denials above prove nothing. */
const LEGITIMATE: Array<[Fn, string, Attempt]> = [
  [
    'slack',
    'create a request',
    {
      action: 'dynamodb:PutItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': [...REQUEST_CREATE_FIELDS], 'dynamodb:ReturnValues': 'NONE' },
    },
  ],
  [
    'slack',
    'record a decision',
    {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': [...SLACK_UPDATE_FIELDS] },
    },
  ],
  [
    'slack',
    'append an audit event',
    {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': ['requestId', 'events'] },
    },
  ],
  ['slack', 'read a request', { action: 'dynamodb:GetItem', resource: TABLE }],
  ['slack', 'start the workflow', { action: 'states:StartExecution', resource: STATE_MACHINE }],
  ['slack', 'pass a decision on', { action: 'states:SendTaskSuccess', resource: '*' }],
  ['slack', 'resolve a mention', { action: 'iam:GetUser', resource: iamArn('user/alice') }],
  ['slack', "read a group's members", { action: 'iam:GetGroup', resource: iamArn('group/devs') }],
  [
    'plan',
    'tell that a new role name is free',
    { action: 'iam:GetRole', resource: iamArn('role/new-build') },
  ],
  [
    'plan',
    "read a service role's policies",
    { action: 'iam:ListAttachedRolePolicies', resource: iamArn('role/codebuild/build') },
  ],
  [
    'plan',
    'read an opted-in key policy',
    { action: 'kms:GetKeyPolicy', resource: KEY_ALLOWED, context: ALLOWED_TAG },
  ],
  [
    'plan',
    'store the plan',
    {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': [...RECORD_WRITES.plan] },
    },
  ],
  [
    'apply',
    'attach a tier policy',
    {
      action: 'iam:AttachUserPolicy',
      resource: iamArn('user/alice'),
      context: attach(AWS_POLICY('AWSCodeBuildDeveloperAccess')),
    },
  ],
  [
    'apply',
    'attach the custom tier',
    { action: 'iam:AttachGroupPolicy', resource: iamArn('group/devs'), context: attach(STACK.customTier) },
  ],
  [
    'apply',
    'delete a legacy inline policy',
    { action: 'iam:DeleteUserPolicy', resource: iamArn('user/alice') },
  ],
  [
    'apply',
    'create a service role with the boundary',
    {
      action: 'iam:CreateRole',
      resource: iamArn('role/codebuild/build'),
      context: withBoundary(STACK.serviceRoleBoundary),
    },
  ],
  [
    'apply',
    'attach the service-role policy to it',
    {
      action: 'iam:AttachRolePolicy',
      resource: iamArn('role/codebuild/build'),
      context: attach(STACK.serviceRoleVpc, withBoundary(STACK.serviceRoleBoundary)),
    },
  ],
  [
    'apply',
    'update an opted-in key policy',
    { action: 'kms:PutKeyPolicy', resource: KEY_ALLOWED, context: ALLOWED_TAG },
  ],
  ['apply', 'create a key', { action: 'kms:CreateKey', resource: '*' }],
  [
    'apply',
    "create an alias (the key half is in the new key's policy)",
    { action: 'kms:CreateAlias', resource: arn('kms', 'alias/artifacts') },
  ],
  [
    'rollback',
    'detach a tier policy',
    {
      action: 'iam:DetachUserPolicy',
      resource: iamArn('user/alice'),
      context: attach(AWS_POLICY('IAMFullAccess')),
    },
  ],
  [
    'rollback',
    'detach the service-role policy',
    {
      action: 'iam:DetachRolePolicy',
      resource: iamArn('role/codebuild/build'),
      context: attach(STACK.serviceRole),
    },
  ],
  [
    'rollback',
    'detach the VPC service-role policy',
    {
      action: 'iam:DetachRolePolicy',
      resource: iamArn('role/codebuild/build'),
      context: attach(STACK.serviceRoleVpc),
    },
  ],
  [
    'rollback',
    'delete the service role',
    { action: 'iam:DeleteRole', resource: iamArn('role/codebuild/build') },
  ],
  [
    'rollback',
    'restore an opted-in key policy',
    { action: 'kms:PutKeyPolicy', resource: KEY_ALLOWED, context: ALLOWED_TAG },
  ],
  [
    'rollback',
    "delete an alias (the key half is in the new key's policy)",
    { action: 'kms:DeleteAlias', resource: arn('kms', 'alias/artifacts') },
  ],
  ['verify', 'simulate a user', { action: 'iam:SimulatePrincipalPolicy', resource: iamArn('user/alice') }],
  [
    'verify',
    'read back an opted-in key policy',
    { action: 'kms:GetKeyPolicy', resource: KEY_ALLOWED, context: ALLOWED_TAG },
  ],
  ['report', "find a target's grants", { action: 'dynamodb:Query', resource: `${TABLE}/index/byTarget` }],
  ['report', 'refresh the Home tabs', { action: 'dynamodb:Query', resource: `${TABLE}/index/byStatus` }],
  ['askApproval', 'refresh the Home tabs', { action: 'dynamodb:Query', resource: `${TABLE}/index/byStatus` }],
  ['slack', 'show the Home tab', { action: 'dynamodb:Query', resource: `${TABLE}/index/byStatus` }],
  ['refreshUserIndex', 'list the IAM users', { action: 'iam:ListUsers', resource: '*' }],
  [
    'refreshUserIndex',
    'write index entries',
    {
      action: 'dynamodb:BatchWriteItem',
      resource: TABLE,
      context: {
        ...INDEX_ENTRY,
        'dynamodb:Attributes': ['requestId', 'userName', 'otherUserNames', 'indexedAt'],
      },
    },
  ],
  [
    'refreshUserIndex',
    'read whether a miss asked for a re-scan',
    {
      action: 'dynamodb:GetItem',
      resource: TABLE,
      context: { 'dynamodb:LeadingKeys': ['iamuser-scan#111122223333'] },
    },
  ],
  [
    'refreshUserIndex',
    'record its scan',
    {
      action: 'dynamodb:PutItem',
      resource: TABLE,
      context: {
        'dynamodb:LeadingKeys': ['iamuser-pass#111122223333'],
        'dynamodb:Attributes': ['requestId', 'indexedAt', 'taggedUsers'],
      },
    },
  ],
  [
    'slack',
    'ask for a re-scan of the IAM users',
    {
      action: 'dynamodb:PutItem',
      resource: TABLE,
      context: {
        'dynamodb:LeadingKeys': ['iamuser-scan#111122223333'],
        'dynamodb:Attributes': ['requestId', 'requestedAt'],
      },
    },
  ],
  [
    'slack',
    'drop a stale index entry',
    { action: 'dynamodb:DeleteItem', resource: TABLE, context: INDEX_ENTRY },
  ],
  [
    'remindApprovers',
    'find the requests still waiting',
    { action: 'dynamodb:Query', resource: `${TABLE}/index/byStatus` },
  ],
  [
    'remindApprovers',
    'record that it reminded the approvers',
    {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': [...RECORD_WRITES.remindApprovers] },
    },
  ],
  [
    'askApproval',
    'store the card, the task token and the plan hash',
    {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': [...RECORD_WRITES.askApproval] },
    },
  ],
  [
    'apply',
    'journal a step',
    {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': [...RECORD_WRITES.apply] },
    },
  ],
  [
    'plan',
    "read the target's time-bound grants",
    { action: 'dynamodb:Query', resource: `${TABLE}/index/byTarget` },
  ],
  [
    'rollback',
    "read the target's other grants at expiry",
    { action: 'dynamodb:Query', resource: `${TABLE}/index/byTarget` },
  ],
  [
    'verify',
    'record what it verified',
    {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': [...RECORD_WRITES.verify] },
    },
  ],
  [
    'report',
    'record the outcome',
    {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': [...RECORD_WRITES.report] },
    },
  ],
  [
    'stateMachine',
    'invoke the apply function',
    { action: 'lambda:InvokeFunction', resource: arn('lambda', `function:codebuild-access-${STAGE}-apply`) },
  ],
];

/** docs/security.md's table: what a compromised function could do at most. Checked against that file below. */
const COMPROMISE_SUMMARY: Record<Fn, string> = {
  slack:
    'create requests and record decisions (only those attributes); start runs and answer approval waits; ask for a re-scan of the IAM users and drop a stale IAM user index entry (only those keys and attributes; no IAM user listing). No plan, card, plan hash or journal; no IAM or KMS write.',
  plan: 'read users, groups, roles and opted-in keys; write the plan and the resolved target (apply refuses any plan the code would not build for the command, or whose hash is not the one the card shows).',
  askApproval:
    "post approval cards and DM approvers; store the card, the task token, the plan hash the card shows and a time-bound grant's hold token (which can only end that grant early); query requests by status. No AWS write, no plan, no approvals.",
  apply:
    "attach or detach the five seed tier policies and the stack's CodeBuildAccessPolicy on users and groups; create /codebuild/ roles only with the boundary and attach only the stack's service-role policies; delete inline policies; update opted-in key policies; create keys and aliases. No policy document of its own, no PassRole, no tags.",
  rollback:
    "detach those policies; detach this stage's service-role policies from /codebuild/ roles and delete those roles; restore opted-in key policies; delete aliases and schedule deletion of keys the bot created (granted by those keys' own policies); journal undos, record who relinquished a grant, and query a target's requests.",
  verify: 'simulate policies and read opted-in key policies; append audit events. No other write.',
  report:
    "post to Slack; set a request's status, end time, expired decision, card and endedBy, and remove the approval task token of a request that expired unanswered; query requests by target and by status. No AWS write, no plan, plan hash or approvals.",
  remindApprovers:
    'DM the approvers of requests still waiting; record approversRemindedAt and nothing else; query requests by status. No workflow action, no decision, no AWS write.',
  refreshUserIndex:
    "list IAM users and their tags, in the hub and (through its own member role) in each member account; read and write the IAM user index's own keys of the table. No request read or write, no IAM change, no Slack.",
  stateMachine: "invoke the bot's six task functions and deliver its logs.",
};

describe('escalation attempts, evaluated on the packaged template', () => {
  it('has at least 30 attempts and a legitimate operation for every function', () => {
    expect(
      ESCALATIONS.length +
        SLACK_FORBIDDEN_WRITES.length +
        REMINDER_FORBIDDEN.length +
        INDEX_REFRESH_FORBIDDEN.length,
    ).toBeGreaterThanOrEqual(30);
    expect(new Set(LEGITIMATE.map(([fn]) => fn))).toEqual(new Set(FUNCTIONS));
  });

  it.each(ESCALATIONS)('no role may %s', async (_name, attempt) => {
    const allowedFor: Fn[] = [];
    for (const fn of FUNCTIONS) if ((await decide(fn, attempt)) === 'allowed') allowedFor.push(fn);
    expect(allowedFor).toEqual([]);
  });

  it.each(FUNCTIONS.filter((fn) => fn !== 'slack'))('the %s role may not write approvals', async (fn) => {
    expect(await decide(fn, APPROVALS_WRITE)).not.toBe('allowed');
  });

  it.each(SLACK_FORBIDDEN_WRITES)('the slack role may not %s', async (_name, attempt) => {
    expect(await decide('slack', attempt)).not.toBe('allowed');
  });

  it.each(REMINDER_FORBIDDEN)('the remindApprovers role may not %s', async (_name, attempt) => {
    expect(await decide('remindApprovers', attempt)).not.toBe('allowed');
  });

  it.each(INDEX_REFRESH_FORBIDDEN)('the refreshUserIndex role may not %s', async (_name, attempt) => {
    expect(await decide('refreshUserIndex', attempt)).not.toBe('allowed');
  });

  it.each(LEGITIMATE)('the %s role may %s', async (fn, _name, attempt) => {
    expect(await decide(fn, attempt)).toBe('allowed');
  });

  it.each(WORKFLOW_ONLY_WRITES)('only the %s role may write %s', async (writer, attribute) => {
    const attempt: Attempt = {
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': ['requestId', 'version', attribute] },
    };
    const allowedFor: Fn[] = [];
    for (const fn of FUNCTIONS) if ((await decide(fn, attempt)) === 'allowed') allowedFor.push(fn);
    expect(allowedFor).toEqual([writer]);
  });

  it('docs/security.md "If this function were compromised" states exactly this table', () => {
    const securityDoc = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
    for (const fn of FUNCTIONS) {
      expect(securityDoc).toContain(`| ${fn} | ${COMPROMISE_SUMMARY[fn]} |`);
    }
  });
});

// ------------------------------------------------------------------------------------------------
// The KMS opt-in tag is per stage: a key is opted in for stage S by tagging it codebuild-access=S, so a
// compromised dev apply role cannot rewrite the policy of a key opted in for prod in the same account.
// The hub template is packaged for stage dev (the roles' condition is `${sls:stage}`, resolved by the
// framework), the member template resolved with Stage=dev.
// ------------------------------------------------------------------------------------------------
const KEY_TAGS_FOR_DEV: Array<[string, Decision]> = [
  ['prod', 'implicitDeny'],
  ['allowed', 'implicitDeny'],
  ['dev', 'allowed'],
];
const putKeyPolicyOn = (tag: string): Attempt => ({
  action: 'kms:PutKeyPolicy',
  resource: KEY_ALLOWED,
  context: keyTagged(tag),
});

describe('the KMS opt-in tag names one stage (codebuild-access=<stage>)', () => {
  let devApply: Json[];

  beforeAll(async () => {
    const template = await packagedTemplate<Template>('dev');
    const policies = (template.Resources.ApplyFunctionRole?.Properties?.Policies ?? []) as Array<{
      PolicyDocument: Json;
    }>;
    devApply = policies.map((policy) => resolve(policy.PolicyDocument));
    expect(devApply.length).toBeGreaterThan(0);
  });

  it.each(KEY_TAGS_FOR_DEV)(
    'the dev apply role, on a key tagged codebuild-access=%s, may PutKeyPolicy: %s',
    async (tag, expected) => {
      const devApplyRole = iamArn('role/codebuild-access/codebuild-access-dev-apply');
      expect(await decideWith(devApply, devApplyRole, putKeyPolicyOn(tag))).toBe(expected);
    },
  );

  it.each(KEY_TAGS_FOR_DEV)(
    'the dev member apply role, on a member key tagged codebuild-access=%s, may PutKeyPolicy: %s',
    async (tag, expected) => {
      const devMember = memberRoles({ stage: 'dev' });
      expect(await decideMember(devMember, 'apply', inMember(putKeyPolicyOn(tag)))).toBe(expected);
    },
  );
});

// ------------------------------------------------------------------------------------------------
// Issue 13: member accounts. deploy/member-account.yml (generated from serverless.yml) is resolved for
// one member account and its roles are evaluated like the hub's: each member role may do in its account
// exactly what its hub function's role may do in the hub, nothing outside IAM/KMS/CodeBuild, and only
// the matching hub role may assume it.
// ------------------------------------------------------------------------------------------------
const MEMBER = '444455556666';
const ORG = 'o-exampleorg1';
const MEMBER_FUNCTIONS = ['slack', 'plan', 'apply', 'rollback', 'verify', 'refreshUserIndex'] as const;
type MemberFn = (typeof MEMBER_FUNCTIONS)[number];
const TARGET_SERVICE = /^(iam|kms|codebuild):/;
const memberRoleArn = (fn: string, account = MEMBER) =>
  `arn:aws:iam::${account}:role/codebuild-access-${STAGE}-member-${fn}`;
/** The same attempt, on the member account's resources (users, roles, keys, the stack's policies). */
const inMember = (attempt: Attempt): Attempt =>
  JSON.parse(JSON.stringify(attempt).replaceAll(`:${ACCOUNT}:`, `:${MEMBER}:`)) as Attempt;

interface MemberRole {
  documents: Json[];
  trust: Json;
}
const memberRoles = (input: Partial<MemberStackInput> = {}): Record<MemberFn, MemberRole> => {
  const resources = resolveMemberStack({
    memberAccount: MEMBER,
    region: REGION,
    hubAccountId: ACCOUNT,
    stage: STAGE,
    ...input,
  });
  return Object.fromEntries(
    MEMBER_FUNCTIONS.map((fn) => {
      const properties = resources[`Member${fn.charAt(0).toUpperCase()}${fn.slice(1)}Role`]?.Properties ?? {};
      const policies = (properties.Policies ?? []) as Array<{ PolicyDocument: Json }>;
      return [
        fn,
        {
          documents: policies.map((policy) => policy.PolicyDocument),
          trust: properties.AssumeRolePolicyDocument,
        },
      ];
    }),
  ) as Record<MemberFn, MemberRole>;
};

/** A member role's decision; every real request carries aws:RequestedRegion (the KMS statements use it). */
const decideMember = async (
  roles: Record<MemberFn, MemberRole>,
  fn: MemberFn,
  attempt: Attempt,
  region = REGION,
): Promise<Decision> => {
  const [result] = await evaluateActions({
    managedPolicyArns: [],
    inlineDocuments: roles[fn].documents as never,
    principalArn: memberRoleArn(fn),
    actions: [attempt.action],
    resource: attempt.resource,
    context: withResourceAccount(attempt.resource, { 'aws:RequestedRegion': region, ...attempt.context }),
    ...(attempt.resource.includes(':key/') ? { resourcePolicy: defaultKeyPolicy(MEMBER) as never } : {}),
  });
  return result!.decision;
};

/** The session name each hub function really assumes its member role with (src/domain/accounts.ts). */
const realSessionName = (fn: AccountFunction): string =>
  fn === 'slack'
    ? roleSessionName({ slackUserId: 'U0ALICE' })
    : fn === 'refreshUserIndex'
      ? INDEX_REFRESH_SESSION
      : roleSessionName({ requestId: 'REQ-KC2QP1ABCD', fn });
const fnOfMemberRole = (target: string): AccountFunction =>
  target.slice(target.lastIndexOf('-member-') + '-member-'.length) as AccountFunction;

/**
 * Whether a hub principal may assume a member role: the hub principal's own policies (its sts:AssumeRole
 * statement) AND the member role's trust, as STS evaluates a cross-account AssumeRole. The request context
 * holds what AWS sets for a role session: aws:PrincipalArn (the role's ARN, path included), the
 * sts:RoleSessionName asked for (by default the one the target's function really uses) and, inside an
 * organization, aws:PrincipalOrgID.
 */
const mayAssume = async (
  trust: Json,
  caller: { arn: string; documents: Json[]; orgId?: string },
  target: string,
  sessionName: string | undefined = realSessionName(fnOfMemberRole(target)),
): Promise<Decision> => {
  const { runSimulation } = await import('@cloud-copilot/iam-simulate');
  const result = await runSimulation(
    {
      request: {
        principal: caller.arn,
        action: 'sts:AssumeRole',
        resource: { resource: target, accountId: MEMBER },
        contextVariables: {
          ...withResourceAccount(target),
          'aws:PrincipalArn': caller.arn,
          ...(sessionName !== undefined ? { 'sts:RoleSessionName': sessionName } : {}),
          ...(caller.orgId ? { 'aws:PrincipalOrgID': caller.orgId } : {}),
        },
      },
      identityPolicies: caller.documents.map((policy, index) => ({
        name: `hub-${index}`,
        policy: policy as never,
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: trust as never,
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult === 'Allowed' ? 'allowed' : 'implicitDeny';
};

/** Resources of each type a member role might be turned against, with the actions that apply to that type. */
const GRID: Array<[string[], string[]]> = [
  [
    [iamArn('user/alice')],
    [
      'iam:GetUser',
      'iam:ListUserTags',
      'iam:ListAttachedUserPolicies',
      'iam:GetUserPolicy',
      'iam:SimulatePrincipalPolicy',
      'iam:DeleteUserPolicy',
      'iam:CreateUser',
      'iam:DeleteUser',
    ],
  ],
  [
    [iamArn('group/devs')],
    ['iam:GetGroup', 'iam:ListAttachedGroupPolicies', 'iam:SimulatePrincipalPolicy', 'iam:DeleteGroupPolicy'],
  ],
  [
    [
      iamArn('role/codebuild/build'),
      iamArn('role/Admin'),
      iamArn(`role/codebuild-access-${STAGE}-member-apply`),
    ],
    [
      'iam:GetRole',
      'iam:GetRolePolicy',
      'iam:ListAttachedRolePolicies',
      'iam:SimulatePrincipalPolicy',
      'iam:DetachRolePolicy',
      'iam:DeleteRole',
      'iam:TagRole',
    ],
  ],
  [
    [KEY_ALLOWED, KEY_OTHER],
    ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'kms:CreateGrant', 'kms:ScheduleKeyDeletion'],
  ],
  [[arn('kms', 'alias/artifacts')], ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias']],
  [[arn('codebuild', 'project/app')], ['codebuild:StartBuild', 'codebuild:BatchGetProjects']],
  [['*'], ['iam:ListUsers', 'codebuild:ListBuilds', 'codebuild:ListProjects', 'kms:CreateKey']],
];

/** Everything the hub roles are tested on above, on the services a member role acts on. */
const TARGET_ATTEMPTS: Array<[string, Attempt]> = [
  ...ESCALATIONS,
  ...LEGITIMATE.map(([fn, name, attempt]): [string, Attempt] => [`${fn}: ${name}`, attempt]),
  ...GRID.flatMap(([resources, actions]) =>
    resources.flatMap((resource) =>
      actions.map((action): [string, Attempt] =>
        resource === KEY_ALLOWED
          ? [`${action} on an opted-in key`, { action, resource, context: ALLOWED_TAG }]
          : [`${action} on ${resource}`, { action, resource }],
      ),
    ),
  ),
].filter(([, attempt]) => TARGET_SERVICE.test(attempt.action));

/** Hub-side resources and other services: no member role may touch them. */
const OUTSIDE_MEMBER_ROLE: Array<[string, Attempt]> = [
  ['read a request', { action: 'dynamodb:GetItem', resource: TABLE }],
  ['create a request', { action: 'dynamodb:PutItem', resource: TABLE }],
  ['start a workflow run', { action: 'states:StartExecution', resource: STATE_MACHINE }],
  ['answer an approval wait', { action: 'states:SendTaskSuccess', resource: '*' }],
  [
    'read the bot token',
    {
      action: 'ssm:GetParameter',
      resource: arn('ssm', `parameter/codebuild-access/${STAGE}/slack-bot-token`),
    },
  ],
  ['write logs', { action: 'logs:PutLogEvents', resource: arn('logs', 'log-group:/aws/lambda/x:*') }],
  ['assume another member role', { action: 'sts:AssumeRole', resource: memberRoleArn('apply') }],
  ['assume a role in the hub', { action: 'sts:AssumeRole', resource: iamArn('role/Admin') }],
  ['read an S3 object', { action: 's3:GetObject', resource: 'arn:aws:s3:::artifacts/build.zip' }],
  ['invoke a function', { action: 'lambda:InvokeFunction', resource: arn('lambda', 'function:x') }],
];

describe('member roles (deploy/member-account.yml), evaluated on the template', () => {
  let roles: Record<MemberFn, MemberRole>;
  beforeAll(() => {
    roles = memberRoles();
  });

  it('probes every member role with attempts that its hub role allows, and with ones it denies', async () => {
    for (const fn of MEMBER_FUNCTIONS) {
      const decisions = new Set<Decision>();
      for (const [, attempt] of TARGET_ATTEMPTS) decisions.add(await decide(fn, attempt));
      expect({ fn, decisions: [...decisions].sort() }).toEqual({
        fn,
        decisions: ['allowed', 'implicitDeny'],
      });
    }
  });

  it.each(MEMBER_FUNCTIONS)(
    'the %s member role decides every IAM, KMS and CodeBuild attempt in its account as its hub role does in the hub',
    async (fn) => {
      const differences: string[] = [];
      for (const [name, attempt] of TARGET_ATTEMPTS) {
        const hub = await decide(fn, attempt);
        const member = await decideMember(roles, fn, inMember(attempt));
        if (hub !== member) differences.push(`${name}: hub ${hub}, member ${member}`);
      }
      expect(differences).toEqual([]);
    },
  );

  it.each(ESCALATIONS.filter(([, attempt]) => TARGET_SERVICE.test(attempt.action)))(
    'no member role may %s in its account',
    async (_name, attempt) => {
      const allowedFor: MemberFn[] = [];
      for (const fn of MEMBER_FUNCTIONS) {
        if ((await decideMember(roles, fn, inMember(attempt))) === 'allowed') allowedFor.push(fn);
      }
      expect(allowedFor).toEqual([]);
    },
  );

  it.each(OUTSIDE_MEMBER_ROLE)('no member role may %s', async (_name, attempt) => {
    const allowedFor: MemberFn[] = [];
    for (const fn of MEMBER_FUNCTIONS)
      if ((await decideMember(roles, fn, attempt)) === 'allowed') allowedFor.push(fn);
    expect(allowedFor).toEqual([]);
  });

  it('the slack member role may read and simulate, and write nothing in IAM or KMS', async () => {
    const writes = LEGITIMATE.filter(([fn]) => fn === 'apply' || fn === 'rollback')
      .map(([, , attempt]) => inMember(attempt))
      .filter((attempt) => TARGET_SERVICE.test(attempt.action));
    const allowed: string[] = [];
    for (const attempt of writes) {
      if ((await decideMember(roles, 'slack', attempt)) === 'allowed') allowed.push(attempt.action);
    }

    expect(writes.length).toBeGreaterThanOrEqual(10);
    expect(allowed).toEqual([]);
    expect(
      await decideMember(roles, 'slack', inMember({ action: 'iam:GetUser', resource: iamArn('user/alice') })),
    ).toBe('allowed');
  });

  it('the refreshUserIndex member role may list the users and their tags, and nothing else', async () => {
    const allowed = new Set<string>();
    for (const [, attempt] of TARGET_ATTEMPTS) {
      if ((await decideMember(roles, 'refreshUserIndex', inMember(attempt))) === 'allowed') {
        allowed.add(attempt.action);
      }
    }
    const onward: Attempt[] = [
      ...MEMBER_FUNCTIONS.map((fn) => ({ action: 'sts:AssumeRole', resource: memberRoleArn(fn) })),
      { action: 'sts:AssumeRole', resource: iamArn(`role/codebuild-access/codebuild-access-${STAGE}-apply`) },
      { action: 'iam:TagUser', resource: `arn:aws:iam::${MEMBER}:user/alice` },
      { action: 'iam:UntagUser', resource: `arn:aws:iam::${MEMBER}:user/alice` },
      { action: 'iam:ListRoles', resource: '*' },
    ];
    const refused: string[] = [];
    for (const attempt of onward) {
      refused.push(`${attempt.action} ${await decideMember(roles, 'refreshUserIndex', attempt)}`);
    }

    expect([...allowed].sort()).toEqual(['iam:ListUserTags', 'iam:ListUsers']);
    expect(
      await decideMember(roles, 'refreshUserIndex', {
        action: 'iam:ListUserTags',
        resource: `arn:aws:iam::${MEMBER}:user/a.chen`,
      }),
    ).toBe('allowed');
    // Its own account's users only: not another account's, even by ARN.
    expect(
      await decideMember(roles, 'refreshUserIndex', {
        action: 'iam:ListUserTags',
        resource: `arn:aws:iam::${OTHER_ACCOUNT}:user/a.chen`,
      }),
    ).toBe('implicitDeny');
    expect(refused).toEqual(onward.map((attempt) => `${attempt.action} implicitDeny`));
  });

  it('uses KMS keys only in the stack region, unless KeyRegions lists more', async () => {
    const key = `arn:aws:kms:eu-west-1:${MEMBER}:key/11111111-1111-1111-1111-111111111111`;
    const readKey: Attempt = { action: 'kms:GetKeyPolicy', resource: key, context: ALLOWED_TAG };
    const widened = memberRoles({ keyRegions: [REGION, 'eu-west-1'] });

    expect(await decideMember(roles, 'plan', readKey, 'eu-west-1')).toBe('implicitDeny');
    expect(await decideMember(widened, 'plan', readKey, 'eu-west-1')).toBe('allowed');
    expect(await decideMember(widened, 'plan', { ...readKey, context: {} }, 'eu-west-1')).toBe(
      'implicitDeny',
    );
  });

  it('names the hub roles codebuild-access/codebuild-access-<stage>-<fn>, which the member trusts name', () => {
    expect(hubRoleArns).toMatchObject(
      Object.fromEntries(
        MEMBER_FUNCTIONS.map((fn) => [fn, iamArn(`role/codebuild-access/codebuild-access-${STAGE}-${fn}`)]),
      ),
    );
  });

  it.each(MEMBER_FUNCTIONS)('only the hub %s role may assume its member role', async (fn) => {
    const target = memberRoleArn(fn);
    const caller = (who: Fn) => ({
      arn: hubRoleArns[who] ?? iamArn(`role/${who}`),
      documents: documents[who],
    });
    const allowedFor: Fn[] = [];
    for (const who of FUNCTIONS)
      if ((await mayAssume(roles[fn].trust, caller(who), target)) === 'allowed') allowedFor.push(who);

    expect(allowedFor).toEqual([fn]);
  });

  it.each<[string, { arn: string; documents?: Json[] }]>([
    ['the hub account root', { arn: `arn:aws:iam::${ACCOUNT}:root` }],
    ['an administrator role in the hub', { arn: iamArn('role/Admin') }],
    [
      'the same role name in another account',
      { arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/codebuild-access/codebuild-access-${STAGE}-apply` },
    ],
    ['the apply role of another stage', { arn: iamArn('role/codebuild-access/codebuild-access-dev-apply') }],
    ['the apply role name without its path', { arn: iamArn(`role/codebuild-access-${STAGE}-apply`) }],
  ])('the apply member role refuses %s, even with a policy that allows AssumeRole', async (_name, caller) => {
    const anything = [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] },
    ];
    expect(
      await mayAssume(roles.apply.trust, { ...caller, documents: anything }, memberRoleArn('apply')),
    ).toBe('implicitDeny');
  });

  it.each(MEMBER_FUNCTIONS)(
    'the %s member role admits its hub role only under the session name that function uses',
    async (fn) => {
      const target = memberRoleArn(fn);
      const caller = { arn: hubRoleArns[fn] ?? '', documents: documents[fn] };
      const others = MEMBER_FUNCTIONS.filter((other) => other !== fn).map(realSessionName);
      const wrong = [...others, 'evil', `x-${realSessionName(fn)}`, undefined];
      const admitted: Array<string | undefined> = [];
      for (const name of wrong) {
        if ((await mayAssume(roles[fn].trust, caller, target, name)) === 'allowed') admitted.push(name);
      }

      expect(await mayAssume(roles[fn].trust, caller, target, realSessionName(fn))).toBe('allowed');
      expect(admitted).toEqual([]);
    },
  );

  it.each(MEMBER_FUNCTIONS)(
    "the %s member trust's session name pattern is the one src/domain/accounts.ts gives that function",
    (fn) => {
      const statement = (roles[fn].trust as { Statement: Array<{ Condition: Json }> }).Statement[0];
      expect(statement?.Condition).toMatchObject({
        StringLike: { 'sts:RoleSessionName': memberSessionNamePattern(fn) },
      });
      expect(SESSION_NAME_PATTERNS[fn]).toBe(memberSessionNamePattern(fn));
    },
  );

  it('with OrganizationId set, admits the hub role only from inside that organization', async () => {
    const inOrg = memberRoles({ organizationId: ORG });
    const apply = { arn: hubRoleArns.apply ?? '', documents: documents.apply };

    expect(await mayAssume(inOrg.apply.trust, { ...apply, orgId: ORG }, memberRoleArn('apply'))).toBe(
      'allowed',
    );
    expect(
      await mayAssume(inOrg.apply.trust, { ...apply, orgId: 'o-otherorg000' }, memberRoleArn('apply')),
    ).toBe('implicitDeny');
    expect(await mayAssume(inOrg.apply.trust, apply, memberRoleArn('apply'))).toBe('implicitDeny');
    // Without the parameter the trust has no organization condition at all.
    expect(JSON.stringify(roles.apply.trust)).not.toContain('PrincipalOrgID');
  });

  it('lets each hub function assume only its own member role, only in the accounts the accounts param names', async () => {
    const assumable: string[] = [];
    for (const who of FUNCTIONS) {
      for (const fn of MEMBER_FUNCTIONS) {
        for (const account of [MEMBER, DEV_MEMBER, OTHER_ACCOUNT, ACCOUNT]) {
          const attempt = { action: 'sts:AssumeRole', resource: memberRoleArn(fn, account) };
          if ((await decide(who, attempt)) === 'allowed') assumable.push(`${who} -> ${fn} in ${account}`);
        }
      }
    }

    expect(assumable).toEqual(
      MEMBER_FUNCTIONS.flatMap((fn) => [`${fn} -> ${fn} in ${MEMBER}`, `${fn} -> ${fn} in ${DEV_MEMBER}`]),
    );
  });

  it('packaged with no member account, lets no hub function assume any member role', async () => {
    const template = await packagedTemplate<Template>(STAGE);
    const assumable: string[] = [];
    for (const who of FUNCTIONS) {
      const role = template.Resources[FUNCTION_ROLES[who]];
      const policies = (role?.Properties?.Policies ?? []) as Array<{ PolicyDocument: Json }>;
      for (const fn of MEMBER_FUNCTIONS) {
        for (const account of [MEMBER, OTHER_ACCOUNT, ACCOUNT]) {
          const [result] = await evaluateActions({
            managedPolicyArns: [],
            inlineDocuments: policies.map((policy) => resolve(policy.PolicyDocument)) as never,
            principalArn: iamArn(`role/codebuild-access/codebuild-access-${STAGE}-${who}`),
            actions: ['sts:AssumeRole'],
            resource: memberRoleArn(fn, account),
            context: withResourceAccount(memberRoleArn(fn, account)),
          });
          if (result?.decision === 'allowed') assumable.push(`${who} -> ${fn} in ${account}`);
        }
      }
    }

    expect(assumable).toEqual([]);
    expect(JSON.stringify(template)).toContain(`"aws:ResourceAccount":["${NO_MEMBER_ACCOUNT}"]`);
  });

  it.each<[string, string, string[] | RegExp]>([
    ['none', '', [NO_MEMBER_ACCOUNT]],
    [
      'two, with a repeat and spaces',
      'dev=222233334444, prod=444455556666,qa=222233334444',
      ['222233334444', '444455556666'],
    ],
    ['a short id', 'dev=12345', /"dev=12345" is not one/],
    ['no name', '222233334444', /"222233334444" is not one/],
  ])('turns the accounts param into the member account ids: %s', (_what, accounts, expected) => {
    if (expected instanceof RegExp) expect(() => memberAccountIds(accounts)).toThrow(expected);
    else expect(memberAccountIds(accounts)).toEqual(expected);
  });
});
