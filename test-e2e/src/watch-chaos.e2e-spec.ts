// Watch at scale, its property test: random creates, updates and deletes of configmaps in three
// namespaces while the event publisher (the registry replica that won the election), a watch-cache
// replica and NATS are killed and restarted at random. Watchers that behave like client-go's
// reflectors (list, watch from the list's resourceVersion with bookmarks, re-watch from the last
// resourceVersion, re-list on 410) run through the front doors; a direct etcd watch records the
// truth. Each watcher's history is then checked against etcd's with the properties etcd's robustness
// tests check on watches (see chaos/properties.ts), and each watcher's state against a fresh list.
//
// Replay a failure with the seed it prints:
//   KAPI_CHAOS_SEED=<seed> node_modules/.bin/node --test test-e2e/dist/watch-chaos.e2e-spec.js
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chaosSeed, SEED_VARIABLE, type Property } from '@kapi/chaos';
import { DEFAULT_CONFIG, describeWatcher, keepReport, runScenario, type ScenarioResult } from './chaos/scenario.js';
import type { ChaosStack } from './chaos/stack.js';

const seed = chaosSeed();
const replay = `${SEED_VARIABLE}=${seed} node_modules/.bin/node --test test-e2e/dist/watch-chaos.e2e-spec.js`;
const MAX_LINES = 12;

describe(`watch chaos (seed ${seed})`, { timeout: 240_000 }, () => {
  let result: ScenarioResult | undefined;
  let stack: ChaosStack | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let failed = false;

  before(async () => {
    console.log(`watch chaos: seed ${seed} (replay: ${replay})`);
    try {
      ({ result, stack, cleanup } = await runScenario(seed, DEFAULT_CONFIG, (message) => console.log(`watch chaos: ${message}`)));
    } catch (err) {
      failed = true;
      throw new Error(`the chaos scenario did not complete (seed ${seed}; replay: ${replay}): ${err instanceof Error ? err.message : String(err)}`);
    }
    for (const watcher of result.watchers) console.log(`watch chaos: ${describeWatcher(watcher)}`);
    for (const action of result.chaos) {
      console.log(`watch chaos: killed ${action.instance} (${action.target}${action.note ? `, ${action.note}` : ''}) after ${action.afterOperations} operations for ${action.downMs} ms${action.error ? `: ${action.error}` : ''}`);
    }
    for (const resume of result.resumes) console.log(`watch chaos: resume ${resume.watcher} from ${resume.from} via ${resume.endpoint}: ${resume.outcome}, ${resume.delivered} delivered`);
    console.log(`watch chaos: etcd revisions ${result.etcd.startRevision}..${result.etcd.lastRevision} (${result.etcd.events} configmap events); timings ${JSON.stringify(result.timings)}`);
  });

  after(async () => {
    if (result && stack && (failed || result.violations.length > 0 || result.problems.length > 0)) {
      result.reportDir = keepReport(result, stack);
      console.log(`watch chaos: seed ${seed}: histories and logs kept in ${result.reportDir}`);
    }
    await cleanup?.();
  });

  function assertHolds(property: Property | 'settled'): void {
    assert.ok(result, `the scenario did not run (seed ${seed})`);
    const all =
      property === 'settled'
        ? result.problems
        : result.violations.filter((v) => v.property === property).map((v) => `${v.watcher}: ${v.detail}`);
    // The same violation seen again (e.g. every bookmark of one stuck stream) is shown once, counted.
    const counts = new Map<string, number>();
    for (const line of all) counts.set(line, (counts.get(line) ?? 0) + 1);
    const lines = [...counts].map(([line, n]) => (n > 1 ? `${line} (×${n})` : line));
    if (lines.length === 0) return;
    failed = true;
    const shown = lines.slice(0, MAX_LINES).map((line) => `  - ${line}`);
    if (lines.length > MAX_LINES) shown.push(`  … and ${lines.length - MAX_LINES} more`);
    assert.fail(`${property} violated ${all.length} time(s) with seed ${seed} (replay: ${replay}):\n${shown.join('\n')}`);
  }

  it('every watcher caught up with the last writes once the churn stopped', () => assertHolds('settled'));
  it('ordered: resourceVersions only go up on every watch, bookmarks included', () => assertHolds('ordered'));
  it('unique: no event is delivered twice between two lists', () => assertHolds('unique'));
  it('atomic: the events of one etcd revision are never split', () => assertHolds('atomic'));
  it('reliable: between two things a watcher saw, every event it was owed was delivered', () => assertHolds('reliable'));
  it('bookmarkable: a BOOKMARK at r comes after every owed event up to r, and long watches get bookmarks', () => {
    assertHolds('bookmarkable');
    const without = result!.watchers.filter((w) => w.bookmarks === 0).map((w) => w.name);
    assert.deepEqual(without, [], `watchers without a single BOOKMARK although the watch cache sends one every ${DEFAULT_CONFIG.bookmarkIntervalMs} ms (seed ${seed}; replay: ${replay})`);
  });
  it('resumable: a fresh watch from a recorded resourceVersion continues exactly as etcd did', () => {
    assertHolds('resumable');
    assert.ok(result!.resumes.length > 0, `no resume point could be chosen (seed ${seed})`);
  });
  it("faithful: every event has etcd's type and object for that watcher", () => assertHolds('faithful'));
  it("converged: every watcher's reconstructed state equals a fresh list", () => assertHolds('converged'));
});
