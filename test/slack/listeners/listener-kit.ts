import { APPROVER_1, type Harness } from '../../helpers/harness';

/** A Bolt `ack` of the listener's own type (e.g. `SlackCommandMiddlewareArgs['ack']`), recording its answer. */
export const fakeAck = <Ack extends (...args: never[]) => Promise<void>>() =>
  jest.fn<Promise<void>, Parameters<Ack>>(async () => undefined);

/**
 * A request on IAM user alice waiting for approval: submitted through the signed handler, its run
 * holding at "Ask for approval" with the card posted. Returns its id and the card's ts.
 */
export async function pendingRequest(
  h: Harness,
  text = 'grant user:alice developer',
): Promise<{
  requestId: string;
  cardTs: string;
}> {
  h.iam.addUser('alice');
  await h.slash(text);
  const { requestId } = await h.onlyRequest();
  await h.awaitApprovalWait(requestId);
  const card = (await h.store.get(requestId))?.card;
  if (!card) throw new Error(`${requestId} has no card`);
  return { requestId, cardTs: card.ts };
}

/** Step Functions calls the listener made (the harness bridges them to the local run). */
export const taskSuccesses = (h: Harness) =>
  h.sfn.calls().flatMap((call) => {
    const input = call.args[0].input as { taskToken?: string; output?: string };
    return typeof input.taskToken === 'string' && typeof input.output === 'string'
      ? [{ taskToken: input.taskToken, output: JSON.parse(input.output) as unknown }]
      : [];
  });

export { APPROVER_1 };
