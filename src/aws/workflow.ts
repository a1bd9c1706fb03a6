import {
  DescribeExecutionCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { WorkflowPort } from '../domain/ports';
import { awsErrorName, classifyAwsError } from './classify-error';

// SendTaskSuccess answers these when the task already finished (timed out, or another click won).
const ALREADY_HANDLED = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

/** WorkflowPort on Step Functions: one execution per request, named by the request id. */
export class StepFunctionsWorkflow implements WorkflowPort {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(requestId: string, input: unknown): Promise<'started' | 'already_started'> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: requestId,
          input: JSON.stringify(input),
        }),
      );
      return 'started';
    } catch (error) {
      if (awsErrorName(error) !== 'ExecutionAlreadyExists') {
        throw classifyAwsError(error, `start the workflow for ${requestId}`);
      }
    }
    // The name is taken: either a replay of this request (fine) or a different input under the same
    // name, which DescribeExecution confirms exists; either way nothing new must start.
    try {
      await this.client.send(new DescribeExecutionCommand({ executionArn: this.executionArn(requestId) }));
      return 'already_started';
    } catch (error) {
      throw classifyAwsError(error, `look up the workflow run for ${requestId}`);
    }
  }

  async sendDecision(taskToken: string, output: unknown): Promise<'sent' | 'already_handled'> {
    try {
      await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
      return 'sent';
    } catch (error) {
      if (ALREADY_HANDLED.has(awsErrorName(error) ?? '')) return 'already_handled';
      throw classifyAwsError(error, 'pass the decision to the workflow');
    }
  }

  /** arn:aws:states:R:A:stateMachine:NAME -> arn:aws:states:R:A:execution:NAME:EXEC */
  executionArn(requestId: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${requestId}`;
  }
}
