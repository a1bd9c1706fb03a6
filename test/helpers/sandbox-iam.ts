/**
 * The sandbox account (src/local/sandbox) as the tests' IAM: the real IamGateway sends real SDK commands
 * that the sandbox answers, as in local mode. This file only seeds and reads the account for tests and
 * layers aws-sdk-client-mock on the account's IAM client to inject faults; every IAM rule lives in the
 * sandbox's handlers.
 */
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import type { MetadataBearer } from '@smithy/types';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import type { AccountContext } from '../../src/domain/plans';
import { SandboxAccount } from '../../src/local/sandbox/account';
import { deployBotStack } from '../../src/local/sandbox/bot-stack';
import { codebuildHandlers } from '../../src/local/sandbox/codebuild-handlers';
import { iamHandlers } from '../../src/local/sandbox/iam-handlers';
import { kmsHandlers } from '../../src/local/sandbox/kms-handlers';
import { installSandbox, type SandboxClients } from '../../src/local/sandbox/plug';

type Kind = 'user' | 'group';
/** Return an error to fail a call (fault injection); asked before every IAM command. */
export type IamFault = (commandName: string, input: Record<string, unknown>) => Error | undefined;

type IamSend = (command: { input: object; constructor: { name: string } }) => Promise<unknown>;

/** SDK clients answered by an in-memory sandbox account (nothing is persisted). */
export function inMemorySandboxClients(account: SandboxAccount): SandboxClients {
  const config = {
    region: account.region,
    credentials: { accessKeyId: 'SANDBOX', secretAccessKey: 'SANDBOX' },
  };
  const clients = {
    iam: new IAMClient(config),
    kms: new KMSClient(config),
    codebuild: new CodeBuildClient(config),
  };
  installSandbox(clients.iam, iamHandlers, account);
  installSandbox(clients.kms, kmsHandlers, account);
  installSandbox(clients.codebuild, codebuildHandlers, account);
  return clients;
}

export class SandboxIam {
  private mock: AwsStub<object, MetadataBearer, unknown> | undefined;
  private fault: IamFault = () => undefined;

  constructor(
    readonly account: SandboxAccount,
    readonly clients: SandboxClients,
  ) {}

  /** An empty account: no users, groups, roles or customer managed policies. */
  static empty(accountId: string, region: string): SandboxIam {
    const account = new SandboxAccount(accountId, region);
    return new SandboxIam(account, inMemorySandboxClients(account));
  }

  /** An empty account with the bot's stack deployed (its policies and function roles), as after deploy. */
  static async withBotStack(context: AccountContext): Promise<SandboxIam> {
    const sandbox = SandboxIam.empty(context.accountId, context.region);
    await deployBotStack(sandbox.account, sandbox.clients.iam, context);
    return sandbox;
  }

  addUser(name: string, attached: string[] = [], tags: Record<string, string> = {}): void {
    this.account.users.set(name.toLowerCase(), {
      name,
      path: '/',
      arn: this.account.principalArn('user', '/', name),
      id: this.account.newUniqueId('AIDA'),
      createDate: this.account.now(),
      tags: { ...tags },
      attachedPolicyArns: [...attached],
      inlinePolicies: {},
    });
    this.account.changed();
  }

  addGroup(name: string, attached: string[] = []): void {
    this.account.groups.set(name.toLowerCase(), {
      name,
      path: '/',
      arn: this.account.principalArn('group', '/', name),
      id: this.account.newUniqueId('AGPA'),
      createDate: this.account.now(),
      members: [],
      attachedPolicyArns: [...attached],
      inlinePolicies: {},
    });
    this.account.changed();
  }

  /** The managed policies attached to a user or group, sorted. */
  attached(kind: Kind, name: string): string[] {
    const holder = kind === 'user' ? this.account.findUser(name) : this.account.findGroup(name);
    return [...(holder?.attachedPolicyArns ?? [])].sort();
  }

  /**
   * Fails IAM calls for which `fault` returns an error; the rest reach the sandbox. Layered with
   * aws-sdk-client-mock on this account's IAM client instance.
   */
  set failWith(fault: IamFault) {
    this.fault = fault;
    if (this.mock) return;
    const unmocked = inMemorySandboxClients(this.account).iam;
    this.mock = mockClient(this.clients.iam);
    (this.mock.send as unknown as { callsFake(fn: IamSend): void }).callsFake(async (command) => {
      const name = command.constructor.name.replace(/Command$/, '');
      const failure = this.fault(name, command.input as Record<string, unknown>);
      if (failure) throw failure;
      return unmocked.send(command as never);
    });
  }

  restore(): void {
    this.mock?.restore();
    this.mock = undefined;
  }
}
