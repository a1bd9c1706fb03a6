import {
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachUserPolicyCommand,
  GetGroupCommand,
  GetUserCommand,
  type IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { describeOperation, type Operation, type PrincipalRef } from '../domain/plan';
import type { IamPort } from '../domain/ports';
import { classifyAwsError, isNotFound } from './classify-error';

/** IamPort on the AWS SDK. Every SDK error leaves here as one of our named errors. */
export class IamGateway implements IamPort {
  constructor(private readonly client: IAMClient) {}

  async findPrincipal(kind: 'user' | 'group', name: string): Promise<PrincipalRef | undefined> {
    try {
      if (kind === 'user') {
        const out = await this.client.send(new GetUserCommand({ UserName: name }));
        return out.User?.Arn ? { kind, name, arn: out.User.Arn } : undefined;
      }
      const out = await this.client.send(new GetGroupCommand({ GroupName: name, MaxItems: 1 }));
      return out.Group?.Arn ? { kind, name, arn: out.Group.Arn } : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw classifyAwsError(error, `look up IAM ${kind} ${name}`);
    }
  }

  async findUserByTag(key: string, value: string): Promise<PrincipalRef | undefined> {
    const matches: PrincipalRef[] = [];
    try {
      let marker: string | undefined;
      do {
        const page = await this.client.send(new ListUsersCommand({ Marker: marker }));
        // Tags are not in ListUsers; ask for each user's tags, a few at a time.
        const users = page.Users ?? [];
        for (let i = 0; i < users.length; i += 10) {
          const batch = users.slice(i, i + 10);
          const tagged = await Promise.all(
            batch.map(async (user) => {
              const tags = await this.client.send(new ListUserTagsCommand({ UserName: user.UserName }));
              return tags.Tags?.some((tag) => tag.Key === key && tag.Value === value) ? user : undefined;
            }),
          );
          for (const user of tagged) {
            if (user?.UserName && user.Arn)
              matches.push({ kind: 'user', name: user.UserName, arn: user.Arn });
          }
        }
        marker = page.IsTruncated ? page.Marker : undefined;
      } while (marker);
    } catch (error) {
      throw classifyAwsError(error, `find the IAM user tagged ${key}=${value}`);
    }
    // Two users claiming one Slack identity is ambiguous; refuse rather than guess.
    return matches.length === 1 ? matches[0] : undefined;
  }

  async listAttachedPolicyArns(principal: PrincipalRef): Promise<string[]> {
    const arns: string[] = [];
    try {
      let marker: string | undefined;
      do {
        const page =
          principal.kind === 'user'
            ? await this.client.send(
                new ListAttachedUserPoliciesCommand({ UserName: principal.name, Marker: marker }),
              )
            : await this.client.send(
                new ListAttachedGroupPoliciesCommand({ GroupName: principal.name, Marker: marker }),
              );
        for (const policy of page.AttachedPolicies ?? []) {
          if (policy.PolicyArn) arns.push(policy.PolicyArn);
        }
        marker = page.IsTruncated ? page.Marker : undefined;
      } while (marker);
    } catch (error) {
      throw classifyAwsError(error, `list the policies attached to ${principal.kind} ${principal.name}`);
    }
    return arns;
  }

  async run(op: Operation): Promise<'changed' | 'unchanged'> {
    const what = describeOperation(op);
    try {
      switch (op.type) {
        case 'attachPolicy': {
          // Attach is idempotent in IAM, but the journal must know whether we changed anything,
          // so a rollback never detaches a policy that someone else had attached.
          const attached = await this.listAttachedPolicyArns(op.principal);
          if (attached.includes(op.policyArn)) return 'unchanged';
          if (op.principal.kind === 'user') {
            await this.client.send(
              new AttachUserPolicyCommand({ PolicyArn: op.policyArn, UserName: op.principal.name }),
            );
          } else {
            await this.client.send(
              new AttachGroupPolicyCommand({ PolicyArn: op.policyArn, GroupName: op.principal.name }),
            );
          }
          return 'changed';
        }
        case 'detachPolicy': {
          try {
            if (op.principal.kind === 'user') {
              await this.client.send(
                new DetachUserPolicyCommand({ PolicyArn: op.policyArn, UserName: op.principal.name }),
              );
            } else {
              await this.client.send(
                new DetachGroupPolicyCommand({ PolicyArn: op.policyArn, GroupName: op.principal.name }),
              );
            }
          } catch (error) {
            if (isNotFound(error)) return 'unchanged';
            throw error;
          }
          return 'changed';
        }
      }
    } catch (error) {
      throw classifyAwsError(error, what);
    }
  }

  async simulate(
    principalArn: string,
    actions: string[],
  ): Promise<Array<{ action: string; allowed: boolean }>> {
    const results: Array<{ action: string; allowed: boolean }> = [];
    try {
      let marker: string | undefined;
      do {
        const page = await this.client.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: principalArn,
            ActionNames: actions,
            Marker: marker,
          }),
        );
        for (const result of page.EvaluationResults ?? []) {
          if (result.EvalActionName) {
            results.push({ action: result.EvalActionName, allowed: result.EvalDecision === 'allowed' });
          }
        }
        marker = page.IsTruncated ? page.Marker : undefined;
      } while (marker);
    } catch (error) {
      throw classifyAwsError(error, `simulate the policies of ${principalArn}`);
    }
    return results;
  }
}
