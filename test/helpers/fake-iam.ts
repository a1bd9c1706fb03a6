import {
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  DeleteGroupPolicyCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachUserPolicyCommand,
  GetGroupCommand,
  GetGroupPolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  NoSuchEntityException,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import type { PolicyDocument } from '../../src/domain/policy-documents';
import { evaluateActions } from './iam-sim';

export const ACCOUNT_ID = '111122223333';

interface Principal {
  arn: string;
  attached: Set<string>;
  tags: Record<string, string>;
  /** Inline policy name -> document text as put. */
  inline: Map<string, string>;
}

type Kind = 'user' | 'group';
type FailureMode = (commandName: string, input: Record<string, unknown>) => Error | undefined;

const notFound = (what: string): NoSuchEntityException =>
  new NoSuchEntityException({ message: `The ${what} cannot be found.`, $metadata: { httpStatusCode: 404 } });

/**
 * A small IAM for workflow tests, answered through aws-sdk-client-mock so the real IamGateway runs
 * on top. Simulation evaluates the attached AWS managed policies with iam-simulate.
 */
export class FakeIam {
  readonly users = new Map<string, Principal>();
  readonly groups = new Map<string, Principal>();
  readonly mock = mockClient(IAMClient);
  /** Return an error to fail a call (fault injection); checked before every command. */
  failWith: FailureMode = () => undefined;

  constructor() {
    this.install();
  }

  addUser(name: string, attached: string[] = [], tags: Record<string, string> = {}): void {
    this.users.set(name, {
      arn: `arn:aws:iam::${ACCOUNT_ID}:user/${name}`,
      attached: new Set(attached),
      tags,
      inline: new Map(),
    });
  }

  addGroup(name: string, attached: string[] = []): void {
    this.groups.set(name, {
      arn: `arn:aws:iam::${ACCOUNT_ID}:group/${name}`,
      attached: new Set(attached),
      tags: {},
      inline: new Map(),
    });
  }

  attached(kind: Kind, name: string): string[] {
    return [...((kind === 'user' ? this.users : this.groups).get(name)?.attached ?? [])].sort();
  }

  /** Inline policies of a user or group: name -> document text. */
  inline(kind: Kind, name: string): Map<string, string> {
    return this.find(kind, name).inline;
  }

  restore(): void {
    this.mock.restore();
  }

  private find(kind: Kind, name: unknown): Principal {
    const principal = (kind === 'user' ? this.users : this.groups).get(String(name));
    if (!principal) throw notFound(`${kind} with name ${String(name)}`);
    return principal;
  }

  private guard<I extends object, O>(
    name: string,
    fn: (input: I) => O | Promise<O>,
  ): (input: I) => Promise<O> {
    return async (input: I) => {
      const failure = this.failWith(name, input as Record<string, unknown>);
      if (failure) throw failure;
      return fn(input);
    };
  }

  private install(): void {
    const m = this.mock;
    m.on(GetUserCommand).callsFake(
      this.guard('GetUser', (i: { UserName?: string }) => ({
        User: { UserName: i.UserName, Arn: this.find('user', i.UserName).arn },
      })),
    );
    m.on(GetGroupCommand).callsFake(
      this.guard('GetGroup', (i: { GroupName?: string }) => ({
        Group: { GroupName: i.GroupName, Arn: this.find('group', i.GroupName).arn },
        Users: [],
      })),
    );
    m.on(ListUsersCommand).callsFake(
      this.guard('ListUsers', () => ({
        Users: [...this.users].map(([UserName, u]) => ({ UserName, Arn: u.arn })),
        IsTruncated: false,
      })),
    );
    m.on(ListUserTagsCommand).callsFake(
      this.guard('ListUserTags', (i: { UserName?: string }) => ({
        Tags: Object.entries(this.find('user', i.UserName).tags).map(([Key, Value]) => ({ Key, Value })),
      })),
    );
    const list = (kind: Kind) => (i: { UserName?: string; GroupName?: string }) => ({
      AttachedPolicies: [...this.find(kind, kind === 'user' ? i.UserName : i.GroupName).attached].map(
        (arn) => ({
          PolicyArn: arn,
          PolicyName: arn.split('/').pop(),
        }),
      ),
      IsTruncated: false,
    });
    m.on(ListAttachedUserPoliciesCommand).callsFake(this.guard('ListAttachedUserPolicies', list('user')));
    m.on(ListAttachedGroupPoliciesCommand).callsFake(this.guard('ListAttachedGroupPolicies', list('group')));
    const attach = (kind: Kind) => (i: { UserName?: string; GroupName?: string; PolicyArn?: string }) => {
      this.find(kind, kind === 'user' ? i.UserName : i.GroupName).attached.add(String(i.PolicyArn));
      return {};
    };
    const detach = (kind: Kind) => (i: { UserName?: string; GroupName?: string; PolicyArn?: string }) => {
      const principal = this.find(kind, kind === 'user' ? i.UserName : i.GroupName);
      if (!principal.attached.delete(String(i.PolicyArn))) throw notFound(`policy ${i.PolicyArn}`);
      return {};
    };
    m.on(AttachUserPolicyCommand).callsFake(this.guard('AttachUserPolicy', attach('user')));
    m.on(AttachGroupPolicyCommand).callsFake(this.guard('AttachGroupPolicy', attach('group')));
    m.on(DetachUserPolicyCommand).callsFake(this.guard('DetachUserPolicy', detach('user')));
    m.on(DetachGroupPolicyCommand).callsFake(this.guard('DetachGroupPolicy', detach('group')));
    const inlineOf = (kind: Kind, i: { UserName?: string; GroupName?: string }) =>
      this.find(kind, kind === 'user' ? i.UserName : i.GroupName).inline;
    const listInline = (kind: Kind) => (i: { UserName?: string; GroupName?: string }) => ({
      PolicyNames: [...inlineOf(kind, i).keys()],
      IsTruncated: false,
    });
    // IAM returns documents URL-encoded.
    const getInline = (kind: Kind) => (i: { UserName?: string; GroupName?: string; PolicyName?: string }) => {
      const text = inlineOf(kind, i).get(String(i.PolicyName));
      if (text === undefined) throw notFound(`policy ${i.PolicyName}`);
      return { PolicyName: i.PolicyName, PolicyDocument: encodeURIComponent(text) };
    };
    const putInline =
      (kind: Kind) =>
      (i: { UserName?: string; GroupName?: string; PolicyName?: string; PolicyDocument?: string }) => {
        inlineOf(kind, i).set(String(i.PolicyName), String(i.PolicyDocument));
        return {};
      };
    const deleteInline =
      (kind: Kind) => (i: { UserName?: string; GroupName?: string; PolicyName?: string }) => {
        if (!inlineOf(kind, i).delete(String(i.PolicyName))) throw notFound(`policy ${i.PolicyName}`);
        return {};
      };
    m.on(ListUserPoliciesCommand).callsFake(this.guard('ListUserPolicies', listInline('user')));
    m.on(ListGroupPoliciesCommand).callsFake(this.guard('ListGroupPolicies', listInline('group')));
    m.on(GetUserPolicyCommand).callsFake(this.guard('GetUserPolicy', getInline('user')));
    m.on(GetGroupPolicyCommand).callsFake(this.guard('GetGroupPolicy', getInline('group')));
    m.on(PutUserPolicyCommand).callsFake(this.guard('PutUserPolicy', putInline('user')));
    m.on(PutGroupPolicyCommand).callsFake(this.guard('PutGroupPolicy', putInline('group')));
    m.on(DeleteUserPolicyCommand).callsFake(this.guard('DeleteUserPolicy', deleteInline('user')));
    m.on(DeleteGroupPolicyCommand).callsFake(this.guard('DeleteGroupPolicy', deleteInline('group')));
    m.on(SimulatePrincipalPolicyCommand).callsFake(
      this.guard(
        'SimulatePrincipalPolicy',
        async (i: { PolicySourceArn?: string; ActionNames?: string[] }) => {
          const arn = String(i.PolicySourceArn);
          const principal = [...this.users.values(), ...this.groups.values()].find((p) => p.arn === arn);
          if (!principal) throw notFound(`principal ${arn}`);
          const decisions = await evaluateActions({
            managedPolicyArns: [...principal.attached],
            inlineDocuments: [...principal.inline.values()].map((text) => JSON.parse(text) as PolicyDocument),
            principalArn: arn,
            actions: i.ActionNames ?? [],
          });
          return {
            EvaluationResults: decisions.map((d) => ({ EvalActionName: d.action, EvalDecision: d.decision })),
            IsTruncated: false,
          };
        },
      ),
    );
  }
}
