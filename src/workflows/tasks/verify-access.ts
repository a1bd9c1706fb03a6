import { auditEvent, recordEvent } from '../../domain/audit-trail';
import { NotYetConsistentError, VerificationFailedError } from '../../domain/errors';
import { statementsEquivalent } from '../../domain/key-policy';
import type { VerifiedCheck } from '../../domain/notices';
import { parsePolicyText } from '../../domain/plans';
import { statementList } from '../../domain/plans/compare-documents';
import type { PolicyStatement } from '../../domain/seed-policies';
import { loadRequest, requireKms, type TaskDeps } from './deps';

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
  const key = spec.keyPolicy ? await verifyKeyPolicy(deps, spec.keyPolicy) : undefined;
  const check: VerifiedCheck = {
    how: spec.keyPolicy ? (actions.length > 0 ? 'both' : 'key') : 'simulator',
    ...result,
    ...(key ? { key } : {}),
  };
  await recordEvent(
    deps,
    request,
    auditEvent(deps.clock, 'verified', deps.wording.say({ kind: 'verified', check })),
  );
  return result;
}

/**
 * The key is enabled and its policy holds the seed's statements. The IAM simulator does not evaluate key
 * policies, so this reads the policy back; KMS is consistent for its own key policies, so a miss fails.
 */
async function verifyKeyPolicy(
  deps: TaskDeps,
  expected: { key: string; statements: PolicyStatement[] },
): Promise<NonNullable<VerifiedCheck['key']>> {
  const key = await requireKms(deps).describeKey(expected.key);
  if (!key) throw new VerificationFailedError(`Applied, but KMS does not find ${expected.key}.`);
  if (key.state !== 'Enabled')
    throw new VerificationFailedError(`Applied, but key ${key.keyArn} is ${key.state}.`);
  const statements = statementList(parsePolicyText(key.policyText));
  const missing = expected.statements.filter(
    (wanted) => !statements.some((statement) => statementsEquivalent(statement, wanted)),
  );
  if (missing.length > 0) {
    throw new VerificationFailedError(
      `Applied, but the policy of key ${key.keyArn} lacks ${missing.map((s) => `"${s.Sid}"`).join(', ')}.`,
    );
  }
  return { keyId: key.keyId, sids: expected.statements.map((s) => String(s.Sid)) };
}
