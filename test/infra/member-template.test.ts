/**
 * Issue 13: deploy/member-account.yml is generated from serverless.yml (scripts/member-template.js), so
 * the bot's privileges have one definition. These tests fail when the committed file is stale, when a
 * member role holds an action its hub function does not, and when the generator would copy something it
 * cannot express in a member account. What the roles ALLOW is evaluated in test/security/escalation.test.ts.
 */
import { readFileSync } from 'node:fs';
import {
  buildMemberTemplate,
  MEMBER_FUNCTIONS,
  MemberTemplateError,
  readServerless,
  renderMemberTemplate,
} from '../../scripts/member-template';
import { type AccountFunction, hubRoleArn, memberRoleArn } from '../../src/domain/accounts';
import { stackPolicyArns } from '../../src/domain/plans';
import {
  customAccessPolicy,
  serviceRoleBoundaryPolicy,
  serviceRolePolicy,
} from '../../src/domain/seed-policies';
import { MEMBER_TEMPLATE_FILE, readMemberTemplate, resolveMemberStack } from '../helpers/member-template';
import { ALLOWED_ACTIONS } from './allowed-actions';

const MEMBER = '444455556666';
const HUB = '111122223333';
const REGION = 'eu-west-1';
const STAGE = 'prod';
const TARGET_SERVICES = /^(iam|kms|codebuild):/;
/** `${name}` in a Fn::Sub string or a serverless variable. */
const variable = (name: string) => `\${${name}}`;

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const roleId = (fn: string) => `Member${fn.charAt(0).toUpperCase()}${fn.slice(1)}Role`;
const stack = () =>
  resolveMemberStack({ memberAccount: MEMBER, region: REGION, hubAccountId: HUB, stage: STAGE });
const statementsOf = (resources: ReturnType<typeof stack>, fn: string): Statement[] =>
  (
    (resources[roleId(fn)]?.Properties?.Policies ?? []) as Array<{
      PolicyDocument: { Statement: Statement[] };
    }>
  ).flatMap((policy) => policy.PolicyDocument.Statement);

