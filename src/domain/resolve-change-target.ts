import { type ChangeCommand, isTierCommand, type ResolvedTarget } from './command';
import { ConfigMissingError } from './errors';
import { type AccountContext, kmsArn, serviceRoleArn } from './plans';
import { type ResolveDeps, resolveTarget } from './resolve-target';

/**
 * What a change request is about, as far as the slack function can tell before planning: an IAM user or
 * group that exists, or the ARN a role or key will have. The plan step resolves keys and roles for real.
 */
export async function resolveChangeTarget(
  deps: ResolveDeps & { account?: AccountContext },
  command: ChangeCommand,
): Promise<ResolvedTarget> {
  if (isTierCommand(command)) return resolveTarget(deps, command.target);
  const account = deps.account;
  if (!account) {
    throw new ConfigMissingError(
      'The bot does not know its AWS account and region (AWS_ACCOUNT_ID, AWS_REGION), so it cannot set up ' +
        'service roles or KMS keys yet. Tell the bot admins. Nothing was changed.',
    );
  }
  switch (command.action) {
    case 'service-role':
      return { kind: 'role', name: command.roleName, arn: serviceRoleArn(account, command.roleName) };
    case 'kms-allow':
      return { kind: 'key', name: command.key, arn: kmsArn(account, command.key) };
    case 'kms-create':
      return { kind: 'key', name: command.alias, arn: kmsArn(account, command.alias) };
  }
}
