import { lazy } from '../lazy';
import { noIam, taskLambdaDeps } from '../wiring';
import { TASKS } from '../workflows/tasks/registry';
import { makeTaskHandler } from './task-handler';

export const handler = makeTaskHandler(
  TASKS.AskApproval,
  lazy(() => taskLambdaDeps({ iam: () => noIam('AskApproval') })),
);
