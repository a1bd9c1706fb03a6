import { auditEvent, recordEvent } from '../../domain/audit-trail';
import { NotYetConsistentError, VerificationFailedError } from '../../domain/errors';
import { loadRequest, type TaskDeps } from './deps';

export interface VerifyResult {
  allowed: string[];
  denied: string[];
  /** Actions the revoke expected to end that another policy still allows. */
  stillAllowed: string[];
}

/**
 * "Verify access": asks IAM's policy simulator whether the target can now do what the tier promises
 * (the seed's `aws codebuild list-builds` check, without the target's credentials).
 * Missing actions raise NotYetConsistent, which the workflow retries while IAM propagates.
 */
export async function verifyAccess(deps: TaskDeps, requestId: string): Promise<VerifyResult> {
  const request = await loadRequest(deps, requestId);
  const spec = request.plan?.verification;
  if (!spec) throw new VerificationFailedError(`Request ${requestId} has no plan to verify.`);
  const actions = [...spec.expectAllowed, ...spec.expectDenied];
  const results = actions.length > 0 ? await deps.iam.simulate(spec.principalArn, actions) : [];
  const isAllowed = (action: string): boolean => results.some((r) => r.action === action && r.allowed);
  const missing = spec.expectAllowed.filter((action) => !isAllowed(action));
  if (missing.length > 0) {
    const message =
      `Applied, but IAM does not yet allow ${missing.join(', ')} for ${request.target.arn}. ` +
      'If this persists, a permissions boundary or an SCP may deny it.';
    throw new NotYetConsistentError(message);
  }
  const result: VerifyResult = {
    allowed: spec.expectAllowed,
    denied: spec.expectDenied.filter((action) => !isAllowed(action)),
    stillAllowed: spec.expectDenied.filter(isAllowed),
  };
  const lines = [
    ...result.allowed.map((action) => `• ${action}: allowed :white_check_mark:`),
    ...result.denied.map((action) => `• ${action}: denied :white_check_mark:`),
    ...result.stillAllowed.map((action) => `• ${action}: still allowed by another policy :warning:`),
  ];
  await recordEvent(
    deps,
    request,
    auditEvent(deps.clock, 'verified', `:mag: Verified with the IAM policy simulator:\n${lines.join('\n')}`),
  );
  return result;
}
