// The failover load test users run (`npm run loadtest`, tools/loadtest), run as they would against
// `npm run up`: a supervised stack, the smoke profile, every kind of process killed once, then a
// rolling restart of every service's processes (--rolling-restart). The tool
// must finish, write its report, and find every acknowledged write in etcd and every watch exact.
// Errors under SIGKILL (a write in flight on a killed front door, a request while the only registry
// is down) are reported by the tool, not asserted here: they are what the report is for.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot } from '@kapi/local-stack';
import { startTestStack, type TestStack } from './harness.js';

interface Report {
  integrity: { ok: boolean; checks: Array<{ name: string; ok: boolean; problems: string[] }> };
  kills: Array<{ target: string; backAt?: number; error?: string }>;
  totals: { requests: number; acknowledgedWrites: number };
}

describe('npm run loadtest against a supervised local stack, killing every kind of process and restarting them all', { timeout: 600_000 }, () => {
  let stack: TestStack;
  let reportDir: string;

  before(async () => {
    stack = await startTestStack({ supervise: true });
    reportDir = mkdtempSync(join(tmpdir(), 'kapi-loadtest-'));
  });

  after(async () => {
    await stack?.stop();
    if (reportDir) rmSync(reportDir, { recursive: true, force: true });
  });

  it('ends with its report, every kill recovered, and a clean integrity section', async () => {
    const root = findRepoRoot();
    const args = [
      join(root, 'tools/loadtest/dist/cli.js'),
      ...['--kubeconfig', stack.handle.kubeconfigPath, '--state-dir', stack.handle.stateDir, '--profile', 'smoke', '--duration', '20s', '--kill', 'local', '--rolling-restart', '--report-dir', reportDir],
    ];
    const run = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(process.execPath, args, { timeout: 480_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
      );
    });
    console.log(run.output);
    assert.ok(existsSync(join(reportDir, 'report.html')), `report.html was written (the tool said:\n${run.output.slice(-3000)})`);
    const report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as Report;
    assert.deepEqual(
      report.integrity.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.problems.slice(0, 5).join('; ')}`),
      [],
      'every integrity check holds',
    );
    assert.equal(report.integrity.ok, true);
    assert.equal(run.code, 0, 'the exit code says the integrity held');
    assert.deepEqual(
      report.kills.map((k) => k.target),
      ['aggregator-1', 'authn-0', 'authz-0', 'admission-0', 'registry-0', 'watch-cache-0', 'nats', 'etcd', 'every service'],
      'every service, NATS and etcd were killed once, then every service restarted in turn',
    );
    assert.deepEqual(report.kills.filter((k) => k.error || !k.backAt).map((k) => `${k.target}: ${k.error}`), [], 'every killed process came back');
    assert.ok(report.totals.acknowledgedWrites > 0, 'writes were acknowledged');
    const html = readFileSync(join(reportDir, 'report.html'), 'utf8');
    assert.match(html, /<svg[^>]*>/, 'the report has its plot inline');
    assert.match(html, /integrity <span class="pass">PASS<\/span>/);
  });
});
