import { type CodeBuildClient, ListBuildsCommand } from '@aws-sdk/client-codebuild';
import type { CodeBuildPort } from '../domain/ports';
import { classifyAwsError } from './classify-error';

/** CodeBuildPort on the AWS SDK: the first page of ListBuilds is enough to show CodeBuild answers. */
export class CodeBuildGateway implements CodeBuildPort {
  constructor(private readonly client: CodeBuildClient) {}

  async listBuilds(): Promise<string[]> {
    try {
      return (await this.client.send(new ListBuildsCommand({}))).ids ?? [];
    } catch (error) {
      throw classifyAwsError(error, 'list CodeBuild builds (codebuild:ListBuilds)');
    }
  }
}
