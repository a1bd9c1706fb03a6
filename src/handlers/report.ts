import { lambdaTaskDeps, lazy, noIam } from '../wiring';
import { TASKS } from '../workflows/tasks/registry';
import { makeTaskHandler } from './task-handler';

export const handler = makeTaskHandler(
  TASKS.Report,
  lazy(() => lambdaTaskDeps({ iam: () => noIam('Report') })),
);
