import { lazy } from '../lazy';
import { liveAccounts, liveIam, liveKms, taskLambdaDeps } from '../wiring';
import { TASKS } from '../workflows/tasks/registry';
import { makeTaskHandler } from './task-handler';

export const handler = makeTaskHandler(
  TASKS.Rollback,
  lazy(() => taskLambdaDeps({ iam: liveIam, kms: liveKms, accounts: liveAccounts })),
);
