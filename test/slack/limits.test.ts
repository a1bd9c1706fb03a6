import { capList, fitLines, truncate } from '../../src/slack/blocks/limits';

describe('truncate', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['eleven char', 10, 'eleven ch…'],
  ])('%j to %i characters -> %j', (text, max, out) => {
    expect(truncate(text, max)).toBe(out);
    expect(truncate(text, max).length).toBeLessThanOrEqual(max);
  });
});

describe('capList', () => {
  it.each<[string[], number, string[]]>([
    [['a', 'b'], 3, ['a', 'b']],
    [['a', 'b', 'c'], 3, ['a', 'b', 'c']],
    [['a', 'b', 'c', 'd'], 3, ['a', 'b', 'and 2 more']],
  ])('%j capped at %i -> %j', (items, max, out) => {
    expect(capList(items, max)).toEqual(out);
  });
});

describe('fitLines', () => {
  it.each<[string, string[], number, string]>([
    ['all lines that fit', ['one', 'two'], 100, 'one\ntwo'],
    ['whole lines, then how many were left out', ['aaaa', 'bbbb', 'cccc', 'dddd'], 18, 'aaaa\n… and 3 more'],
    ['a single long line, cut', ['x'.repeat(30)], 10, `${'x'.repeat(9)}…`],
    [
      'a first line too long, cut, still counting the rest',
      ['x'.repeat(30), 'y'],
      20,
      'xxxxxx…\n… and 1 more',
    ],
    ['nothing', [], 10, ''],
  ])('%s', (_what, lines, max, out) => {
    expect(fitLines(lines, max)).toBe(out);
    expect(fitLines(lines, max).length).toBeLessThanOrEqual(max);
  });

  it('joins with another separator', () => {
    expect(fitLines(['a', 'b', 'c'], 100, '; ')).toBe('a; b; c');
  });
});
