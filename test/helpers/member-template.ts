/**
 * deploy/member-account.yml as CloudFormation would instantiate it in one member account: the committed
 * file is parsed (it holds long-form intrinsics only) and its Parameters, Conditions, Fn::If, Fn::Sub,
 * Ref, Fn::Join and AWS::NoValue are resolved. The escalation test evaluates the member roles from this.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { stackPolicyArns } from '../../src/domain/plans';
import { ROOT } from './packaged-template';

export const MEMBER_TEMPLATE_FILE = join(ROOT, 'deploy', 'member-account.yml');

export interface MemberStackInput {
  memberAccount: string;
  region: string;
  hubAccountId: string;
  stage: string;
  organizationId?: string;
  permissionsBoundaryArn?: string;
  keyRegions?: string[];
}

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface MemberTemplate {
  Parameters: Record<string, { Type: string; Default?: string }>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, Resource>;
}

/** The committed template, unresolved. */
export const readMemberTemplate = (): MemberTemplate =>
  parse(readFileSync(MEMBER_TEMPLATE_FILE, 'utf8')) as MemberTemplate;

const NO_VALUE = Symbol('AWS::NoValue');

/** The template's resources, resolved for one member account. */
export function resolveMemberStack(input: MemberStackInput): Record<string, Resource> {
  const template = readMemberTemplate();
  const policies = stackPolicyArns('aws', input.memberAccount, input.stage);
  const values: Record<string, unknown> = {
    'AWS::Partition': 'aws',
    'AWS::AccountId': input.memberAccount,
    'AWS::Region': input.region,
    'AWS::NoValue': NO_VALUE,
    HubAccountId: input.hubAccountId,
    Stage: input.stage,
    OrganizationId: input.organizationId ?? '',
    PermissionsBoundaryArn: input.permissionsBoundaryArn ?? '',
    // A CommaDelimitedList whose value is '' is the list [''].
    KeyRegions: input.keyRegions ?? [''],
    CodeBuildAccessPolicy: policies.customTier,
    CodeBuildServiceRolePolicy: policies.serviceRole,
    CodeBuildServiceRoleVpcPolicy: policies.serviceRoleVpc,
    CodeBuildServiceRoleBoundary: policies.serviceRoleBoundary,
  };
  for (const name of Object.keys(template.Parameters)) {
    if (!(name in values)) throw new Error(`resolveMemberStack has no value for parameter ${name}`);
  }
  const ref = (name: string): unknown => {
    if (!(name in values)) throw new Error(`the member template refers to ${name}, which it does not define`);
    return values[name];
  };
  const conditions = new Map<string, boolean>();
  const condition = (name: string): boolean => {
    if (!conditions.has(name)) {
      if (!(name in template.Conditions)) throw new Error(`unknown condition ${name}`);
      conditions.set(name, resolve(template.Conditions[name]) as boolean);
    }
    return conditions.get(name) as boolean;
  };
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve).filter((item) => item !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    const arg = object[keys[0] ?? ''];
    if (keys.length === 1) {
      switch (keys[0]) {
        case 'Ref':
          return ref(arg as string);
        case 'Fn::Sub':
          return (arg as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => String(ref(name)));
        case 'Fn::Join': {
          const [separator, list] = arg as [string, unknown];
          return (resolve(list) as unknown[]).join(separator);
        }
        case 'Fn::If': {
          const [name, whenTrue, whenFalse] = arg as [string, unknown, unknown];
          return resolve(condition(name) ? whenTrue : whenFalse);
        }
        case 'Fn::Not':
          return !(resolve((arg as unknown[])[0]) as boolean);
        case 'Fn::Equals': {
          const [left, right] = (arg as unknown[]).map(resolve);
          return left === right;
        }
        case 'Fn::GetAtt':
          throw new Error(`Fn::GetAtt ${String(arg)} in an IAM document of the member template`);
      }
    }
    return Object.fromEntries(
      Object.entries(object)
        .map(([key, inner]) => [key, resolve(inner)] as const)
        .filter(([, inner]) => inner !== NO_VALUE),
    );
  };
  return Object.fromEntries(
    Object.entries(template.Resources).map(([id, resource]) => [
      id,
      { Type: resource.Type, Properties: resolve(resource.Properties) as Record<string, unknown> },
    ]),
  );
}
