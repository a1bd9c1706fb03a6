/**
 * What `serverless deploy` creates in the account, played into the sandbox so local mode and the flow
 * tests run the bot as it runs on AWS: the customer managed policies it attaches by ARN (serverless.yml
 * resources CodeBuildAccessPolicy, CodeBuildServiceRole(Vpc)Policy, CodeBuildServiceRoleBoundary) and
 * its own function roles, which the key policy of every key it creates names. Idempotent.
 */
import { CreateRoleCommand, GetRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import {
  type AccountFunction,
  hubRoleArn,
  memberRoleArn,
  memberSessionNamePattern,
} from '../../domain/accounts';
import { type AccountContext, STACK_POLICY_PATH } from '../../domain/plans/account';
import { policyName } from '../../domain/plans/change-plan';
import { customAccessPolicy, serviceRoleBoundaryPolicy, serviceRolePolicy } from '../../domain/seed-policies';
import type { SandboxAccount } from './account';
import { deployStackPolicies } from './stack';

const LAMBDA_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** Deploys the bot's stack policies and roles into the sandbox account (through its IAM API). */
export async function deployBotStack(
  account: SandboxAccount,
  iam: IAMClient,
  context: AccountContext,
): Promise<void> {
  deployBotPolicies(account, context);
  for (const arn of Object.values(context.botRoles)) await ensureRole(iam, arn, LAMBDA_TRUST);
}

/**
 * What deploy/member-account.yml creates in a member account, played into the sandbox: the same stack
 * policies, and one member role per hub function that only that hub function's role may assume, and
 * only under the session name that function uses.
 */
export async function deployMemberStack(
  account: SandboxAccount,
  iam: IAMClient,
  context: AccountContext,
  hub: { hubAccountId: string; stage: string; functions?: readonly AccountFunction[] },
): Promise<void> {
  deployBotPolicies(account, context);
  const { partition } = context;
  for (const fn of hub.functions ?? MEMBER_FUNCTIONS) {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:${partition}:iam::${hub.hubAccountId}:root` },
          Action: 'sts:AssumeRole',
          Condition: {
            ArnEquals: { 'aws:PrincipalArn': hubRoleArn(partition, hub.hubAccountId, hub.stage, fn) },
            StringLike: { 'sts:RoleSessionName': memberSessionNamePattern(fn) },
          },
        },
      ],
    });
    await ensureRole(iam, memberRoleArn(partition, context.accountId, hub.stage, fn), trust);
  }
}

/** The hub functions that have a member role. */
export const MEMBER_FUNCTIONS: readonly AccountFunction[] = [
  'slack',
  'plan',
  'apply',
  'rollback',
  'verify',
  'refreshUserIndex',
];

async function ensureRole(iam: IAMClient, arn: string, trust: string): Promise<void> {
  const RoleName = arn.slice(arn.lastIndexOf('/') + 1);
  // The path is the ARN's: /codebuild-access/ for the bot's own roles, / for member roles.
  const Path = arn.slice(arn.indexOf(':role/') + ':role'.length, arn.lastIndexOf('/') + 1);
  const exists = await iam
    .send(new GetRoleCommand({ RoleName }))
    .then(() => true)
    .catch(() => false);
  if (!exists) {
    await iam.send(new CreateRoleCommand({ RoleName, Path, AssumeRolePolicyDocument: trust }));
  }
}

function deployBotPolicies(account: SandboxAccount, context: AccountContext): void {
  const { stackPolicies: arns, accountId, region, partition } = context;
  deployStackPolicies(account, [
    {
      path: STACK_POLICY_PATH,
      name: policyName(arns.customTier),
      document: customAccessPolicy({ partition, accountId }),
    },
    {
      path: STACK_POLICY_PATH,
      name: policyName(arns.serviceRole),
      document: serviceRolePolicy({ vpc: false }),
    },
    {
      path: STACK_POLICY_PATH,
      name: policyName(arns.serviceRoleVpc),
      document: serviceRolePolicy({ vpc: true, accountId, region }),
    },
    {
      path: STACK_POLICY_PATH,
      name: policyName(arns.serviceRoleBoundary),
      document: serviceRoleBoundaryPolicy({ accountId, region }),
    },
  ]);
}
