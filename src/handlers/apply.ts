import { lambdaTaskDeps, lazy, liveIam, liveKms } from '../wiring';
import { TASKS } from '../workflows/tasks/registry';
import { makeTaskHandler } from './task-handler';

export const handler = makeTaskHandler(
  TASKS.Apply,
  lazy(() => lambdaTaskDeps({ iam: liveIam, kms: liveKms })),
);
