/**
 * Packages the service offline (`serverless package`, dummy credentials, no AWS call) and reads the
 * CloudFormation template a deploy would submit. The template and escalation tests both use it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/** Runs `serverless package` into `outDir` for a stage; rejects with the framework's output on failure. */
export const runPackage = (outDir: string, stage: string): Promise<void> =>
  new Promise((resolve, reject) => {
    // Dummy credentials and no profile: packaging must never need (or reach) AWS.
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env)) {
      if (key.startsWith('AWS_')) delete env[key];
    }
    Object.assign(env, {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEDUMMY0000',
      AWS_SECRET_ACCESS_KEY: 'dummy-secret-access-key',
      AWS_EC2_METADATA_DISABLED: 'true',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    });
    execFile(
      join(ROOT, 'node_modules', '.bin', 'serverless'),
      ['package', '--stage', stage, '--package', outDir],
      { cwd: ROOT, env, timeout: 150_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`serverless package failed: ${error.message}\n${stdout}\n${stderr}`));
        } else {
          resolve();
        }
      },
    );
  });

/** Packages into a temporary folder and returns the parsed template; the folder is removed. */
export async function packagedTemplate<T>(stage: string): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'codebuild-access-package-'));
  try {
    await runPackage(dir, stage);
    return JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
