import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkFormat, isSupportedFormat, parseDuration, parseRFC3339 } from './formats.js';

describe('string formats', () => {
  it('supports kube-openapi formats at compatibility 1.33, the k8s names only from 1.34', () => {
    assert.ok(isSupportedFormat('date-time'));
    assert.ok(!isSupportedFormat('k8s-short-name'));
    assert.ok(isSupportedFormat('k8s-short-name', 34));
    assert.ok(!isSupportedFormat('int32'));
  });

  it('checks each format as Go parses it', () => {
    const cases: [string, string, boolean][] = [
      ['email', 'Jane <jane@example.com>', true],
      ['email', 'not an email', false],
      ['ipv4', '01.2.3.4', true],
      ['ipv4', '1.2.3', false],
      ['ipv6', '::ffff:1.2.3.4', true],
      ['ipv6', '1:2', false],
      ['cidr', '10.0.0.0/8', true],
      ['cidr', '10.0.0.0/33', false],
      ['mac', '01-23-45-67-89-ab', true],
      ['uri', 'https://example.com/x?y#z', true],
      ['uri', 'relative/path', false],
      ['date', '2020-02-29', true],
      ['date', '2021-02-29', false],
      ['date-time', '2021-01-01t00:00:00z', true],
      ['date-time', '2021-01-01 00:00:00', false],
      ['duration', '3 days', true],
      ['duration', 'forever', false],
      ['byte', 'aGVsbG8=', true],
      ['isbn', '0-306-40615-2', true],
      ['hostname', '-bad-', false],
    ];
    for (const [format, value, ok] of cases) assert.equal(checkFormat(format, value), ok, `${format} ${value}`);
  });

  it('parses durations and times as kube reads them in CEL', () => {
    assert.equal(parseDuration('1h30m'), 5_400_000_000_000n);
    assert.equal(parseDuration('2 days'), 172_800_000_000_000n);
    assert.equal(parseRFC3339('1970-01-01T00:00:01.5Z'), 1_500_000_000n);
    assert.equal(parseRFC3339('2021-13-01T00:00:00Z'), undefined);
  });
});
