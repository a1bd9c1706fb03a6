import type { IdentityTarget } from './command';
import { TargetNotFoundError } from './errors';
import type { PrincipalFacts } from './plans';
import type { IamPort } from './ports';

/** The managed and inline policies of a user or group that exists (plan, verify and status read them). */
export async function readPrincipalFacts(iam: IamPort, target: IdentityTarget): Promise<PrincipalFacts> {
  const principal = await iam.findPrincipal(target.kind, target.name);
  if (!principal) {
    throw new TargetNotFoundError(`IAM ${target.kind} ${target.name} no longer exists. Nothing was changed.`);
  }
  const [attachedPolicyArns, inlinePolicies] = await Promise.all([
    iam.listAttachedPolicyArns(principal),
    iam.listInlinePolicies(principal),
  ]);
  return { attachedPolicyArns, inlinePolicies };
}
