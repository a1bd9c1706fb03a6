/**
 * CodeBuild on the sandbox account. The bot only calls ListBuilds, as the seed's check that access works
 * (`aws codebuild list-builds`); the sandbox runs no builds, so the list is whatever the account holds.
 */
import type { ListBuildsCommandInput, ListBuildsCommandOutput } from '@aws-sdk/client-codebuild';
import { handle, type Result, type SandboxHandlers } from './handler-kit';

/** CodeBuild commands the sandbox answers, keyed by SDK command name. */
export const codebuildHandlers: SandboxHandlers = {
  ListBuildsCommand: handle((input: ListBuildsCommandInput, account): Result<ListBuildsCommandOutput> => {
    // Build ids are kept oldest first; CodeBuild lists newest first unless asked otherwise.
    const ids = input.sortOrder === 'ASCENDING' ? [...account.builds] : [...account.builds].reverse();
    return { ids };
  }),
};
