import {
  codeBuildKeyStatements,
  customAccessPolicy,
  defaultKeyPolicy,
  legacyCustomPolicyName,
  type PolicyDocument,
  type PolicyStatement,
  partitionForRegion,
  S3_VIA_SERVICE_SID,
  SEED_CUSTOM_ACCESS_POLICY,
  SERVICE_ROLE_POLICY_NAME,
  serviceRoleKeySid,
  serviceRolePolicy,
  serviceRoleTrustPolicy,
} from '../../src/domain/seed-policies';
import { seedFixture, statementMeaning } from '../helpers/seed-fixtures';

// The seed's JSON, copied verbatim into fixtures (only re-indented), with its placeholders filled in.
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/CodeBuild-service-role`;
const meaning = statementMeaning;
const seed = seedFixture;

const bySid = (document: PolicyDocument) =>
  Object.fromEntries(document.Statement.map((statement) => [statement.Sid, meaning(statement)]));

describe('custom access policy', () => {
  it('is the seed put-user-policy.json, statement for statement and in order', () => {
    const fixture = seed<PolicyDocument>('custom-user-policy.json');
    expect(SEED_CUSTOM_ACCESS_POLICY.Statement.map((s) => s.Sid)).toEqual(
      fixture.Statement.map((s) => s.Sid),
    );
    expect(bySid(SEED_CUSTOM_ACCESS_POLICY)).toEqual(bySid(fixture));
    expect(SEED_CUSTOM_ACCESS_POLICY.Version).toBe(fixture.Version);
  });

  it('is narrowed by the stack only where the seed invites it: iam:PassRole goes to CodeBuild service roles only', () => {
    const stack = customAccessPolicy({ partition: 'aws', accountId: ACCOUNT });
    const seedSids = SEED_CUSTOM_ACCESS_POLICY.Statement.map((s) => s.Sid);
    expect(stack.Statement.map((s) => s.Sid)).toEqual([
      seedSids[0],
      'PassServiceRolesToCodeBuild',
      ...seedSids.slice(1),
    ]);
    expect(
      bySid({
        ...stack,
        Statement: stack.Statement.filter(
          (s) => s.Sid !== 'CodeBuildAccessPolicy' && s.Sid !== 'PassServiceRolesToCodeBuild',
        ),
      }),
    ).toEqual(
      bySid({ ...SEED_CUSTOM_ACCESS_POLICY, Statement: SEED_CUSTOM_ACCESS_POLICY.Statement.slice(1) }),
    );
    expect(stack.Statement[0]).toEqual({
      Sid: 'CodeBuildAccessPolicy',
      Effect: 'Allow',
      Action: ['codebuild:*'],
      Resource: '*',
    });
    expect(stack.Statement[1]).toEqual({
      Sid: 'PassServiceRolesToCodeBuild',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: [`arn:aws:iam::${ACCOUNT}:role/codebuild/*`, `arn:aws:iam::${ACCOUNT}:role/service-role/*`],
      Condition: { StringEquals: { 'iam:PassedToService': 'codebuild.amazonaws.com' } },
    });
  });

  it.each([
    ['user', 'CodeBuildUserAccessPolicy'],
    ['group', 'CodeBuildGroupAccessPolicy'],
  ] as const)('is named as the seed names it for a %s', (kind, name) => {
    expect(legacyCustomPolicyName(kind)).toBe(name);
  });

  it('cannot be edited in place by a caller', () => {
    expect(() => {
      (SEED_CUSTOM_ACCESS_POLICY.Statement as PolicyStatement[]).push({
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
      });
    }).toThrow(TypeError);
  });
});

describe('service role policy', () => {
  it('is the console variant of the seed, including the ECR statements', () => {
    expect(SERVICE_ROLE_POLICY_NAME).toBe('CodeBuildServiceRolePolicy');
    const fixture = seed<PolicyDocument>('service-role-policy-console.json');
    expect(serviceRolePolicy({ vpc: false }).Statement.map((s) => s.Sid)).toEqual(
      fixture.Statement.map((s) => s.Sid),
    );
    expect(bySid(serviceRolePolicy({ vpc: false }))).toEqual(bySid(fixture));
  });

  it('contains every statement of the seed CLI put-role-policy.json unchanged', () => {
    const produced = bySid(serviceRolePolicy({ vpc: false }));
    for (const statement of seed<PolicyDocument>('service-role-policy.json').Statement) {
      expect(produced[statement.Sid ?? '']).toEqual(meaning(statement));
    }
  });

  it('adds only the documented VPC statements when asked', () => {
    const plain = serviceRolePolicy({ vpc: false });
    const vpc = serviceRolePolicy({ vpc: true, accountId: ACCOUNT, region: 'eu-west-1' });
    expect(vpc.Statement.slice(0, plain.Statement.length)).toEqual(plain.Statement);
    expect(vpc.Statement.slice(plain.Statement.length)).toEqual([
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
        Resource: `arn:aws:ec2:eu-west-1:${ACCOUNT}:network-interface/*`,
        Condition: { StringEquals: { 'ec2:AuthorizedService': 'codebuild.amazonaws.com' } },
      },
    ]);
  });

  it('limits the network interface permission to the given subnets', () => {
    const vpc = serviceRolePolicy({
      vpc: true,
      accountId: ACCOUNT,
      region: REGION,
      subnetIds: ['subnet-0123456789abcdef0', 'subnet-1a2b3c4d'],
    });
    expect(vpc.Statement.at(-1)?.Condition).toEqual({
      StringEquals: { 'ec2:AuthorizedService': 'codebuild.amazonaws.com' },
      ArnEquals: {
        'ec2:Subnet': [
          `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/subnet-0123456789abcdef0`,
          `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/subnet-1a2b3c4d`,
        ],
      },
    });
  });

  it('returns a fresh document each time, so one plan cannot change another', () => {
    const first = serviceRolePolicy({ vpc: false });
    const actions = first.Statement[0]?.Action as string[];
    actions.push('s3:*');
    expect(serviceRolePolicy({ vpc: false }).Statement[0]?.Action).not.toContain('s3:*');
  });
});

describe('service role trust policy', () => {
  it('is the seed create-role.json narrowed to this account and project prefix', () => {
    const fixture = seed<PolicyDocument>('create-role.json');
    const produced = serviceRoleTrustPolicy({ accountId: ACCOUNT, region: REGION, projectPrefix: 'team-' });
    const [statement] = produced.Statement;
    const [seedStatement] = fixture.Statement;
    expect(produced.Statement).toHaveLength(1);
    expect({ ...statement, Condition: undefined }).toEqual({ ...seedStatement, Condition: undefined });
    expect(statement?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/team-*` },
    });
  });

  it.each([
    ['a wildcard prefix', { accountId: ACCOUNT, region: REGION, projectPrefix: '*' }],
    ['an empty prefix', { accountId: ACCOUNT, region: REGION, projectPrefix: '' }],
    ['a short account id', { accountId: '1234', region: REGION, projectPrefix: 'team' }],
    ['a bad region', { accountId: ACCOUNT, region: 'us east', projectPrefix: 'team' }],
  ])('refuses %s', (_label, opts) => {
    expect(() => serviceRoleTrustPolicy(opts)).toThrow(RangeError);
  });
});

describe('KMS key statements', () => {
  const fixture = seed<PolicyStatement[]>('kms-statements.json');
  const [s3Statement, roleStatement] = codeBuildKeyStatements({
    accountId: ACCOUNT,
    region: REGION,
    roleArn: ROLE_ARN,
  });

  it('keeps the first seed statement exactly, Sid included', () => {
    expect(s3Statement?.Sid).toBe(S3_VIA_SERVICE_SID);
    expect(meaning(s3Statement as PolicyStatement)).toEqual(meaning(fixture[0] as PolicyStatement));
  });

  it('gives the Sid-less second seed statement a Sid naming the role, and nothing else changes', () => {
    expect(roleStatement?.Sid).toBe('AllowCodeBuildServiceRole-CodeBuild-service-role');
    expect({ ...meaning(roleStatement as PolicyStatement), Sid: undefined }).toEqual(
      meaning(fixture[1] as PolicyStatement),
    );
  });

  it.each([
    ['a role in the key account', `arn:aws:iam::${ACCOUNT}:role/Build`, 'AllowCodeBuildServiceRole-Build'],
    [
      'a role with a path',
      `arn:aws:iam::${ACCOUNT}:role/service-role/Build`,
      'AllowCodeBuildServiceRole-Build',
    ],
    [
      'a role from another account',
      'arn:aws:iam::444455556666:role/Build',
      'AllowCodeBuildServiceRole-444455556666-Build',
    ],
    [
      'a name with +=,.@_-',
      `arn:aws:iam::${ACCOUNT}:role/a+b=c,d.e@f_g-h`,
      'AllowCodeBuildServiceRole-a+b=c,d.e@f_g-h',
    ],
  ])('derives a Sid for %s', (_label, roleArn, sid) => {
    expect(serviceRoleKeySid({ accountId: ACCOUNT, roleArn })).toBe(sid);
  });

  it('gives two roles different Sids so both can be merged into one key', () => {
    const sids = ['RoleA', 'RoleB'].map(
      (name) =>
        codeBuildKeyStatements({
          accountId: ACCOUNT,
          region: REGION,
          roleArn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
        })[1]?.Sid,
    );
    expect(new Set(sids).size).toBe(2);
  });

  it('refuses something that is not a role ARN', () => {
    expect(() =>
      codeBuildKeyStatements({
        accountId: ACCOUNT,
        region: REGION,
        roleArn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      }),
    ).toThrow(RangeError);
  });

  it('uses the China S3 endpoint for a China region', () => {
    const [statement] = codeBuildKeyStatements({
      accountId: ACCOUNT,
      region: 'cn-north-1',
      roleArn: `arn:aws-cn:iam::${ACCOUNT}:role/Build`,
    });
    expect(statement?.Condition?.StringEquals?.['kms:ViaService']).toBe('s3.cn-north-1.amazonaws.com.cn');
  });
});

describe('default key policy', () => {
  it('lets the account root (and so IAM policies) use the key', () => {
    expect(defaultKeyPolicy(ACCOUNT)).toEqual({
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
  });
});

describe('partitionForRegion', () => {
  it.each([
    ['us-east-1', 'aws'],
    ['eu-central-2', 'aws'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
  ])('puts %s in partition %s', (region, partition) => {
    expect(partitionForRegion(region).partition).toBe(partition);
  });
});
