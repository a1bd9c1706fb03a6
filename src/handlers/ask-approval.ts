import { lambdaTaskDeps, lazy, noIam } from '../wiring';
import { TASKS } from '../workflows/tasks/registry';
import { makeTaskHandler } from './task-handler';

export const handler = makeTaskHandler(
  TASKS.AskApproval,
  lazy(() => lambdaTaskDeps({ iam: () => noIam('AskApproval') })),
);
