/**
 * The README is a front door: short, true, and linked to docs/ both ways. Every relative link and every
 * repository path it or a docs page names must exist, so a moved file breaks a test, not a reader.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { ROOT } from '../../scripts/gen-docs';

const README = 'README.md';
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** Relative link targets of a markdown page, from the repository root, without their #anchor. */
const relativeLinks = (page: string): string[] =>
  [...read(page).matchAll(/\]\(([\w./#-]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z]+:/.test(target) && !target.startsWith('#'))
    .map((target) => normalize(join(dirname(page), target.split('#')[0]!)));

/** `src/…`, `test/…`, … paths written in code spans. */
const repositoryPaths = (page: string): string[] =>
  [...read(page).matchAll(/`((?:src|test|bench|local|scripts|docs)\/[\w./-]*[\w/])`/g)].map(
    (match) => match[1]!,
  );

describe('README.md', () => {
  const readme = read(README);

  it('stays within 150 lines', () => {
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(150);
  });

  it('shows the two set-up commands that exist in package.json', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(readme).toContain('`npm install && npm start`');
    expect(readme).toContain('`npm install && npm test`');
    expect(scripts.start).toBeDefined();
    expect(scripts.test).toBeDefined();
  });

  it('links every page of docs/, and every page links back', () => {
    const fromReadme = relativeLinks(README);
    for (const doc of DOCS) {
      expect([doc, fromReadme.includes(doc)]).toEqual([doc, true]);
      expect([doc, relativeLinks(doc).includes(README)]).toEqual([doc, true]);
    }
  });

  it.each([README, ...DOCS])('%s links and names only files that exist', (page) => {
    const missing = [...relativeLinks(page), ...repositoryPaths(page)].filter(
      (path) => !existsSync(join(ROOT, path)),
    );
    expect(missing).toEqual([]);
  });

  it('answers "where is X decided" from its folder table', () => {
    for (const path of [
      'src/domain/approval.ts',
      'src/domain/plans/tier-plans.ts',
      'src/domain/key-policy.ts',
      'src/slack/blocks/',
      'src/domain/retry.ts',
      'src/aws/requests-table.json',
    ]) {
      expect(existsSync(join(ROOT, path))).toBe(true);
    }
    expect(readme).toMatch(/\| `src\/domain\/approval\.ts`[^|]*\| the approver check/);
    expect(readme).toMatch(/plans\/tier-plans\.ts`[^|]*\| [^|]*the plan for a tier/);
    expect(readme).toMatch(/\| `src\/domain\/key-policy\.ts` \| the KMS merge/);
    expect(readme).toMatch(/\| `src\/slack\/blocks\/` \| a Slack message's wording/);
    expect(readme).toMatch(/\| `src\/domain\/retry\.ts`[^|]*\| the retry policy/);
    expect(readme).toMatch(/\| `src\/aws\/requests-table\.json` \| the table definition/);
  });
});
