/** The one HTML escaping helper (src/web/html.ts), used by the flow page and the invitation email. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, NOT_FOUND_PAGE } from '../../src/web/html.js';

test("escapeHtml writes Django escape()'s entities for its five characters", () => {
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&amp;</a>`),
    '&lt;a href=&quot;x&quot; title=&#x27;y&#x27;&gt;&amp;amp;&lt;/a&gt;',
  );
});

test('escapeHtml leaves everything else alone, including non-ASCII and prototype names', () => {
  for (const text of ['', 'plain text', 'café – ✓', '__proto__', 'constructor', '`${x}`']) {
    assert.equal(escapeHtml(text), text);
  }
});

test('the not-found page is a complete HTML document', () => {
  assert.match(NOT_FOUND_PAGE, /^<!DOCTYPE html>.*<title>Not Found<\/title>.*<\/html>$/);
});
