import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { lambdaFunctions } from '../../bench/lib/bundles';
import { baseChildEnv, coldSample, SLACK_FUNCTION_ENV } from '../../bench/lib/cold';
import { runPackage } from '../helpers/packaged-template';
import { readZip } from '../helpers/zip';

// The zips `serverless package` makes (what a deploy uploads), opened: each function carries its own
// handler and chunks and nothing else, and the slack function's zip, unpacked as Lambda unpacks it,
// answers from its start files and loads its AWS chunk on first use (esbuild.config.js: lazy-chunks). The
// other functions are one file each.
jest.setTimeout(180_000);

const FUNCTIONS = lambdaFunctions();
// Every AWS and Slack endpoint points at a port nobody listens on; coldSample signs with the bench secret.
const ENV = {
  ...baseChildEnv({ SLACK_API_URL: 'http://127.0.0.1:1/api/' }),
  ...SLACK_FUNCTION_ENV,
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
};

let packageDir: string;
let taskRoot: string;
const zips = new Map<string, Map<string, Buffer>>();

beforeAll(async () => {
  packageDir = mkdtempSync(join(tmpdir(), 'codebuild-access-artifacts-'));
  await runPackage(packageDir, 'test');
  for (const { name } of FUNCTIONS) zips.set(name, await readZip(join(packageDir, `${name}.zip`)));
  // Lambda unpacks the zip into /var/task and loads the handler from there.
  taskRoot = mkdtempSync(join(tmpdir(), 'codebuild-access-task-'));
  for (const [path, content] of zips.get('slack')!) {
    mkdirSync(dirname(join(taskRoot, path)), { recursive: true });
    writeFileSync(join(taskRoot, path), content);
  }
});

afterAll(() => {
  for (const dir of [packageDir, taskRoot])
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const handlerFile = () => join(taskRoot, 'src', 'handlers', 'slack.js');

describe('packaged functions', () => {
  it.each(FUNCTIONS)(
    '$name.zip holds its handler and its own chunks, and nothing of another function',
    ({ name, entry }) => {
      const handler = entry.replace(/\.ts$/, '');
      const paths = [...zips.get(name)!.keys()];
      expect(paths).toContain(`${handler}.js`);
      for (const path of paths) expect(path.startsWith(`${handler}.`)).toBe(true);
      // Only the slack function splits its code (esbuild.config.js: SPLIT_ENTRIES).
      if (name !== 'slack') expect(paths).toEqual([`${handler}.js`]);
    },
  );

  it('slack.zip carries its AWS chunk, loaded on first use', () => {
    expect([...zips.get('slack')!.keys()]).toContainEqual(
      expect.stringMatching(/^src\/handlers\/slack\.slack-ports-live-\w+\.js$/),
    );
  });
});

describe('the packaged slack function, unpacked as Lambda does', () => {
  it('answers a signed help command without loading its AWS chunk', async () => {
    const result = await coldSample(handlerFile(), 'help', ENV);
    expect(result.response?.statusCode).toBe(200);
    expect(JSON.parse(result.response?.body ?? '{}').text).toContain('/codebuild-access');
    expect(result.loadedFiles.filter((file) => file.startsWith('slack.slack-ports-live-'))).toEqual([]);
    expect(result.network).toEqual([]);
  });

  it('loads its AWS chunk from the zip on the first command that calls AWS, and answers it', async () => {
    const result = await coldSample(handlerFile(), 'status user:alice', ENV);
    expect(result.loadedFiles).toContainEqual(expect.stringMatching(/^slack\.slack-ports-live-\w+\.js$/));
    expect(result.response?.statusCode).toBe(200);
    expect(JSON.parse(result.response?.body ?? '{}').text).toMatch(/AWS refused to look up IAM user alice/);
  });
});
