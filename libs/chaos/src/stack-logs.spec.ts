import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lastElection, parseLogLines } from './stack-logs.js';

describe("a registry replica's last election", () => {
  const log = [
    'not json: a line from the runtime',
    '{"time":"2026-12-08T01:00:00.000Z","msg":"elected event publisher"}',
    '{"time":"2026-12-08T01:00:05.000Z","msg":"publishing"}',
    '{"time":"2026-12-08T01:02:00.000Z","msg":"elected event publisher"}',
    '{"time":"2026-12-08T01:03:00.0',
  ].join('\n');

  it('is the newest "elected event publisher" line, lines cut short or not JSON skipped', () => {
    const lines = parseLogLines(log);
    assert.equal(lines.length, 3);
    assert.equal(lastElection(lines), Date.parse('2026-12-08T01:02:00.000Z'));
  });

  it('counts only if it happened after the process started', () => {
    const lines = parseLogLines(log);
    assert.equal(lastElection(lines, Date.parse('2026-12-08T01:01:00.000Z')), Date.parse('2026-12-08T01:02:00.000Z'));
    assert.equal(lastElection(lines, Date.parse('2026-12-08T01:05:00.000Z')), undefined);
    assert.equal(lastElection(parseLogLines('{"msg":"ready"}')), undefined);
  });
});
