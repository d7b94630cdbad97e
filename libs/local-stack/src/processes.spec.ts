import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { ProcessRecord, ProcSnapshot, classifyProcess, processState, readCmdline, readProcessRecords, readStartTicks, tailFile, writeProcessRecord } from './processes';

function recordOfThisProcess(): ProcessRecord {
  return {
    instance: 'self',
    pid: process.pid,
    argv: readCmdline(process.pid)!,
    startTicks: readStartTicks(process.pid)!,
    logFile: '/dev/null',
    startedAt: new Date().toISOString(),
  };
}

describe('process identity', () => {
  test('a live pid with the recorded command line and start time is ours', () => {
    assert.equal(processState(recordOfThisProcess()), 'running');
  });

  test('a live pid started at another time is a reused pid, never ours', () => {
    assert.equal(processState({ ...recordOfThisProcess(), startTicks: '1' }), 'pid-reused');
  });

  test('a live pid running another command is a reused pid', () => {
    assert.equal(processState({ ...recordOfThisProcess(), argv: ['/usr/bin/etcd'] }), 'pid-reused');
  });

  test('a pid that does not exist is gone', () => {
    assert.equal(processState({ ...recordOfThisProcess(), pid: 2 ** 22 + 1 }), 'gone');
  });

  describe('a process that is exiting', () => {
    const record: ProcessRecord = { ...recordOfThisProcess(), argv: ['/usr/bin/node', 'main.js'], startTicks: '4242' };
    const snapshot = (changes: Partial<ProcSnapshot>): ProcSnapshot => ({ cmdline: ['/usr/bin/node', 'main.js'], state: 'S', startTicks: '4242', threads: 11, ...changes });

    test('still runs while its main thread has released its memory (empty command line), so its sockets may still be open', () => {
      assert.equal(classifyProcess(record, snapshot({ cmdline: [], state: 'R', threads: 1 })), 'running');
    });

    test('still runs as a zombie main thread whose other threads have not yet exited', () => {
      assert.equal(classifyProcess(record, snapshot({ cmdline: [], state: 'Z', threads: 3 })), 'running');
    });

    test('is gone once only its zombie remains, or nothing', () => {
      assert.equal(classifyProcess(record, snapshot({ cmdline: [], state: 'Z', threads: 1 })), 'gone');
      assert.equal(classifyProcess(record, undefined), 'gone');
    });

    test('with another start time, is someone else', () => {
      assert.equal(classifyProcess(record, snapshot({ cmdline: [], state: 'R', startTicks: '99' })), 'pid-reused');
    });
  });
});

describe('pid files', () => {
  test('round-trip through the run directory, ignoring junk', () => {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-run-'));
    try {
      const record = recordOfThisProcess();
      writeProcessRecord(runDir, record);
      fs.writeFileSync(path.join(runDir, 'junk.pid'), 'not a pid\n');
      fs.writeFileSync(path.join(runDir, 'orphan.pid'), '12345\n');
      assert.equal(fs.readFileSync(path.join(runDir, 'self.pid'), 'utf8'), `${process.pid}\n`);
      const entries = readProcessRecords(runDir);
      assert.deepEqual(entries.map((e) => e.instance), ['orphan', 'self']);
      assert.equal(entries[0].record, undefined);
      assert.deepEqual(entries[1].record, record);
    } finally {
      fs.rmSync(runDir, { recursive: true, force: true });
    }
  });

  test('a missing run directory has no records', () => {
    assert.deepEqual(readProcessRecords('/nonexistent/kapi/run'), []);
  });
});

describe('tailFile', () => {
  test('returns the last lines, or nothing for a missing file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-tail-')), 'x.log');
    fs.writeFileSync(file, Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n') + '\n');
    assert.equal(tailFile(file, 2), 'line 28\nline 29');
    assert.equal(tailFile(`${file}.missing`), '');
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
});
