/**
 * Plans: a change as plain data (steps with do + undo) that drives the approval card, the apply and the
 * rollback. The planners live in src/domain/plans/, one file per kind of request; this module is the
 * entry point the rest of the code imports.
 */
export {
  type AccountContext,
  accountContextFor,
  type BotRoleArns,
  botRoleArns,
  kmsArn,
  SERVICE_ROLE_PATH,
  type StackPolicyArns,
  serviceRoleArn,
  stackPolicyArns,
} from './plans/account';
export {
  type ChangePlan,
  describeOperation,
  type IamOperation,
  isKmsOperation,
  type KmsOperation,
  MANAGED_POLICY_QUOTA,
  manualCommand,
  type Operation,
  type OperationType,
  type PlanStep,
  type PrincipalFacts,
  type PrincipalRef,
  policyName,
  type VerificationSpec,
} from './plans/change-plan';
export {
  approvalsNeeded,
  assertPlanBuildable,
  foreignUndo,
  planHash,
  type RequestScope,
} from './plans/closed-set';
export { documentsEquivalent, parsePolicyText } from './plans/documents';
export { describeKeyPolicyDrift, type KeyFacts, planKmsAllow, planKmsCreate } from './plans/kms-plans';
export { planServiceRole, type RoleFacts, SERVICE_ROLE_EXPECTED_ACTIONS } from './plans/service-role-plan';
export { expectedActionsOf, heldTiers, planGrant, planRevoke, tierPolicyArns } from './plans/tier-plans';
