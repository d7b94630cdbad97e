import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { limitWarnings, WarningCollector } from './warnings.js';
import { testRecorder } from './test-support.fixture.js';

describe('limitWarnings', () => {
  it('keeps each text once, in order, and drops empty ones and those no header can carry', () => {
    assert.deepEqual(limitWarnings(['a', '', 'b', 'a', 'second\nline', 'tab\tis fine', 'nul\u0000']), ['a', 'b', 'tab\tis fine']);
  });

  it('cuts every warning to 256 characters once all of them pass 4096, and drops those past it', () => {
    const long = (c: string) => c.repeat(1000);
    const texts = ['a', 'b', 'c', 'd', 'e'].map(long);
    const kept = limitWarnings(texts);
    assert.deepEqual(
      kept.map((t) => t.length),
      [256, 256, 256, 256, 256],
    );
    assert.equal(kept[4], 'e'.repeat(256));
    // Ten fit whole; the eleventh starts the cutting; sixteen cut ones fill 4096 characters, the limit.
    assert.equal(limitWarnings(Array.from({ length: 30 }, (_, i) => `${i}`.padEnd(400, 'x'))).length, 16);
  });

  it('counts characters, not bytes', () => {
    assert.deepEqual(limitWarnings(['é'.repeat(4096)]), ['é'.repeat(4096)]);
  });
});

describe('WarningCollector', () => {
  it('hands what it collected to the recorder once', () => {
    const recorder = testRecorder();
    const c = new WarningCollector();
    c.add(['one', 2, 'two']);
    c.add(undefined);
    c.flush(recorder);
    c.flush(recorder);
    assert.deepEqual(recorder.warnings, ['one', 'two']);
  });
});
