/** authentik's timedelta strings (src/lib/timedelta.ts): settings, session durations, token lifetimes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTimedelta } from '../../src/lib/timedelta.js';

test("parseTimedelta reads timedelta_from_string's `unit=value;...` form, in seconds", () => {
  const cases: [string, number][] = [
    ['days=1', 86400],
    ['weeks=1;days=1; hours=1', 694800],
    ['Hours = 1 ; MINUTES=30', 5400],
    ['seconds=0.5', 0.5],
    ['seconds=.5', 0.5],
    ['minutes=1e1', 600],
    ['hours=-1', -3600],
    ['milliseconds=1500', 1.5],
  ];
  for (const [text, seconds] of cases) assert.equal(parseTimedelta(text), seconds, text);
});

test('a repeated unit replaces the earlier value, as keyword arguments to timedelta do', () => {
  assert.equal(parseTimedelta('hours=1;hours=2'), 7200);
});

test('parseTimedelta is undefined where authentik fails to parse', () => {
  for (const text of [
    '',
    '1 day',
    'days',
    'days=',
    'days=1;',
    'days=1=2',
    'years=1',
    'days=one',
    'days=1e999',
  ]) {
    assert.equal(parseTimedelta(text), undefined, JSON.stringify(text));
  }
});
