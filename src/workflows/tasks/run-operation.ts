import { isKmsOperation, type Operation } from '../../domain/plans';
import { requireKms, type TaskDeps } from './deps';

/** Runs one plan operation on the port that owns it (IAM or KMS). Apply and rollback share it. */
export async function runOperation(
  deps: Pick<TaskDeps, 'iam' | 'kms'>,
  op: Operation,
): Promise<{ outcome: 'changed' | 'unchanged'; keyArn?: string }> {
  if (isKmsOperation(op)) return requireKms(deps).run(op);
  return { outcome: await deps.iam.run(op) };
}

/**
 * Fills in "the key this plan creates" (keyArn null) once a createKey step has run, so the alias step
 * targets it and the journal records an undo that names the real key.
 */
export function bindCreatedKey(op: Operation, keyArn: string | undefined): Operation {
  if ((op.type === 'createAlias' || op.type === 'scheduleKeyDeletion') && op.keyArn === null && keyArn) {
    return { ...op, keyArn };
  }
  return op;
}
