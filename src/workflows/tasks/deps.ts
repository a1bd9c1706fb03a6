import type { AuditDeps } from '../../domain/audit-trail';
import { UnknownRequestError } from '../../domain/errors';
import type { IamPort } from '../../domain/ports';
import type { AccessRequest } from '../../domain/request';

/** What the workflow tasks need; src/handlers wires the live versions, tests wire fakes. */
export interface TaskDeps extends AuditDeps {
  iam: IamPort;
  auditChannelId: string;
}

/** Loads a request or fails with a named error (a run whose record vanished cannot go on). */
export async function loadRequest(deps: Pick<TaskDeps, 'store'>, requestId: string): Promise<AccessRequest> {
  const request = await deps.store.get(requestId);
  if (!request) {
    throw new UnknownRequestError(`Request ${requestId} has no record; nothing was changed.`);
  }
  return request;
}
