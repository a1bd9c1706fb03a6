import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicyStatement } from '../../src/domain/seed-policies';

/** The account and region the seed fixtures' placeholders (account-ID, region-ID) are filled with. */
export const SEED_ACCOUNT = '111122223333';
export const SEED_REGION = 'us-east-1';

/** A JSON document copied verbatim from the seed (test/fixtures/seed/), placeholders filled in. */
export const seedFixture = <T>(file: string): T =>
  JSON.parse(
    readFileSync(join(__dirname, '../fixtures/seed', file), 'utf8')
      .replaceAll('account-ID', SEED_ACCOUNT)
      .replaceAll('region-ID', SEED_REGION),
  ) as T;

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : [...new Set(Array.isArray(value) ? value : [value])].sort();

/**
 * What a statement grants, as the seed fixes it: Sid, effect, principal and conditions as written,
 * actions and resources as sets (so "*" and ["*"] compare equal).
 */
export const statementMeaning = (statement: PolicyStatement) => ({
  Sid: statement.Sid,
  Effect: statement.Effect,
  Principal: statement.Principal,
  Action: list(statement.Action),
  Resource: list(statement.Resource),
  Condition: statement.Condition,
});
