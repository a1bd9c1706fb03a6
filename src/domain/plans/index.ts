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
} from './account';
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
} from './change-plan';
export {
  approvalsNeeded,
  assertPlanBuildable,
  foreignUndo,
  planHash,
  type RequestScope,
} from './closed-set';
export { documentsEquivalent, parsePolicyText } from './compare-documents';
export { describeKeyPolicyDrift, type KeyFacts, planKmsAllow, planKmsCreate } from './kms-plans';
export { planServiceRole, type RoleFacts, SERVICE_ROLE_EXPECTED_ACTIONS } from './service-role-plan';
export { expectedActionsOf, heldTiers, planGrant, planRevoke, tierPolicyArns } from './tier-plans';
