/** Reading, comparing and checking policy documents before they go into a plan. */
import { UsageError } from '../errors';
import { statementDelta, statementsEquivalent } from '../key-policy';
import { assertPolicyCharset } from '../policy-size';
import type { PolicyDocument, PolicyStatement } from '../seed-policies';

/** The statements of a document; IAM and KMS accept a single statement object as well as a list. */
export const statementList = (document: PolicyDocument): PolicyStatement[] => {
  const statements: unknown = document.Statement;
  if (statements === undefined) return [];
  return Array.isArray(statements) ? (statements as PolicyStatement[]) : [statements as PolicyStatement];
};

/** Parses policy text as IAM or KMS returned it (already URL-decoded). */
export const parsePolicyText = (text: string): PolicyDocument => JSON.parse(text) as PolicyDocument;

/**
 * True when two documents grant the same thing: the same statements (IAM reads lists as sets, so order
 * and string-vs-list spelling do not matter), one for one.
 */
export const documentsEquivalent = (a: PolicyDocument, b: PolicyDocument): boolean => {
  const left = statementList(a);
  const right = [...statementList(b)];
  if (left.length !== right.length) return false;
  for (const statement of left) {
    const index = right.findIndex((other) => statementsEquivalent(statement, other));
    if (index === -1) return false;
    right.splice(index, 1);
  }
  return true;
};

/**
 * The differences between what exists and what the bot would put, in words an approver can check
 * against the AWS console ("statement CodeCommitPolicy differs"). Empty when equivalent.
 */
export const describeDocumentDifference = (
  label: string,
  existing: PolicyDocument,
  wanted: PolicyDocument,
): string[] => {
  if (documentsEquivalent(existing, wanted)) return [];
  const delta = statementDelta(existing, wanted);
  const lines: string[] = [];
  if (delta.removed.length > 0)
    lines.push(`${label}: has statements the seed does not: ${delta.removed.join(', ')}`);
  if (delta.added.length > 0) lines.push(`${label}: lacks the seed's statements: ${delta.added.join(', ')}`);
  if (delta.changed.length > 0) lines.push(`${label}: statements that differ: ${delta.changed.join(', ')}`);
  if (delta.unnamedAdded + delta.unnamedRemoved > 0) {
    lines.push(
      `${label}: ${delta.unnamedRemoved} statement(s) without a Sid exist only in the role, ` +
        `${delta.unnamedAdded} only in the seed`,
    );
  }
  return lines.length > 0 ? lines : [`${label}: differs from the seed`];
};

/**
 * Checks a document the bot is about to put: no condition key limits what goes into an inline policy,
 * so the code itself refuses text IAM or KMS would reject (characters outside ASCII/Latin-1).
 */
export const validatePolicyDocument = (document: PolicyDocument): void => {
  const problem = assertPolicyCharset(JSON.stringify(document));
  if (problem !== undefined) throw new UsageError(problem);
  if (statementList(document).length === 0)
    throw new UsageError('A policy without statements would grant nothing.');
};
