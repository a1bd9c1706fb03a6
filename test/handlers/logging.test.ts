import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { systemClock } from '../../src/domain/ports';
import { makeTaskHandler } from '../../src/handlers/task-handler';
import { createLogger } from '../../src/log';
import { slackWording } from '../../src/slack/blocks/wording';
import type { TaskDeps } from '../../src/workflows/tasks/deps';
import { TASKS } from '../../src/workflows/tasks/registry';
import { APPROVER_1, type Harness, startHarness } from '../helpers/harness';
import { TEST_SIGNING_SECRET } from '../helpers/signed-event';

/**
 * What the Powertools Logger writes for real events: JSON lines on stdout, each carrying the request id
 * of the event being handled once a handler appended it, and never a secret.
 */
type LogLine = Record<string, unknown> & { message: string };

let written: string[];
let savedLevel: string | undefined;

beforeEach(() => {
  savedLevel = process.env.POWERTOOLS_LOG_LEVEL;
  // The Logger reads its level when it is built: every logger these tests build logs INFO and up.
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  written = [];
  // Powertools writes INFO/WARN lines to stdout and ERROR lines to stderr.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    jest.spyOn(stream, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string' && chunk.startsWith('{')) {
        written.push(chunk);
        return true;
      }
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    });
  }
});
afterEach(() => {
  jest.restoreAllMocks();
  if (savedLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = savedLevel;
});

const lines = (): LogLine[] =>
  written
    .flatMap((chunk) => chunk.split('\n').filter((line) => line.startsWith('{')))
    .map((line) => JSON.parse(line));

describe('the Slack handler and the workflow tasks, through the harness', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    h.iam.addUser('alice');
  });
  afterEach(async () => h.stop());

  it('carries the request id on every line about a request and writes no task token, signing secret or bot token', async () => {
    await h.slash('grant user:alice developer because on-call');
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);
    await h.click(requestId, APPROVER_1);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    const taskToken = h.sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.taskToken;
    expect(taskToken).toEqual(expect.any(String));
    const received = lines().find((line) => line.message === 'request received');
    expect(received).toMatchObject({ requestId, service: 'codebuild-access' });
    const audit = lines().filter((line) => line.message === 'audit event');
    expect(audit.length).toBeGreaterThan(2);
    for (const line of audit) expect(line.requestId).toBe(requestId);

    const all = written.join('');
    expect(all).not.toContain(taskToken as string);
    expect(all).not.toContain(TEST_SIGNING_SECRET);
    expect(all).not.toContain(h.env.SLACK_BOT_TOKEN);
  });
});

describe('a task Lambda that fails', () => {
  const requestId = 'REQ-0123456789';
  const taskToken = 'AQCEAAAAKgAAAAMAAAAA-secret-task-token';

  const failingDeps = (): TaskDeps => {
    const throttled = new Error('Rate exceeded');
    throttled.name = 'ThrottlingException';
    const unreachable = async (): Promise<never> => {
      throw new Error('not used');
    };
    return {
      iam: new Proxy({} as TaskDeps['iam'], { get: (_, key) => (key === 'then' ? undefined : unreachable) }),
      store: {
        get: async () => {
          throw new Error('the requests table did not answer', { cause: throttled });
        },
        create: unreachable,
        save: unreachable,
        appendEvent: unreachable,
        appendCompletedStep: unreachable,
      },
      slack: new Proxy({} as TaskDeps['slack'], {
        get: (_, key) => (key === 'then' ? undefined : unreachable),
      }),
      log: createLogger(),
      clock: systemClock,
      wording: slackWording,
      auditChannelId: 'C0AUDIT',
      grantReminderSeconds: 3600,
    };
  };

  it('logs the error object (name, stack, cause) with the request id and the Lambda context, never the task token', async () => {
    const deps = failingDeps();
    const handler = makeTaskHandler(TASKS.AskApproval, async () => deps);
    const context = {
      functionName: 'codebuild-access-dev-askApproval',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:codebuild-access-dev-askApproval',
      memoryLimitInMB: '256',
      awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    };

    await expect(handler({ requestId, taskToken, approvalTimeoutSeconds: 60 }, context)).rejects.toThrow(
      'the requests table did not answer',
    );

    const failed = lines().find((line) => line.message === 'task failed');
    expect(failed).toMatchObject({
      level: 'ERROR',
      requestId,
      function_name: context.functionName,
      function_request_id: context.awsRequestId,
      error: {
        name: 'Error',
        message: 'the requests table did not answer',
        stack: expect.stringContaining('the requests table did not answer'),
        cause: { name: 'ThrottlingException', message: 'Rate exceeded' },
      },
    });
    expect(written.join('')).not.toContain(taskToken);
  });

  it("drops the last invocation's request id when the next one starts", async () => {
    const deps = failingDeps();
    const handler = makeTaskHandler(TASKS.Apply, async () => deps);
    await expect(handler({ requestId })).rejects.toThrow('the requests table did not answer');
    expect(lines().find((line) => line.message === 'task failed')).toMatchObject({ requestId });
    deps.log.startInvocation();
    deps.log.info('between invocations');
    expect(lines().find((line) => line.message === 'between invocations')).not.toHaveProperty('requestId');
  });
});
