/**
 * The seed's "Create a CodeBuild service role" as a plan, on the seed's console path: CreateRole (with
 * the stack's permissions boundary), then attach the stack's CodeBuildServiceRolePolicy (or its VPC
 * variant) by ARN. The bot never writes a role policy document.
 */
import type { ResolvedTarget } from '../command';
import { ConflictError } from '../errors';
import {
  type PolicyDocument,
  SERVICE_ROLE_POLICY_NAME,
  serviceRolePolicy,
  serviceRoleTrustPolicy,
} from '../seed-policies';
import { type AccountContext, SERVICE_ROLE_PATH, serviceRoleArn } from './account';
import { type ChangePlan, type PrincipalRef, policyName } from './change-plan';
import { describeDocumentDifference, parsePolicyText, validatePolicyDocument } from './compare-documents';

/** What IAM says about a role that already exists (documents decoded). */
export interface RoleFacts {
  arn: string;
  path: string;
  trustPolicy: string;
  permissionsBoundaryArn?: string;
  /** Managed policies attached to the role (read only for roles under /codebuild/). */
  attachedPolicyArns: string[];
  /** Inline policy name -> document text (read only for roles under /codebuild/). */
  inlinePolicies: Record<string, string>;
}

export interface ServiceRoleRequest {
  roleName: string;
  vpc: boolean;
  projectPrefix: string;
  /** The regions its projects run in (`--regions`); absent: the account's region. */
  regions?: string[];
}

/** The service-role actions verify expects to be allowed (seed policy) and denied. */
export const SERVICE_ROLE_EXPECTED_ACTIONS = [
  'logs:PutLogEvents',
  's3:GetObject',
  'ecr:GetAuthorizationToken',
];

/** The documents a service role request asks for: the seed's trust and inline policy, narrowed to this account. */
export const serviceRoleDocuments = (
  request: ServiceRoleRequest,
  account: AccountContext,
): { trustPolicy: PolicyDocument; inlinePolicy: PolicyDocument; policyArn: string } => ({
  policyArn: request.vpc ? account.stackPolicies.serviceRoleVpc : account.stackPolicies.serviceRole,
  trustPolicy: serviceRoleTrustPolicy({
    accountId: account.accountId,
    region: account.region,
    projectPrefix: request.projectPrefix,
    ...(request.regions ? { regions: request.regions } : {}),
  }),
  inlinePolicy: serviceRolePolicy(
    request.vpc ? { vpc: true, accountId: account.accountId, region: account.region } : { vpc: false },
  ),
});

/**
 * Plans the service role. A role of that name that already exists is reused only when it is exactly what
 * was asked for (then there is nothing to do); any difference is a Conflict that lists it.
 */
