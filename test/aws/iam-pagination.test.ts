import {
  GetGroupCommand,
  IAMClient,
  ListAttachedUserPoliciesCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { IamGateway } from '../../src/aws/iam';

// The gateway reads every page through the SDK's paginators: a second page must never be dropped.
const iam = mockClient(IAMClient);
const gateway = new IamGateway(new IAMClient({ region: 'us-east-1' }));
const alice = { kind: 'user' as const, name: 'alice', arn: 'arn:aws:iam::111122223333:user/alice' };

beforeEach(() => iam.reset());

describe('IamGateway pagination', () => {
  it('lists the attached policies of every page', async () => {
    iam
      .on(ListAttachedUserPoliciesCommand, { UserName: 'alice', Marker: undefined })
      .resolves({
        AttachedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/A' }],
        IsTruncated: true,
        Marker: 'm1',
      })
      .on(ListAttachedUserPoliciesCommand, { UserName: 'alice', Marker: 'm1' })
      .resolves({ AttachedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/B' }], IsTruncated: false });

    expect(await gateway.listAttachedPolicyArns(alice)).toEqual([
      'arn:aws:iam::aws:policy/A',
      'arn:aws:iam::aws:policy/B',
    ]);
    expect(iam).toHaveReceivedCommandTimes(ListAttachedUserPoliciesCommand, 2);
  });

  it('simulates across pages of evaluation results', async () => {
    iam
      .on(SimulatePrincipalPolicyCommand, { Marker: undefined })
      .resolves({
        EvaluationResults: [{ EvalActionName: 's3:GetObject', EvalDecision: 'allowed' }],
        IsTruncated: true,
        Marker: 'p2',
      })
      .on(SimulatePrincipalPolicyCommand, { Marker: 'p2' })
      .resolves({
        EvaluationResults: [{ EvalActionName: 'iam:CreateRole', EvalDecision: 'implicitDeny' }],
        IsTruncated: false,
      });

    expect(await gateway.simulate(alice.arn, ['s3:GetObject', 'iam:CreateRole'])).toEqual([
      { action: 's3:GetObject', allowed: true },
      { action: 'iam:CreateRole', allowed: false },
    ]);
  });

  it('lists the members of a group on every page', async () => {
    iam
      .on(GetGroupCommand, { GroupName: 'devs', Marker: undefined })
      .resolves({
        Group: undefined,
        Users: [{ UserName: 'a', Arn: 'x', UserId: 'i', Path: '/', CreateDate: new Date() }],
        IsTruncated: true,
        Marker: 'g2',
      })
      .on(GetGroupCommand, { GroupName: 'devs', Marker: 'g2' })
      .resolves({
        Users: [{ UserName: 'b', Arn: 'y', UserId: 'j', Path: '/', CreateDate: new Date() }],
        IsTruncated: false,
      });

    expect(await gateway.groupMemberNames('devs')).toEqual(['a', 'b']);
  });
});
