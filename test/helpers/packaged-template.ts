/**
 * Packages the service offline (`serverless package`, dummy credentials, no AWS call) and reads the
 * CloudFormation template a deploy would submit. The template and escalation tests both use it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/**
 * Runs `serverless package` into `outDir` for a stage (with `--param` overrides, e.g. `accounts`); rejects
 * with the framework's output on failure.
 */
export const runPackage = (
  outDir: string,
  stage: string,
  params: Record<string, string> = {},
): Promise<void> =>
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
      [
        'package',
        '--stage',
        stage,
        '--package',
        outDir,
        ...Object.entries(params).map(([name, value]) => `--param=${name}=${value}`),
      ],
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
export async function packagedTemplate<T>(stage: string, params: Record<string, string> = {}): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'codebuild-access-package-'));
  try {
    await runPackage(dir, stage, params);
    return JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Resolves the intrinsics the template's IAM documents use (Fn::Sub, Ref, Fn::GetAtt, Fn::Join, and
 * Fn::If taken as false: the default stage sets no optional parameter), looking names up with `ref`.
 */
export function resolveIntrinsics(value: unknown, ref: (name: string) => string): unknown {
  const again = (inner: unknown) => resolveIntrinsics(inner, ref);
  if (Array.isArray(value)) return value.map(again);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const [key] = Object.keys(object);
  const arg = key === undefined ? undefined : object[key];
  switch (key) {
    case 'Fn::Sub': {
      const text = Array.isArray(arg) ? (arg[0] as string) : (arg as string);
      return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => ref(name));
    }
    case 'Ref':
      return ref(arg as string);
    case 'Fn::GetAtt':
      return ref((arg as string[]).join('.'));
    case 'Fn::If':
      return again((arg as unknown[])[2]);
    case 'Fn::Join':
      return ((again((arg as unknown[])[1]) as unknown[]) ?? []).join((arg as unknown[])[0] as string);
    default:
      return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, again(v)]));
  }
}
