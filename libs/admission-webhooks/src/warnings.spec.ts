import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WarningCollector } from './warnings.js';
import { testRecorder } from './test-support.fixture.js';

describe('WarningCollector', () => {
  it('hands what it collected to the recorder once', () => {
    const recorder = testRecorder();
    const c = new WarningCollector();
    c.add(['one', 2, 'two']);
    c.add(undefined);
    c.add(['two lines\nare the front door\'s to drop']);
    c.flush(recorder);
    c.flush(recorder);
    assert.deepEqual(recorder.warnings, ['one', 'two', 'two lines\nare the front door\'s to drop']);
  });
});
