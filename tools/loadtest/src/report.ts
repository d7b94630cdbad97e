// The report of one run: report.json with everything, and report.html for a person, self-contained
// (inline SVG and CSS, no script, no external asset): throughput and latency over time with the kills
// marked, errors by status per phase, and the integrity checks at the top.
import type { Bucket, KillRecord, PhaseSummary } from './timeline.js';

export interface IntegrityCheck {
  name: string;
  ok: boolean;
  /** One line: what was checked, with counts. */
  detail: string;
  /** What failed, at most a few dozen lines. */
  problems: string[];
}

export interface WatcherSummary {
  name: string;
  filter: string;
  events: number;
  bookmarks: number;
  streams: number;
  relists: number;
}

export interface ReportData {
  server: string;
  startedAt: number;
  endedAt: number;
  settings: Record<string, string | number>;
  totals: { requests: number; errors: number; acknowledgedWrites: number; retried: number };
  buckets: Bucket[];
  kills: KillRecord[];
  phases: PhaseSummary[];
  watchers: WatcherSummary[];
  integrity: { ok: boolean; checks: IntegrityCheck[] };
  /** What the run could not do, e.g. a kill mode's limits. */
  notes: string[];
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const WIDTH = 960;
const HEIGHT = 230;
const MARGIN = { left: 56, right: 16, top: 28, bottom: 28 };

interface Series {
  label: string;
  color: string;
  /** One per second; null where there is nothing to show (no answer that second): the line breaks. */
  values: Array<number | null>;
  /** Bars instead of a line. */
  bars?: boolean;
}

/** A niceish upper bound for an axis: 1, 2 or 5 times a power of ten. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function chart(title: string, unit: string, series: Series[], seconds: number, kills: KillRecord[], startedAt: number, log: boolean): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const max = niceCeiling(Math.max(1, ...series.flatMap((s) => s.values.map((v) => v ?? 0))));
  const minLog = 1;
  const y = (v: number) => {
    const fraction = log ? (Math.log10(Math.max(minLog, v)) - Math.log10(minLog)) / (Math.log10(max) - Math.log10(minLog) || 1) : v / max;
    return MARGIN.top + plotH - fraction * plotH;
  };
  const x = (second: number) => MARGIN.left + (second / Math.max(1, seconds)) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="${escapeHtml(title)}">`);
  out.push(`<text x="${MARGIN.left}" y="16" class="title">${escapeHtml(title)}</text>`);
  // Down periods and kill markers first, so the data is drawn over them.
  for (const kill of kills) {
    const from = (kill.at - startedAt) / 1000;
    const to = ((kill.backAt ?? kill.at) - startedAt) / 1000;
    out.push(`<rect x="${x(from).toFixed(1)}" y="${MARGIN.top}" width="${Math.max(1, x(to) - x(from)).toFixed(1)}" height="${plotH}" class="down"><title>${escapeHtml(kill.target)} down ${(to - from).toFixed(1)} s</title></rect>`);
    out.push(`<line x1="${x(from).toFixed(1)}" x2="${x(from).toFixed(1)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" class="kill"/>`);
    out.push(`<text x="${(x(from) + 3).toFixed(1)}" y="${MARGIN.top + 10}" class="killlabel" transform="rotate(90 ${(x(from) + 3).toFixed(1)} ${MARGIN.top + 10})">${escapeHtml(kill.target)}</text>`);
  }
  // Axes and grid.
  const ticks = log ? [1, 10, 100, 1000, 10_000, 100_000].filter((t) => t <= max) : [0, max / 4, max / 2, (3 * max) / 4, max];
  for (const t of ticks) {
    out.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" class="grid"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${(y(t) + 4).toFixed(1)}" class="axis" text-anchor="end">${t >= 1000 ? `${t / 1000}k` : Number(t.toFixed(1))}</text>`);
  }
  const step = seconds > 600 ? 120 : seconds > 240 ? 60 : seconds > 60 ? 15 : 5;
  for (let s = 0; s <= seconds; s += step) out.push(`<text x="${x(s).toFixed(1)}" y="${HEIGHT - 8}" class="axis" text-anchor="middle">${s}s</text>`);
  out.push(`<text x="12" y="${MARGIN.top + plotH / 2}" class="axis" transform="rotate(-90 12 ${MARGIN.top + plotH / 2})" text-anchor="middle">${escapeHtml(unit)}</text>`);
  for (const s of series) {
    if (s.bars) {
      const w = Math.max(1, plotW / Math.max(1, seconds) - 1);
      s.values.forEach((v, i) => {
        if (v !== null && v > 0) out.push(`<rect x="${x(i).toFixed(1)}" y="${y(v).toFixed(1)}" width="${w.toFixed(1)}" height="${(MARGIN.top + plotH - y(v)).toFixed(1)}" fill="${s.color}"><title>${i}s: ${v} ${escapeHtml(s.label)}</title></rect>`);
      });
    } else {
      let run: string[] = [];
      const flush = () => {
        if (run.length) out.push(`<polyline points="${run.join(' ')}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`);
        run = [];
      };
      s.values.forEach((v, i) => (v === null ? flush() : run.push(`${x(i + 0.5).toFixed(1)},${y(v).toFixed(1)}`)));
      flush();
    }
  }
  // Legend.
  series.forEach((s, i) => {
    const lx = WIDTH - MARGIN.right - 150 * (series.length - i);
    out.push(`<rect x="${lx}" y="8" width="12" height="8" fill="${s.color}"/><text x="${lx + 16}" y="16" class="axis">${escapeHtml(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

function table(headers: string[], rows: string[][], classes: string[] = []): string {
  return `<table><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row, i) => `<tr${classes[i] ? ` class="${classes[i]}"` : ''}>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const time = (ms: number, startedAt: number) => `${((ms - startedAt) / 1000).toFixed(1)}s`;
const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${v}× ${k}`)
    .join(', ') || '-';

export function renderHtml(data: ReportData): string {
  const seconds = data.buckets.length;
  const verdict = data.integrity.ok ? 'PASS' : 'FAIL';
  const throughput = chart(
    'Throughput (requests answered per second)',
    'requests/s',
    [
      { label: 'requests/s', color: '#2563eb', values: data.buckets.map((b) => b.requests) },
      { label: 'failed/s', color: '#dc2626', values: data.buckets.map((b) => b.errors), bars: true },
    ],
    seconds,
    data.kills,
    data.startedAt,
    false,
  );
  const latency = chart(
    'Latency as the client saw it, retries included (ms, log scale; a gap: no answer that second)',
    'ms',
    [
      { label: 'p50', color: '#16a34a', values: data.buckets.map((b) => (b.requests ? b.p50 : null)) },
      { label: 'p99', color: '#ea580c', values: data.buckets.map((b) => (b.requests ? b.p99 : null)) },
    ],
    seconds,
    data.kills,
    data.startedAt,
    true,
  );
  const durationS = ((data.endedAt - data.startedAt) / 1000).toFixed(0);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kapi failover load test: ${verdict}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#111}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.pass{color:#15803d}.fail{color:#b91c1c}
table{border-collapse:collapse;width:100%;margin:4px 0}th,td{border-bottom:1px solid #e5e7eb;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f9fafb}tr.bad td{background:#fef2f2}
.title{font:600 13px system-ui,sans-serif}.axis{font:11px system-ui,sans-serif;fill:#555}
.grid{stroke:#e5e7eb}.kill{stroke:#b91c1c;stroke-dasharray:4 3}.killlabel{font:10px system-ui,sans-serif;fill:#b91c1c}.down{fill:#fecaca;opacity:.5}
code,pre{font:12px ui-monospace,monospace}pre{white-space:pre-wrap;background:#f9fafb;padding:6px}
</style></head><body>
<h1>kapi failover load test — integrity <span class="${data.integrity.ok ? 'pass' : 'fail'}">${verdict}</span></h1>
<p>${escapeHtml(data.server)} · ${new Date(data.startedAt).toISOString()} · ${durationS} s · ${data.totals.requests} requests,
${data.totals.errors} failed after client-go's retries, ${data.totals.retried} answers retried away, ${data.totals.acknowledgedWrites} acknowledged writes · ${data.kills.length} kills</p>
<p>${Object.entries(data.settings)
    .map(([k, v]) => `${escapeHtml(k)} <b>${escapeHtml(String(v))}</b>`)
    .join(' · ')}</p>
<h2>Integrity</h2>
${table(
  ['check', 'result', 'detail'],
  data.integrity.checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.detail]),
  data.integrity.checks.map((c) => (c.ok ? '' : 'bad')),
)}
${data.integrity.checks
  .filter((c) => c.problems.length)
  .map((c) => `<p><b>${escapeHtml(c.name)}</b></p><pre>${escapeHtml(c.problems.join('\n'))}</pre>`)
  .join('\n')}
<h2>Over time</h2>
${throughput}
${latency}
<p>Dashed red lines: a kill; shaded: until the killed process answered its health check again.</p>
<h2>Kills</h2>
${
  data.kills.length
    ? table(
        ['target', 'component', 'killed at', 'healthy again at', 'down for', 'problem'],
        data.kills.map((k) => [k.target, k.component, time(k.at, data.startedAt), k.backAt ? time(k.backAt, data.startedAt) : '-', k.backAt ? `${((k.backAt - k.at) / 1000).toFixed(1)} s` : '-', k.error ?? '']),
        data.kills.map((k) => (k.error ? 'bad' : '')),
      )
    : '<p>None (--kill none).</p>'
}
<h2>Requests by phase</h2>
${table(
  ['phase', 'from', 'to', 'requests', 'p50', 'p99', 'failed (final status)', 'retried away (client-go)'],
  data.phases.map((p) => [p.name, time(p.from, data.startedAt), time(p.to, data.startedAt), String(p.requests), `${p.p50} ms`, `${p.p99} ms`, counts(p.errors), counts(p.retried)]),
  data.phases.map((p) => (Object.keys(p.errors).length ? 'bad' : '')),
)}
<h2>Watchers</h2>
${table(
  ['watcher', 'watches', 'events', 'bookmarks', 'watch streams', 'relists (410)'],
  data.watchers.map((w) => [w.name, w.filter, String(w.events), String(w.bookmarks), String(w.streams), String(w.relists)]),
)}
${data.notes.length ? `<h2>Notes</h2><ul>${data.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