export function planServiceRole(
  request: ServiceRoleRequest,
  account: AccountContext,
  existing: RoleFacts | undefined,
): ChangePlan {
  const { trustPolicy, inlinePolicy, policyArn } = serviceRoleDocuments(request, account);
  validatePolicyDocument(trustPolicy);
  const arn = existing?.arn ?? serviceRoleArn(account, request.roleName);
  const role: PrincipalRef = { kind: 'role', name: request.roleName, arn };
  const target: ResolvedTarget = { kind: 'role', name: request.roleName, arn };
  const expectAllowed = [
    ...SERVICE_ROLE_EXPECTED_ACTIONS,
    ...(request.vpc ? ['ec2:CreateNetworkInterface'] : []),
  ];
  const base = {
    summary: `Create CodeBuild service role ${request.roleName}${request.vpc ? ' (with VPC permissions)' : ''}`,
    target,
    warnings: [] as string[],
    requiredApprovals: 1 as const,
    verification: { principalArn: arn, expectAllowed, expectDenied: ['iam:CreateRole'] },
  };
  if (existing !== undefined) {
    const differences = roleDifferences(existing, { trustPolicy, inlinePolicy, policyArn }, account);
    if (differences.length > 0) {
      throw new ConflictError(
        `Role ${request.roleName} already exists and is not what you asked for, so I left it untouched:\n` +
          `${differences.map((line) => `• ${line}`).join('\n')}\n` +
          'Pick another role name, or fix or delete the role yourself and ask again.',
      );
    }
    return {
      ...base,
      steps: [],
      unchanged: [
        `Role ${existing.path}${request.roleName} exists with the same trust policy, boundary and ${policyName(policyArn)}`,
      ],
    };
  }
  return {
    ...base,
    steps: [
      {
        id: 'create-role',
        do: {
          type: 'createRole',
          role,
          path: SERVICE_ROLE_PATH,
          trustPolicy,
          description: serviceRoleDescription(request),
          permissionsBoundaryArn: account.permissionsBoundaryArn,
        },
        undo: { type: 'deleteRole', role },
      },
      {
        id: `attach:${policyName(policyArn)}`,
        do: { type: 'attachPolicy', principal: role, policyArn },
        undo: { type: 'detachPolicy', principal: role, policyArn },
      },
    ],
    unchanged: [],
    details: [
      `CodeBuild may assume the role only for projects ${request.projectPrefix}* in account ${account.accountId} ` +
        `(aws:SourceAccount, aws:SourceArn).`,
      `Permissions: ${policyName(policyArn)} (created by the bot's stack, the seed's document${request.vpc ? ' plus VPC' : ''}).`,
      `Permissions boundary: ${account.permissionsBoundaryArn}.`,
    ],
  };
}

/** The role description the bot sets; the apply step checks a createRole carries exactly this one. */
export const serviceRoleDescription = (request: Pick<ServiceRoleRequest, 'projectPrefix'>): string =>
  `CodeBuild service role for projects ${request.projectPrefix}* (codebuild-access)`;

function roleDifferences(
  existing: RoleFacts,
  wanted: { trustPolicy: PolicyDocument; inlinePolicy: PolicyDocument; policyArn: string },
  account: AccountContext,
): string[] {
  const lines: string[] = [];
  if (existing.path !== SERVICE_ROLE_PATH) {
    lines.push(
      `its path is ${existing.path}, not ${SERVICE_ROLE_PATH} (the bot only manages roles under ${SERVICE_ROLE_PATH})`,
    );
    return lines;
  }
  lines.push(
    ...describeDocumentDifference('trust policy', parsePolicyText(existing.trustPolicy), wanted.trustPolicy),
  );
  // A role made by an earlier version carries the seed's policy inline instead of the stack's managed one.
  const legacyText = existing.inlinePolicies[SERVICE_ROLE_POLICY_NAME];
  const hasManaged = existing.attachedPolicyArns.includes(wanted.policyArn);
  if (!hasManaged && legacyText === undefined) {
    lines.push(`it does not have ${policyName(wanted.policyArn)} attached`);
  } else if (!hasManaged && legacyText !== undefined) {
    lines.push(
      ...describeDocumentDifference(
        SERVICE_ROLE_POLICY_NAME,
        parsePolicyText(legacyText),
        wanted.inlinePolicy,
      ),
    );
  }
  const otherAttached = existing.attachedPolicyArns.filter((arn) => arn !== wanted.policyArn);
  if (otherAttached.length > 0)
    lines.push(`it has other managed policies: ${otherAttached.map(policyName).join(', ')}`);
  const others = Object.keys(existing.inlinePolicies).filter((name) => name !== SERVICE_ROLE_POLICY_NAME);
  if (others.length > 0) lines.push(`it has other inline policies: ${others.join(', ')}`);
  if ((existing.permissionsBoundaryArn ?? '') !== account.permissionsBoundaryArn) {
    lines.push(
      `its permissions boundary is ${existing.permissionsBoundaryArn ?? 'none'}, the configured one is ${account.permissionsBoundaryArn}`,
    );
  }
  return lines;
}
