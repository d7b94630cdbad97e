import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGoDuration } from './duration.js';

test("reads the Go durations kube-apiserver sends as ?timeout= and time.ParseDuration's other forms", () => {
  assert.equal(parseGoDuration('10s'), 10_000);
  assert.equal(parseGoDuration('7s'), 7_000);
  assert.equal(parseGoDuration('30s'), 30_000);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('1.5s'), 1_500);
  assert.equal(parseGoDuration('250ms'), 250);
  assert.equal(parseGoDuration('1h'), 3_600_000);
  assert.equal(parseGoDuration('+2s'), 2_000);
  assert.equal(parseGoDuration('0'), 0);
});

test('refuses what time.ParseDuration refuses, and negative durations', () => {
  for (const text of ['', '10', 's', '1x', '-1s', '1s ', 'ten seconds', '1.s2']) {
    assert.equal(parseGoDuration(text), undefined, text);
  }
});