describe('deploy/member-account.yml', () => {
  it('is what `npm run member-template` generates from serverless.yml today', () => {
    // If this fails: run `npm run member-template` and commit deploy/member-account.yml.
    expect(readFileSync(MEMBER_TEMPLATE_FILE, 'utf8')).toBe(renderMemberTemplate());
  });

  it('creates exactly the stack policies, the boundary and one role per hub function that acts on a target account', () => {
    expect(
      Object.entries(readMemberTemplate().Resources)
        .map(([id, resource]) => `${resource.Type} ${id}`)
        .sort(),
    ).toEqual(
      [
        'AWS::IAM::ManagedPolicy CodeBuildAccessPolicy',
        'AWS::IAM::ManagedPolicy CodeBuildServiceRoleBoundary',
        'AWS::IAM::ManagedPolicy CodeBuildServiceRolePolicy',
        'AWS::IAM::ManagedPolicy CodeBuildServiceRoleVpcPolicy',
        ...MEMBER_FUNCTIONS.map((fn) => `AWS::IAM::Role ${roleId(fn)}`),
      ].sort(),
    );
  });

  it.each([
    ['CodeBuildAccessPolicy', customAccessPolicy({ partition: 'aws', accountId: MEMBER })],
    ['CodeBuildServiceRolePolicy', serviceRolePolicy({ vpc: false })],
    ['CodeBuildServiceRoleVpcPolicy', serviceRolePolicy({ vpc: true, accountId: MEMBER, region: REGION })],
    ['CodeBuildServiceRoleBoundary', serviceRoleBoundaryPolicy({ accountId: MEMBER, region: REGION })],
  ])(
    'creates %s with the document and ARN the hub stack has, in the member account',
    (logicalId, document) => {
      const properties = stack()[logicalId]?.Properties ?? {};
      const arns = stackPolicyArns('aws', MEMBER, STAGE);
      const key = {
        CodeBuildAccessPolicy: 'customTier',
        CodeBuildServiceRolePolicy: 'serviceRole',
        CodeBuildServiceRoleVpcPolicy: 'serviceRoleVpc',
        CodeBuildServiceRoleBoundary: 'serviceRoleBoundary',
      } as const;

      expect(properties.PolicyDocument).toEqual(document);
      expect(`arn:aws:iam::${MEMBER}:policy${properties.Path}${properties.ManagedPolicyName}`).toBe(
        arns[key[logicalId as keyof typeof key]],
      );
    },
  );

  it.each(MEMBER_FUNCTIONS)(
    'gives the %s member role exactly the IAM, KMS and CodeBuild actions of its hub role',
    (fn) => {
      const actions = [...new Set(statementsOf(stack(), fn).flatMap((s) => [s.Action].flat()))].sort();
      const hub = [...new Set((ALLOWED_ACTIONS[fn] ?? []).filter((a) => TARGET_SERVICES.test(a)))].sort();

      expect(actions).toEqual(hub);
    },
  );

  it.each(MEMBER_FUNCTIONS)(
    'names the %s member role as the hub role may assume it (codebuild-access-<stage>-member-<fn>, no path)',
    (fn) => {
      const properties = stack()[roleId(fn)]?.Properties ?? {};

      expect(properties.RoleName).toBe(`codebuild-access-${STAGE}-member-${fn}`);
      expect(properties.Path).toBeUndefined();
      expect(properties.ManagedPolicyArns).toBeUndefined();
      expect(properties.PermissionsBoundary).toBeUndefined();
    },
  );

  it.each(MEMBER_FUNCTIONS)(
    'is the %s role the bot assumes, trusting exactly the hub role the bot runs as (src/domain/accounts.ts)',
    (fn) => {
      const properties = stack()[roleId(fn)]?.Properties ?? {};
      const arn = `arn:aws:iam::${MEMBER}:role/${String(properties.RoleName)}`;
      const trust = JSON.stringify(properties.AssumeRolePolicyDocument);

      expect(arn).toBe(memberRoleArn('aws', MEMBER, STAGE, fn as AccountFunction));
      expect(trust).toContain(JSON.stringify(hubRoleArn('aws', HUB, STAGE, fn as AccountFunction)));
    },
  );

  it('states a value for every parameter but HubAccountId, so an OU rollout needs only the hub id and stage', () => {
    const parameters = readMemberTemplate().Parameters;
    const required = Object.entries(parameters)
      .filter(([, parameter]) => parameter.Default === undefined)
      .map(([name]) => name);

    expect(required).toEqual(['HubAccountId']);
    expect(Object.keys(parameters).sort()).toEqual(
      ['HubAccountId', 'KeyRegions', 'OrganizationId', 'PermissionsBoundaryArn', 'Stage'].sort(),
    );
  });
});

describe('scripts/member-template.js', () => {
  const withApplyStatement = (statement: Statement) => {
    const hub = readServerless().resources;
    const apply = hub.Resources.ApplyFunctionRole as {
      Properties: { Policies: Array<{ PolicyDocument: { Statement: Statement[] } }> };
    };
    apply.Properties.Policies[0]?.PolicyDocument.Statement.push(statement);
    return hub;
  };

  it.each<[string, Statement]>([
    [
      'a statement that mixes a target-account action with a hub one',
      { Sid: 'Mixed', Action: ['iam:GetUser', 'dynamodb:GetItem'], Resource: '*' },
    ],
    [
      'a statement on a hub resource (GetAtt)',
      { Sid: 'HubTable', Action: 'iam:GetUser', Resource: { 'Fn::GetAtt': ['RequestsTable', 'Arn'] } },
    ],
    [
      'a stage parameter the member stack has no parameter for',
      {
        Sid: 'Param',
        Action: 'iam:GetUser',
        Resource: { 'Fn::Sub': `arn:aws:iam::${variable('param:slackTeamId')}:user/*` },
      },
    ],
    [
      'a region pinned outside KMS',
      {
        Sid: 'Region',
        Action: 'codebuild:ListBuilds',
        Resource: { 'Fn::Sub': `arn:aws:codebuild:${variable('AWS::Region')}:*` },
      },
    ],
  ])('refuses to generate from %s', (_name, statement) => {
    expect(() => buildMemberTemplate(withApplyStatement(statement))).toThrow(MemberTemplateError);
  });
});
