import { summarizeJournal, undoneStepId, undoStepId } from '../../src/domain/grant-ledger';
import type { CompletedStep } from '../../src/domain/request';

const entry = (stepId: string, outcome: CompletedStep['outcome'] = 'changed'): CompletedStep => ({
  stepId,
  description: stepId,
  outcome,
  undo: null,
  at: '2026-11-28T10:00:00.000Z',
});

describe('how the journal marks an undo', () => {
  it.each([
    ['an apply step', entry('attach:AWSCodeBuildDeveloperAccess'), undefined],
    [
      'the undo of an apply step',
      entry(undoStepId('attach:AWSCodeBuildDeveloperAccess')),
      'attach:AWSCodeBuildDeveloperAccess',
    ],
    ['a milestone marker', entry('applied', 'unchanged'), undefined],
    [
      'a detach the expiry made without an apply step',
      entry('expire:detach:AmazonS3ReadOnlyAccess'),
      undefined,
    ],
  ])('%s', (_name, step, undone) => {
    expect(undoneStepId(step)).toBe(undone);
  });

  it('is read back by the journal summary: an undone change is rolled back, not in effect', () => {
    const applied = entry('attach:AWSCodeBuildDeveloperAccess');
    const kept = entry('attach:AmazonS3ReadOnlyAccess');
    expect(summarizeJournal([applied, kept, entry(undoStepId(applied.stepId))])).toEqual({
      inEffect: [kept],
      rolledBack: [applied],
      uncertain: [],
    });
  });
});
