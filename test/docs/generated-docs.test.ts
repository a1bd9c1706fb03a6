/**
 * docs/configuration.md and docs/performance.md are rendered by scripts/gen-docs.ts from src/config.ts and
 * bench/results.json. These tests fail when a checked-in page is not what its source renders today, and
 * say which command brings it back in line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BenchResults,
  GENERATED_DOCS,
  REGENERATE_COMMAND,
  ROOT,
  renderConfiguration,
  renderPerformance,
  variableDocs,
} from '../../scripts/gen-docs';
import { EnvSchema, loadConfig } from '../../src/config';

const results = (): BenchResults =>
  JSON.parse(readFileSync(join(ROOT, 'bench', 'results.json'), 'utf8')) as BenchResults;

describe('generated docs', () => {
  it.each(GENERATED_DOCS.map((doc) => [doc.path, doc] as const))('%s is up to date', (path, doc) => {
    const onDisk = readFileSync(join(ROOT, path), 'utf8');
    const expected = doc.render();
    if (onDisk !== expected) {
      const onDiskLines = onDisk.split('\n');
      const line = expected.split('\n').findIndex((text, index) => text !== onDiskLines[index]);
      throw new Error(
        `${path} is out of date (first difference at line ${line + 1}): run \`${REGENERATE_COMMAND}\` and commit it`,
      );
    }
  });

  it('describes every variable of the schema, with the default the schema applies', () => {
    const page = renderConfiguration();
    const defaults = loadConfig({ REQUESTS_TABLE: 't', AUDIT_CHANNEL_ID: 'C0123ABCD' });
    const names = Object.keys(EnvSchema.shape);
    expect(variableDocs().map((doc) => doc.name)).toEqual(names);
    for (const name of names) expect(page).toContain(`| \`${name}\` |`);
    const row = (name: string) => variableDocs().find((doc) => doc.name === name)!;
    expect(row('REQUESTS_TABLE').required).toBe(true);
    expect(row('APPROVAL_TIMEOUT_SECONDS').defaultText).toBe(`\`${defaults.approvalTimeoutSeconds}\``);
    expect(row('GRANT_REMINDER_SECONDS').defaultText).toBe(`\`${defaults.grantReminderSeconds}\``);
    expect(row('IAM_USER_MAPPING').defaultText).toBe(`\`${defaults.iamUserMapping}\``);
    expect(row('STAGE').defaultText).toBe(`\`${defaults.stage}\``);
    expect(row('APPROVER_USER_IDS').defaultText).toBe('empty');
    expect(row('MAX_GRANT_DURATION_SECONDS').constraint).toBe('an integer, ≥ 60, ≤ 31,536,000');
    expect(row('IAM_USER_MAPPING').constraint).toBe('one of `email`, `tag`');
    // A pipe inside a pattern would split the table row.
    expect(page).toContain('(aws\\|\\d{12})');
  });

  it('renders the figures bench/results.json holds, not figures of its own', () => {
    const changed = results();
    changed.bundles.slack!.bytes = 123_456;
    changed.warm.results[0]!.p99Ms = 9.99;
    changed.cost.flows[0]!.stateTransitions = 11;
    const page = renderPerformance(changed);
    expect(page).toContain('| slack | 123,456 |');
    expect(page).toContain('**9.99 ms**');
    expect(page).toMatch(/\| approved developer grant \| `[^`]+` \| SUCCEEDED \| 11 \|/);
    expect(page).not.toBe(renderPerformance(results()));
  });

  it('says so when the bench could not measure the time-bound flow', () => {
    const pending = results();
    pending.cost.timeBound = { command: 'grant user:carol developer for 8h', pending: 'no Wait state yet' };
    expect(renderPerformance(pending)).toContain(
      'Not measured: `grant user:carol developer for 8h` (no Wait state yet).',
    );
  });
});
