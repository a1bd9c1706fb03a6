import {
  type AttachedPolicy,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateRoleCommand,
  DeleteGroupPolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetGroupCommand,
  GetGroupPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  type IAMClient,
  ListUserTagsCommand,
  paginateGetGroup,
  paginateListAttachedGroupPolicies,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListGroupPolicies,
  paginateListRolePolicies,
  paginateListUserPolicies,
  paginateListUsers,
  paginateSimulatePrincipalPolicy,
} from '@aws-sdk/client-iam';
import { ConflictError } from '../domain/errors';
import {
  describeOperation,
  documentsEquivalent,
  type IamOperation,
  type PrincipalRef,
  parsePolicyText,
  type RoleFacts,
  SERVICE_ROLE_PATH,
} from '../domain/plans';
import type { IamPort } from '../domain/ports';
import { awsErrorName, classifyAwsError, isNotFound } from './classify-error';

// IAM returns every policy document URL-encoded (RFC 3986).
const decodePolicy = (text: string | undefined): string => decodeURIComponent(text ?? '');

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

  async groupMemberNames(groupName: string): Promise<string[] | undefined> {
    const names: string[] = [];
    try {
      for await (const page of paginateGetGroup({ client: this.client }, { GroupName: groupName })) {
        for (const user of page.Users ?? []) {
          if (user.UserName) names.push(user.UserName);
        }
      }
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw classifyAwsError(error, `list the members of IAM group ${groupName}`);
    }
    return names;
  }

  async userWithTags(
    name: string,
  ): Promise<{ principal: PrincipalRef; tags: Record<string, string> } | undefined> {
    try {
      // GetUser returns every tag of the user (at most 50), so one call confirms an index entry.
      const out = await this.client.send(new GetUserCommand({ UserName: name }));
      const user = out.User;
      if (!user?.Arn || !user.UserName) return undefined;
      const tags = Object.fromEntries((user.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
      return { principal: { kind: 'user', name: user.UserName, arn: user.Arn }, tags };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw classifyAwsError(error, `look up IAM user ${name}`);
    }
  }

  async usersTagged(key: string): Promise<Array<{ principal: PrincipalRef; value: string }>> {
    const found: Array<{ principal: PrincipalRef; value: string }> = [];
    try {
      for await (const page of paginateListUsers({ client: this.client }, {})) {
        // Tags are not in ListUsers; ask for each user's tags, a few at a time.
        const users = page.Users ?? [];
        for (let i = 0; i < users.length; i += 10) {
          const batch = users.slice(i, i + 10);
          const tagged = await Promise.all(
            batch.map(async (user) => {
              const tags = await this.client.send(new ListUserTagsCommand({ UserName: user.UserName }));
              const value = tags.Tags?.find((tag) => tag.Key === key)?.Value;
              return value !== undefined && user.UserName && user.Arn
                ? { principal: { kind: 'user' as const, name: user.UserName, arn: user.Arn }, value }
                : undefined;
            }),
          );
          for (const entry of tagged) if (entry) found.push(entry);
        }
      }
    } catch (error) {
      throw classifyAwsError(error, `list the IAM users tagged ${key}`);
    }
    return found;
  }

  async listAttachedPolicyArns(principal: PrincipalRef): Promise<string[]> {
    const arns: string[] = [];
    try {
      for await (const page of this.attachedPages(principal)) {
        for (const policy of page.AttachedPolicies ?? []) {
          if (policy.PolicyArn) arns.push(policy.PolicyArn);
        }
      }
    } catch (error) {
      throw classifyAwsError(error, `list the policies attached to ${principal.kind} ${principal.name}`);
    }
    return arns;
  }

  private attachedPages(principal: PrincipalRef): AsyncIterable<{ AttachedPolicies?: AttachedPolicy[] }> {
    const config = { client: this.client };
    switch (principal.kind) {
      case 'user':
        return paginateListAttachedUserPolicies(config, { UserName: principal.name });
      case 'group':
        return paginateListAttachedGroupPolicies(config, { GroupName: principal.name });
      case 'role':
        return paginateListAttachedRolePolicies(config, { RoleName: principal.name });
    }
  }

  async listInlinePolicies(principal: PrincipalRef): Promise<Record<string, string>> {
    const policies: Record<string, string> = {};
    try {
      const names: string[] = [];
      for await (const page of this.inlinePages(principal)) names.push(...(page.PolicyNames ?? []));
      for (const name of names) {
        const text = await this.getInlinePolicy(principal, name);
        if (text !== undefined) policies[name] = text;
      }
    } catch (error) {
      throw classifyAwsError(error, `list the inline policies of ${principal.kind} ${principal.name}`);
    }
    return policies;
  }

  async getRole(roleName: string): Promise<RoleFacts | undefined> {
    try {
      const out = await this.client.send(new GetRoleCommand({ RoleName: roleName }));
      const role = out.Role;
      if (!role?.Arn) return undefined;
      const ref: PrincipalRef = { kind: 'role', name: roleName, arn: role.Arn };
      const boundary = role.PermissionsBoundary?.PermissionsBoundaryArn;
      const path = role.Path ?? '/';
      // The bot may read the policies only of roles under /codebuild/ (serverless.yml); any other role is
      // never the bot's to use or change, and its path alone says so.
      const mine = path === SERVICE_ROLE_PATH;
      return {
        arn: role.Arn,
        path,
        trustPolicy: decodePolicy(role.AssumeRolePolicyDocument),
        attachedPolicyArns: mine ? await this.listAttachedPolicyArns(ref) : [],
        inlinePolicies: mine ? await this.listInlinePolicies(ref) : {},
        ...(boundary ? { permissionsBoundaryArn: boundary } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw classifyAwsError(error, `look up IAM role ${roleName}`);
    }
  }

  private inlinePages(principal: PrincipalRef): AsyncIterable<{ PolicyNames?: string[] }> {
    const config = { client: this.client };
    switch (principal.kind) {
      case 'user':
        return paginateListUserPolicies(config, { UserName: principal.name });
      case 'group':
        return paginateListGroupPolicies(config, { GroupName: principal.name });
      case 'role':
        return paginateListRolePolicies(config, { RoleName: principal.name });
    }
  }

  /** The inline policy's text, or undefined when there is none of that name. */
  private async getInlinePolicy(principal: PrincipalRef, policyName: string): Promise<string | undefined> {
    try {
      switch (principal.kind) {
        case 'user':
          return decodePolicy(
            (
              await this.client.send(
                new GetUserPolicyCommand({ UserName: principal.name, PolicyName: policyName }),
              )
            ).PolicyDocument,
          );
        case 'group':
          return decodePolicy(
            (
              await this.client.send(
                new GetGroupPolicyCommand({ GroupName: principal.name, PolicyName: policyName }),
              )
            ).PolicyDocument,
          );
        case 'role':
          return decodePolicy(
            (
              await this.client.send(
                new GetRolePolicyCommand({ RoleName: principal.name, PolicyName: policyName }),
              )
            ).PolicyDocument,
          );
      }
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async deleteInlinePolicy(
    principal: PrincipalRef,
    policyName: string,
  ): Promise<'changed' | 'unchanged'> {
    try {
      switch (principal.kind) {
        case 'user':
          await this.client.send(
            new DeleteUserPolicyCommand({ UserName: principal.name, PolicyName: policyName }),
          );
          break;
        case 'group':
          await this.client.send(
            new DeleteGroupPolicyCommand({ GroupName: principal.name, PolicyName: policyName }),
          );
          break;
        case 'role':
          await this.client.send(
            new DeleteRolePolicyCommand({ RoleName: principal.name, PolicyName: policyName }),
          );
          break;
      }
    } catch (error) {
      if (isNotFound(error)) return 'unchanged';
      throw error;
    }
    return 'changed';
  }

  private async createRole(
    op: Extract<IamOperation, { type: 'createRole' }>,
  ): Promise<'changed' | 'unchanged'> {
    try {
      await this.client.send(
        new CreateRoleCommand({
          RoleName: op.role.name,
          Path: op.path,
          AssumeRolePolicyDocument: JSON.stringify(op.trustPolicy),
          Description: op.description,
          PermissionsBoundary: op.permissionsBoundaryArn,
        }),
      );
      return 'changed';
    } catch (error) {
      if (
        awsErrorName(error) !== 'EntityAlreadyExistsException' &&
        awsErrorName(error) !== 'EntityAlreadyExists'
      ) {
        throw error;
      }
    }
    // A retry after a create whose journal entry was lost, or someone else's role made since the plan.
    // Only an identical role counts as done, and as 'unchanged', so a rollback never deletes a role it
    // cannot prove it made.
    const existing = await this.getRole(op.role.name);
    if (
      existing &&
      existing.path === op.path &&
      existing.permissionsBoundaryArn === op.permissionsBoundaryArn &&
      documentsEquivalent(parsePolicyText(existing.trustPolicy), op.trustPolicy)
    ) {
      return 'unchanged';
    }
    throw new ConflictError(
      `Role ${op.role.name} was created by someone else after the plan was approved; I left it untouched. Ask again.`,
    );
  }

  private async attach(principal: PrincipalRef, PolicyArn: string): Promise<void> {
    switch (principal.kind) {
      case 'user':
        await this.client.send(new AttachUserPolicyCommand({ PolicyArn, UserName: principal.name }));
        return;
      case 'group':
        await this.client.send(new AttachGroupPolicyCommand({ PolicyArn, GroupName: principal.name }));
        return;
      case 'role':
        await this.client.send(new AttachRolePolicyCommand({ PolicyArn, RoleName: principal.name }));
        return;
    }
  }

  private async detach(principal: PrincipalRef, PolicyArn: string): Promise<void> {
    switch (principal.kind) {
      case 'user':
        await this.client.send(new DetachUserPolicyCommand({ PolicyArn, UserName: principal.name }));
        return;
      case 'group':
        await this.client.send(new DetachGroupPolicyCommand({ PolicyArn, GroupName: principal.name }));
        return;
      case 'role':
        await this.client.send(new DetachRolePolicyCommand({ PolicyArn, RoleName: principal.name }));
        return;
    }
  }

  async run(op: IamOperation): Promise<'changed' | 'unchanged'> {
    const what = describeOperation(op);
    try {
      switch (op.type) {
        case 'deleteInlinePolicy':
          return await this.deleteInlinePolicy(op.principal, op.policyName);
        case 'createRole':
          return await this.createRole(op);
        case 'deleteRole':
          try {
            await this.client.send(new DeleteRoleCommand({ RoleName: op.role.name }));
            return 'changed';
          } catch (error) {
            if (isNotFound(error)) return 'unchanged';
            throw error;
          }
        case 'attachPolicy': {
          // Attach is idempotent in IAM, but the journal must know whether we changed anything,
          // so a rollback never detaches a policy that someone else had attached.
          const attached = await this.listAttachedPolicyArns(op.principal);
          if (attached.includes(op.policyArn)) return 'unchanged';
          await this.attach(op.principal, op.policyArn);
          return 'changed';
        }
        case 'detachPolicy': {
          try {
            await this.detach(op.principal, op.policyArn);
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
      const pages = paginateSimulatePrincipalPolicy(
        { client: this.client },
        { PolicySourceArn: principalArn, ActionNames: actions },
      );
      for await (const page of pages) {
        for (const result of page.EvaluationResults ?? []) {
          if (result.EvalActionName) {
            results.push({ action: result.EvalActionName, allowed: result.EvalDecision === 'allowed' });
          }
        }
      }
    } catch (error) {
      throw classifyAwsError(error, `simulate the policies of ${principalArn}`);
    }
    return results;
  }
}
