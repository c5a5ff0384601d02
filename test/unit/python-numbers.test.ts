/** Python's int() and Decimal() on query text (src/api/python-numbers.ts), one copy for paging and filters. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pythonDecimal, pythonInt } from '../../src/api/python-numbers.js';

test('pythonInt takes whitespace, a sign, underscores between digits and Unicode digits', () => {
  const cases: [string, number][] = [
    ['20', 20],
    [' 20\n', 20],
    ['+7', 7],
    ['-3', -3],
    ['1_000', 1000],
    ['\u0663\u0660', 30], // Arabic-Indic ٣٠
    ['\u096F', 9], // Devanagari ९
    ['\uFF12\uFF10', 20], // fullwidth, through NFKC
    ['\u{1D7D5}', 7], // mathematical bold seven, in a run of fifty digits, through NFKC
    ['\u{1E959}', 9], // Adlam nine
    ['\u{1E950}', 0], // Adlam zero
  ];
  for (const [text, value] of cases) assert.equal(pythonInt(text), value, JSON.stringify(text));
});

test('pythonInt rejects what int() rejects, and what a double cannot hold exactly', () => {
  for (const text of [
    '',
    ' ',
    '1.0',
    '1e3',
    '_1',
    '1_',
    '1__0',
    '0x10',
    'NaN',
    'Infinity',
    '9007199254740993',
  ]) {
    assert.equal(pythonInt(text), undefined, JSON.stringify(text));
  }
});

test('pythonDecimal takes fractions, exponents and Unicode digits', () => {
  const cases: [string, number][] = [
    ['1.5', 1.5],
    ['.5', 0.5],
    ['5.', 5],
    ['-1e3', -1000],
    ['1_0.2_5', 10.25],
    ['\u0661.\u0665', 1.5],
    ['1e999', Number.MAX_VALUE],
    ['-1e999', -Number.MAX_VALUE],
  ];
  for (const [text, value] of cases) assert.equal(pythonDecimal(text), value, JSON.stringify(text));
});

test('pythonDecimal rejects what Decimal() rejects for a filter', () => {
  for (const text of ['', '.', 'e3', '1e', '1._5', '_1', 'NaN', 'Infinity', '0x10']) {
    assert.equal(pythonDecimal(text), undefined, JSON.stringify(text));
  }
});
