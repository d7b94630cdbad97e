import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, niceCeiling, renderHtml, type ReportData } from './report.js';

const T0 = 1_000_000;

function report(ok: boolean): ReportData {
  return {
    server: 'https://127.0.0.1:6443',
    startedAt: T0,
    endedAt: T0 + 3000,
    settings: { profile: 'smoke' },
    totals: { requests: 3, errors: 1, acknowledgedWrites: 2, retried: 0 },
    buckets: [
      { second: 0, requests: 2, errors: 0, p50: 5, p99: 9 },
      { second: 1, requests: 0, errors: 0, p50: 0, p99: 0 },
      { second: 2, requests: 1, errors: 1, p50: 100, p99: 100 },
    ],
    kills: [{ target: 'aggregator-1', component: 'front door', at: T0 + 1000, backAt: T0 + 2000 }],
    phases: [],
    watchers: [],
    integrity: { ok, checks: [{ name: 'every acknowledged write is in etcd', ok, detail: '2 writes', problems: ok ? [] : ['patch of a/<b> at 7 (x)'] }] },
    notes: [],
  };
}

describe('the HTML report', () => {
  it('is one self-contained page: inline SVG with the kills marked, no script, no external asset', () => {
    const html = renderHtml(report(true));
    assert.match(html, /integrity <span class="pass">PASS<\/span>/);
    assert.equal((html.match(/<svg /g) ?? []).length, 2);
    assert.match(html, /class="kill"/);
    assert.match(html, />aggregator-1<\/text>/);
    assert.doesNotMatch(html, /<script|<link|src="http|href="http/);
    // The second without answers breaks the latency lines: p50 and p99 each in two pieces.
    assert.equal((html.match(/<polyline /g) ?? []).length, 1 + 4);
  });

  it('shows a failed check with its problems, escaped', () => {
    const html = renderHtml(report(false));
    assert.match(html, /integrity <span class="fail">FAIL<\/span>/);
    assert.match(html, /patch of a\/&lt;b&gt; at 7/);
  });

  it('rounds axes up to 1, 2 or 5 times a power of ten', () => {
    assert.deepEqual([0, 1, 3, 7, 40, 101].map(niceCeiling), [1, 1, 5, 10, 50, 200]);
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
