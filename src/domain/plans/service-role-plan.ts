/** The seed's "Create a CodeBuild service role" as a plan: CreateRole, then PutRolePolicy. */
import type { ResolvedTarget } from '../command';
import { ConflictError, QuotaExceededError } from '../errors';
import {
  type PolicyDocument,
  SERVICE_ROLE_POLICY_NAME,
  serviceRolePolicy,
  serviceRoleTrustPolicy,
} from '../policy-documents';
import { checkInlineQuota } from '../policy-size';
import { type AccountContext, SERVICE_ROLE_PATH, serviceRoleArn } from './account';
import type { ChangePlan, PrincipalRef } from './change-plan';
import { describeDocumentDifference, parsePolicyText, validatePolicyDocument } from './documents';

/** What IAM says about a role that already exists (documents decoded). */
export interface RoleFacts {
  arn: string;
  path: string;
  trustPolicy: string;
  permissionsBoundaryArn?: string;
  /** Inline policy name -> document text. */
  inlinePolicies: Record<string, string>;
}

export interface ServiceRoleRequest {
  roleName: string;
  vpc: boolean;
  projectPrefix: string;
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
): { trustPolicy: PolicyDocument; inlinePolicy: PolicyDocument } => ({
  trustPolicy: serviceRoleTrustPolicy({
    accountId: account.accountId,
    region: account.region,
    projectPrefix: request.projectPrefix,
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
  const { trustPolicy, inlinePolicy } = serviceRoleDocuments(request, account);
  validatePolicyDocument(trustPolicy);
  validatePolicyDocument(inlinePolicy);
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
    const differences = roleDifferences(existing, trustPolicy, inlinePolicy, account);
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
        `Role ${existing.path}${request.roleName} exists with the same trust policy and ${SERVICE_ROLE_POLICY_NAME}`,
      ],
    };
  }
  const quota = checkInlineQuota('role', [], inlinePolicy, request.roleName);
  if (!quota.ok) throw new QuotaExceededError(quota.message);
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
          description: `CodeBuild service role for projects ${request.projectPrefix}* (codebuild-access)`,
          ...(account.permissionsBoundaryArn
            ? { permissionsBoundaryArn: account.permissionsBoundaryArn }
            : {}),
        },
        undo: { type: 'deleteRole', role },
      },
      {
        id: `put:${SERVICE_ROLE_POLICY_NAME}`,
        do: {
          type: 'putInlinePolicy',
          principal: role,
          policyName: SERVICE_ROLE_POLICY_NAME,
          document: inlinePolicy,
        },
        undo: { type: 'deleteInlinePolicy', principal: role, policyName: SERVICE_ROLE_POLICY_NAME },
      },
    ],
    unchanged: [],
    details: [
      `CodeBuild may assume the role only for projects ${request.projectPrefix}* in account ${account.accountId} ` +
        `(aws:SourceAccount, aws:SourceArn).`,
      account.permissionsBoundaryArn
        ? `Permissions boundary: ${account.permissionsBoundaryArn}.`
        : 'No permissions boundary is configured (PERMISSIONS_BOUNDARY_ARN).',
      `Inline policy size: ${quota.total.toLocaleString('en-US')} of ${quota.limit.toLocaleString('en-US')} characters (IAM quota).`,
    ],
  };
}

function roleDifferences(
  existing: RoleFacts,
  trustPolicy: PolicyDocument,
  inlinePolicy: PolicyDocument,
  account: AccountContext,
): string[] {
  const lines: string[] = [];
  if (existing.path !== SERVICE_ROLE_PATH) {
    lines.push(
      `its path is ${existing.path}, not ${SERVICE_ROLE_PATH} (the bot only manages roles under ${SERVICE_ROLE_PATH})`,
    );
  }
  lines.push(
    ...describeDocumentDifference('trust policy', parsePolicyText(existing.trustPolicy), trustPolicy),
  );
  const inlineText = Object.entries(existing.inlinePolicies).find(
    ([name]) => name === SERVICE_ROLE_POLICY_NAME,
  )?.[1];
  if (inlineText === undefined) {
    lines.push(`it has no inline ${SERVICE_ROLE_POLICY_NAME}`);
  } else {
    lines.push(
      ...describeDocumentDifference(SERVICE_ROLE_POLICY_NAME, parsePolicyText(inlineText), inlinePolicy),
    );
  }
  const others = Object.keys(existing.inlinePolicies).filter((name) => name !== SERVICE_ROLE_POLICY_NAME);
  if (others.length > 0) lines.push(`it has other inline policies: ${others.join(', ')}`);
  if ((existing.permissionsBoundaryArn ?? '') !== (account.permissionsBoundaryArn ?? '')) {
    lines.push(
      `its permissions boundary is ${existing.permissionsBoundaryArn ?? 'none'}, the configured one is ${account.permissionsBoundaryArn ?? 'none'}`,
    );
  }
  return lines;
}
