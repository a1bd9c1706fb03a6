/**
 * Plugs the sandbox account into real AWS SDK v3 clients. A middleware at the very start of the stack
 * answers each command from a handler table, so everything above the client (IamGateway, the KMS adapter)
 * is the code that runs in AWS, while nothing below it runs: no endpoint or credential resolution, no
 * signing, no HTTP, and no SDK retries.
 *
 * Fault injection with aws-sdk-client-mock on top of a sandboxed client:
 *
 *   const { iam } = createSandboxClients(store);
 *   const iamMock = mockClient(iam);        // stubs this instance's send(); the sandbox stays installed
 *   iamMock.send.callThrough();             // anything not configured below goes to the sandbox
 *   iamMock.on(AttachUserPolicyCommand).rejectsOnce(throttling);  // first attach fails, the next reaches it
 *
 * `reset()` replaces the stub, so call `send.callThrough()` again after it; `restore()` removes the mock.
 * To inspect a call and still let it through, forward from `callsFake` via a second, unmocked client on
 * the same store (mockClient stubs one instance only):
 *
 *   const unmocked = createSandboxClients(store).iam;
 *   iamMock.on(AttachUserPolicyCommand).rejectsOnce(throttling)
 *     .callsFake((input) => unmocked.send(new AttachUserPolicyCommand(input)));
 *
 * (Sending through `getClient()` inside callsFake would hit the stub again.) Calls the mock answers itself
 * never reach the sandbox, so they change nothing in the account.
 */
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import type { SandboxAccount, SandboxStore } from './account';
import { codebuildHandlers } from './codebuild-handlers';
import { responseMetadata, type SandboxHandlers, SandboxNotImplementedError } from './handler-kit';
import { iamHandlers } from './iam-handlers';
import { kmsHandlers } from './kms-handlers';

export { SandboxNotImplementedError };

type SandboxArgs = { input: object };
type SandboxOutput = { output: object; response: unknown };
type SandboxMiddleware = (
  next: (args: SandboxArgs) => Promise<SandboxOutput>,
  context: { clientName?: string; commandName?: string },
) => (args: SandboxArgs) => Promise<SandboxOutput>;

/** The part of an SDK v3 client the sandbox needs: its middleware stack. */
export interface SandboxableClient {
  middlewareStack: {
    add(
      middleware: SandboxMiddleware,
      options: { step: 'initialize'; priority: 'high'; name: string; override: boolean },
    ): void;
  };
}

export interface InstallOptions {
  /** Called after any command that changed the account, e.g. to persist it. */
  onChange?: (account: SandboxAccount) => void;
}

/** Makes `client` answer every command from `handlers` on `account` instead of calling AWS. */
export function installSandbox(
  client: SandboxableClient,
  handlers: SandboxHandlers,
  account: SandboxAccount,
  options: InstallOptions = {},
): void {
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const commandName = context.commandName ?? 'an unnamed command';
      const handler = context.commandName ? handlers[context.commandName] : undefined;
      if (!handler) {
        throw new SandboxNotImplementedError(
          `The sandbox does not implement ${context.clientName ?? 'this client'} ${commandName}; ` +
            'add a handler in src/local/sandbox/ or use a real AWS account.',
        );
      }
      const before = account.revision;
      try {
        // A handler reads the input but never keeps it, so the caller's command object stays theirs.
        const output = await handler(structuredClone(args.input), account);
        return { output: { ...output, $metadata: responseMetadata(200) }, response: undefined };
      } finally {
        // Persist after a change even when the handler failed afterwards, so the file matches memory.
        if (account.revision !== before) options.onChange?.(account);
      }
    },
    { step: 'initialize', priority: 'high', name: 'sandbox', override: true },
  );
}

export interface SandboxClients {
  iam: IAMClient;
  kms: KMSClient;
  codebuild: CodeBuildClient;
}

/**
 * SDK clients for the store's account, each with the sandbox installed; every change is saved to the
 * store's file. Region and credentials are fixed dummies so nothing looks for real ones.
 */
export function createSandboxClients(store: SandboxStore): SandboxClients {
  const config = {
    region: store.account.region,
    credentials: { accessKeyId: 'SANDBOX', secretAccessKey: 'SANDBOX' },
  };
  const onChange = () => store.saveIfChanged();
  const clients: SandboxClients = {
    iam: new IAMClient(config),
    kms: new KMSClient(config),
    codebuild: new CodeBuildClient(config),
  };
  installSandbox(clients.iam, iamHandlers, store.account, { onChange });
  installSandbox(clients.kms, kmsHandlers, store.account, { onChange });
  installSandbox(clients.codebuild, codebuildHandlers, store.account, { onChange });
  return clients;
}
