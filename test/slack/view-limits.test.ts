import type { View } from '@slack/types';
import { ALL_TIERS } from '../../src/domain/tiers';
import { denyModal } from '../../src/slack/blocks/deny-modal';
import {
  DURATION_CHOICES_SECONDS,
  type LimitsFor,
  requestForm,
  TIER_DESCRIPTIONS,
} from '../../src/slack/blocks/request-form';
import { viewViolations } from '../helpers/block-kit-limits';

// Every view the bot opens, checked against Slack's limits (≤ 100 blocks, title ≤ 24 characters, option
// text and description ≤ 75, ≤ 100 options, labels and hints ≤ 2000, …) for the configurations it can
// be built with: Slack refuses a view that breaks one with `invalid_arguments`, and the person sees nothing.

const uniform =
  (maxDurationSeconds: number, required = false): LimitsFor =>
  () => ({ maxDurationSeconds, durationRequired: required, reasonRequired: required });

const perTier: LimitsFor = (tier) => ({
  maxDurationSeconds: { admin: 3600, developer: 8 * 3600, readonly: 30 * 86_400, custom: 7 * 86_400 }[tier],
  durationRequired: tier === 'admin',
  reasonRequired: tier !== 'readonly',
});

describe('Slack limits of the views the bot opens', () => {
  it.each<[string, LimitsFor]>([
    ['the default 7-day limit', uniform(7 * 86_400)],
    ['the longest limit config allows (a year)', uniform(365 * 86_400)],
    ['a 30-minute limit, everything required', uniform(1800, true)],
    ['an odd limit (90 minutes)', uniform(5400)],
    ['different limits per tier', perTier],
  ])('the request form, with %s, is within every limit', (_name, limitsFor) => {
    const view = requestForm({ auditChannelId: 'C0AUDIT', limitsFor, origin: { channelId: 'C0REQ' } });
    expect(viewViolations(view)).toEqual([]);
  });

  it.each(ALL_TIERS)('the request form updated for a picked tier (%s) is within every limit', (tier) => {
    for (const limitsFor of [uniform(365 * 86_400), perTier, uniform(5400, true)]) {
      const view = requestForm({ auditChannelId: 'C0AUDIT', limitsFor, origin: {}, tier });
      expect(viewViolations(view)).toEqual([]);
    }
  });

  it.each([
    ['four accounts', 4],
    ['250 accounts (option groups of 100)', 250],
  ])('the request form with an Account select of %s is within every limit', (_name, count) => {
    const choices = Array.from({ length: count }, (_, n) => ({
      name: `${'account-name-'.repeat(3).slice(0, 28)}${String(n).padStart(4, '0')}`,
      id: String(100_000_000_000 + n),
    }));
    const picked = choices[count - 1]?.name ?? '';
    for (const tier of [undefined, ...ALL_TIERS]) {
      const view = requestForm({
        auditChannelId: 'C0AUDIT',
        limitsFor: perTier,
        origin: {},
        ...(tier ? { tier } : {}),
        accounts: { choices, picked },
      });
      expect(viewViolations(view)).toEqual([]);
      expect(JSON.stringify(view)).toContain(
        `"initial_option":{"text":{"type":"plain_text","text":"${picked} · `,
      );
    }
  });

  it('the deny modal is within every limit', () => {
    expect(viewViolations(denyModal('REQ-0123456789'))).toEqual([]);
  });

  it('the checker itself catches what Slack refuses', () => {
    const view = requestForm({ auditChannelId: 'C0AUDIT', limitsFor: uniform(3600), origin: {} });
    const broken: View = {
      ...view,
      title: { type: 'plain_text', text: 'Request CodeBuild access now' },
      blocks: [
        ...view.blocks,
        {
          type: 'input',
          block_id: 'tier',
          label: { type: 'plain_text', text: 'x'.repeat(2001) },
          element: {
            type: 'static_select',
            action_id: 'many',
            options: Array.from({ length: 101 }, (_, i) => ({
              text: { type: 'plain_text', text: `option ${i} ${'y'.repeat(70)}` },
              value: `v${i}`,
            })),
          },
        },
      ],
    };
    const breaches = viewViolations(broken);
    expect(breaches).toEqual(
      expect.arrayContaining([
        'title: 28 characters > 24',
        'blocks[7].block_id: duplicate "tier"',
        'blocks[7].label: 2001 characters > 2000',
        'blocks[7].element.options: 101 items > 100',
        'blocks[7].element.options[0].text: 79 characters > 75',
      ]),
    );
    expect(
      viewViolations({ ...view, blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) }),
    ).toEqual(['blocks: 101 blocks > 100']);
    const select = {
      type: 'static_select' as const,
      action_id: 'pick',
      options: [
        { text: { type: 'plain_text' as const, text: 'one' }, value: 'same' },
        { text: { type: 'plain_text' as const, text: 'two' }, value: 'same' },
      ],
      initial_option: { text: { type: 'plain_text' as const, text: 'three' }, value: 'other' },
    };
    expect(
      viewViolations({
        ...view,
        blocks: [{ type: 'input', label: { type: 'plain_text', text: 'Pick' }, element: select }],
      }),
    ).toEqual([
      'blocks[0].element.options[1].value: duplicate "same"',
      'blocks[0].element.initial_option: "other" is not one of the options',
    ]);
  });

  it('every tier description and duration label fits an option (75 characters)', () => {
    for (const text of Object.values(TIER_DESCRIPTIONS)) expect(text.length).toBeLessThanOrEqual(75);
    expect(DURATION_CHOICES_SECONDS.length).toBeLessThan(100);
  });
});
