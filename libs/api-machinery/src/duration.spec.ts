import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ageOf, humanDuration, parseDuration } from './duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

describe('humanDuration', () => {
  // The table of k8s.io/apimachinery/pkg/util/duration.HumanDuration.
  const table: [number, string][] = [
    [0, '0s'],
    [999, '0s'],
    [1 * S, '1s'],
    [59 * S, '59s'],
    [60 * S, '60s'],
    [119 * S, '119s'],
    [119 * S + 999, '119s'],
    [2 * M, '2m'],
    [2 * M + 30 * S, '2m30s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [179 * M + 59 * S, '179m'],
    [3 * H, '3h'],
    [3 * H + 30 * M, '3h30m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [8 * H + 59 * M, '8h'],
    [47 * H, '47h'],
    [47 * H + 59 * M, '47h'],
    [48 * H, '2d'],
    [2 * D + 5 * H, '2d5h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [8 * D + 23 * H, '8d'],
    [365 * D, '365d'],
    [729 * D, '729d'],
    [2 * Y, '2y'],
    [2 * Y + 1 * D, '2y1d'],
    [2 * Y + 364 * D, '2y364d'],
    [7 * Y + 100 * D, '7y100d'],
    [8 * Y, '8y'],
    [8 * Y + 200 * D, '8y'],
    [100 * Y, '100y'],
  ];
  for (const [ms, expected] of table) {
    it(`${ms}ms → ${expected}`, () => {
      assert.equal(humanDuration(ms), expected);
    });
  }

  it('tolerates clock skew of up to two seconds as 0s', () => {
    assert.equal(humanDuration(-1), '0s');
    assert.equal(humanDuration(-999), '0s');
    assert.equal(humanDuration(-1000), '0s');
  });

  it('truncates toward zero like Go int(d.Seconds()): -1.5s is still 0s', () => {
    assert.equal(humanDuration(-1500), '0s');
    assert.equal(humanDuration(-1999), '0s');
  });

  it('is <invalid> from two seconds in the future on', () => {
    assert.equal(humanDuration(-2000), '<invalid>');
    assert.equal(humanDuration(-1 * H), '<invalid>');
  });
});

describe('ageOf', () => {
  it('is <unknown> without a creation timestamp', () => {
    assert.equal(ageOf(undefined), '<unknown>');
    assert.equal(ageOf(null), '<unknown>');
    assert.equal(ageOf(''), '<unknown>');
  });

  it('measures from the creation timestamp to now', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    assert.equal(ageOf('2024-05-01T11:59:30Z', now), '30s');
    assert.equal(ageOf('2024-05-01T11:57:30Z', now), '2m30s');
    assert.equal(ageOf('2024-04-29T12:00:00Z', now), '2d');
    assert.equal(ageOf('2024-05-01T12:00:05Z', now), '<invalid>');
  });
});

describe('parseDuration', () => {
  it('reads Go durations into milliseconds', () => {
    const table: [string, number][] = [
      ['0', 0],
      ['5m', 5 * M],
      ['30s', 30 * S],
      ['2m0s', 2 * M],
      ['1h30m', H + 30 * M],
      ['1.5s', 1500],
      ['.5s', 500],
      ['300ms', 300],
      ['1500us', 1.5],
      ['-1m', -M],
      ['+10s', 10 * S],
    ];
    for (const [text, ms] of table) assert.equal(parseDuration(text), ms, text);
  });

  it("refuses what Go refuses, in Go's words", () => {
    assert.throws(() => parseDuration(''), { message: 'time: invalid duration ""' });
    assert.throws(() => parseDuration('m'), { message: 'time: invalid duration "m"' });
    assert.throws(() => parseDuration('5'), { message: 'time: missing unit in duration "5"' });
    assert.throws(() => parseDuration('5d'), { message: 'time: unknown unit "d" in duration "5d"' });
    assert.throws(() => parseDuration('.s'), { message: 'time: invalid duration ".s"' });
  });
});
