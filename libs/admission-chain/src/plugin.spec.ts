import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError, type KubeObject } from '@kapi/api-machinery';
import { MetricsRegistry } from '@kapi/telemetry';
import { AdmissionChainMetrics } from './metrics.js';
import { AdmissionChain, type AdmissionAttributes, type AdmissionPlugin, type MutationRunner, type Operation } from './plugin.js';

const attrs = (operation: Operation, object?: KubeObject): AdmissionAttributes => ({
  operation,
  kind: { group: '', version: 'v1', kind: 'ConfigMap' },
  resource: { group: '', version: 'v1', resource: 'configmaps', namespace: 'ns' },
  subresource: '',
  name: 'x',
  object,
  oldObject: undefined,
  user: { username: 'alice', groups: ['system:authenticated'] },
  dryRun: false,
});

const cm = (labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns', labels } });

/** A mutating plugin that adds a label, recording what it saw. */
function labeller(name: string, label: string, log: string[], ops: Operation[] = ['CREATE', 'UPDATE']): AdmissionPlugin {
  return {
    name,
    handles: (op) => ops.includes(op),
    async admit(a) {
      log.push(`admit ${name}`);
      const o = a.object!;
      return { ...o, metadata: { ...o.metadata, labels: { ...o.metadata?.labels, [label]: 'yes' } } };
    },
  };
}

function checker(name: string, log: string[], deny?: (a: AdmissionAttributes) => boolean): AdmissionPlugin {
  return {
    name,
    handles: () => true,
    async validate(a) {
      log.push(`validate ${name}`);
      if (deny?.(a)) throw new StatusError('KAPI_ERR_ADMISSION_DENIED', `configmaps "x" is forbidden: denied by ${name}`);
    },
  };
}

describe('AdmissionChain.register', () => {
  it('registers plugins by name, in order', () => {
    const chain = new AdmissionChain();
    const log: string[] = [];
    assert.equal(chain.register(labeller('A', 'a', log)), chain);
    chain.register(checker('B', log));
    assert.deepEqual(chain.names, ['A', 'B']);
  });

  it('refuses a second plugin with a name already registered', () => {
    const chain = new AdmissionChain().register(checker('NamespaceLifecycle', []));
    assert.throws(() => chain.register(checker('NamespaceLifecycle', [])), /admission plugin NamespaceLifecycle is registered twice/);
    assert.deepEqual(chain.names, ['NamespaceLifecycle']);
  });
});

describe('AdmissionChain.mutates', () => {
  it('tells whether any plugin mutates an operation', () => {
    const chain = new AdmissionChain().register(labeller('CreateOnly', 'c', [], ['CREATE'])).register(checker('V', []));
    assert.equal(chain.mutates('CREATE'), true);
    assert.equal(chain.mutates('UPDATE'), false);
    assert.equal(chain.mutates('DELETE'), false);
    assert.equal(new AdmissionChain().mutates('CREATE'), false);
  });
});

describe('AdmissionChain.mutate', () => {
  it('runs mutating plugins in order, each on the previous one\'s result', async () => {
    const log: string[] = [];
    const seen: (Record<string, string> | undefined)[] = [];
    const spy: AdmissionPlugin = { name: 'Spy', handles: () => true, admit: async (a) => (seen.push(a.object?.metadata?.labels), undefined) };
    const chain = new AdmissionChain().register(labeller('A', 'a', log)).register(spy).register(labeller('B', 'b', log));
    const out = await chain.mutate(attrs('CREATE', cm({ orig: '1' })));
    assert.deepEqual(out?.metadata?.labels, { orig: '1', a: 'yes', b: 'yes' });
    assert.deepEqual(seen, [{ orig: '1', a: 'yes' }]);
    assert.deepEqual(log, ['admit A', 'admit B']);
  });

  it('keeps the object when a plugin returns nothing', async () => {
    const noop: AdmissionPlugin = { name: 'Noop', handles: () => true, admit: async () => undefined };
    const input = cm({ k: 'v' });
    assert.deepEqual(await new AdmissionChain().register(noop).mutate(attrs('CREATE', input)), input);
  });

  it('skips plugins that do not handle the operation or only validate', async () => {
    const log: string[] = [];
    const chain = new AdmissionChain().register(labeller('CreateOnly', 'c', log, ['CREATE'])).register(checker('V', log));
    const out = await chain.mutate(attrs('UPDATE', cm()));
    assert.deepEqual(out?.metadata?.labels, {});
    assert.deepEqual(log, []);
  });

  it('stops at a plugin that denies', async () => {
    const log: string[] = [];
    const denier: AdmissionPlugin = {
      name: 'Deny',
      handles: () => true,
      admit: async () => {
        throw new StatusError('KAPI_ERR_ADMISSION_DENIED', 'no');
      },
    };
    const chain = new AdmissionChain().register(denier).register(labeller('After', 'x', log));
    await assert.rejects(chain.mutate(attrs('CREATE', cm())), (err: unknown) => err instanceof StatusError && err.httpCode === 403);
    assert.deepEqual(log, []);
  });

  it('returns undefined for an operation without an object', async () => {
    const log: string[] = [];
    const chain = new AdmissionChain().register(labeller('A', 'a', log, ['CREATE']));
    assert.equal(await chain.mutate(attrs('DELETE')), undefined);
    assert.deepEqual(log, []);
  });
});

/** The reinvocation context a runner hands the plugins, as kube's admission.ReinvocationContext. */
interface Rounds {
  round: number;
  again: boolean;
}
type WithRounds = AdmissionAttributes & { rounds?: Rounds };

/** A runner as kube's reinvoker: once, and once more when a plugin asked for it. */
const twiceWhenAsked: MutationRunner = async (attributes, once) => {
  const rounds: Rounds = { round: 0, again: false };
  const first = await once({ ...attributes, rounds } as WithRounds);
  if (!rounds.again) return first;
  rounds.round = 1;
  return once({ ...attributes, object: first, rounds } as WithRounds);
};

describe('AdmissionChain.mutate with a MutationRunner (reinvocation)', () => {
  /** Adds a container-like label once; asks for another round when it changed the object. */
  const changer = (name: string, label: string, log: string[]): AdmissionPlugin => ({
    name,
    handles: () => true,
    async admit(a) {
      const rounds = (a as WithRounds).rounds!;
      log.push(`${name} round ${rounds.round}`);
      const labels = a.object?.metadata?.labels ?? {};
      if (labels[label]) return a.object;
      rounds.again = true;
      return { ...a.object!, metadata: { ...a.object!.metadata, labels: { ...labels, [label]: 'yes' } } };
    },
  });
  /** A built-in that defaults what a later plugin added. */
  const defaulter = (log: string[]): AdmissionPlugin => ({
    name: 'Defaulter',
    handles: () => true,
    async admit(a) {
      log.push(`Defaulter round ${(a as WithRounds).rounds!.round}`);
      const labels = a.object?.metadata?.labels ?? {};
      return labels.late ? { ...a.object!, metadata: { ...a.object!.metadata, labels: { ...labels, defaulted: 'yes' } } } : a.object;
    },
  });

  it('runs every mutating plugin again on the result when a plugin asks, handing each the runner\'s context', async () => {
    const log: string[] = [];
    const chain = new AdmissionChain({ runMutation: twiceWhenAsked }).register(defaulter(log)).register(changer('Late', 'late', log));
    const out = await chain.mutate(attrs('CREATE', cm()));
    // The built-in before the plugin that changed the object sees the change in the second round.
    assert.deepEqual(out?.metadata?.labels, { late: 'yes', defaulted: 'yes' });
    assert.deepEqual(log, ['Defaulter round 0', 'Late round 0', 'Defaulter round 1', 'Late round 1']);
  });

  it('runs once when no plugin asks, and stops at a denial in either round', async () => {
    const log: string[] = [];
    const quiet = new AdmissionChain({ runMutation: twiceWhenAsked }).register(defaulter(log));
    assert.deepEqual((await quiet.mutate(attrs('CREATE', cm())))?.metadata?.labels, {});
    assert.deepEqual(log, ['Defaulter round 0']);

    const secondRoundDenier: AdmissionPlugin = {
      name: 'Deny',
      handles: () => true,
      admit: async (a) => {
        if ((a as WithRounds).rounds!.round === 1) throw new StatusError('KAPI_ERR_ADMISSION_DENIED', 'not twice');
        return a.object;
      },
    };
    const chain = new AdmissionChain({ runMutation: twiceWhenAsked }).register(secondRoundDenier).register(changer('Late', 'late', []));
    await assert.rejects(chain.mutate(attrs('CREATE', cm())), (err: unknown) => err instanceof StatusError && err.message === 'not twice');
  });
});

describe('AdmissionChain metrics', () => {
  it('counts each step and each plugin call in kube\'s admission metrics, rejected or not', async () => {
    const registry = new MetricsRegistry();
    const log: string[] = [];
    const chain = new AdmissionChain({ metrics: new AdmissionChainMetrics(registry) }).register(labeller('A', 'a', log)).register(checker('V', log, (a) => a.name === 'bad'));
    await chain.mutate(attrs('CREATE', cm()));
    await chain.validate(attrs('CREATE', cm()));
    await assert.rejects(chain.validate({ ...attrs('CREATE', cm()), name: 'bad' }));
    const text = registry.render();
    const count = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1]);
    assert.equal(count('apiserver_admission_step_admission_duration_seconds_count{operation="CREATE",rejected="false",type="admit"}'), 1);
    assert.equal(count('apiserver_admission_step_admission_duration_seconds_count{operation="CREATE",rejected="false",type="validate"}'), 1);
    assert.equal(count('apiserver_admission_step_admission_duration_seconds_count{operation="CREATE",rejected="true",type="validate"}'), 1);
    assert.equal(count('apiserver_admission_controller_admission_duration_seconds_count{name="A",operation="CREATE",rejected="false",type="admit"}'), 1);
    assert.equal(count('apiserver_admission_controller_admission_duration_seconds_count{name="V",operation="CREATE",rejected="true",type="validate"}'), 1);
    assert.match(text, /^apiserver_admission_controller_admission_duration_seconds_bucket\{name="V",operation="CREATE",rejected="false",type="validate",le="2.5"\} 1$/m);
  });
});

describe('AdmissionChain.validate', () => {
  it('runs every validating plugin that handles the operation, in order', async () => {
    const log: string[] = [];
    const updatesOnly: AdmissionPlugin = { ...checker('UpdatesOnly', log), handles: (op) => op === 'UPDATE' };
    const chain = new AdmissionChain().register(checker('V1', log)).register(labeller('M', 'm', log)).register(updatesOnly).register(checker('V2', log));
    await chain.validate(attrs('CREATE', cm()));
    assert.deepEqual(log, ['validate V1', 'validate V2']);
  });

  it('denies with the plugin\'s Status and runs no plugin after it', async () => {
    const log: string[] = [];
    const chain = new AdmissionChain().register(checker('First', log, () => true)).register(checker('Second', log));
    await assert.rejects(chain.validate(attrs('CREATE', cm())), (err: unknown) => err instanceof StatusError && err.message === 'configmaps "x" is forbidden: denied by First');
    assert.deepEqual(log, ['validate First']);
  });

  it('sees the mutated object when run after mutate, as the chain order requires', async () => {
    const log: string[] = [];
    const requireLabel = checker('RequireLabel', log, (a) => a.object?.metadata?.labels?.stamped !== 'yes');
    const chain = new AdmissionChain().register(requireLabel).register(labeller('Stamp', 'stamped', log));
    const a = attrs('CREATE', cm());
    await assert.rejects(chain.validate(a));
    const mutated = await chain.mutate(a);
    await chain.validate({ ...a, object: mutated });
    assert.deepEqual(log, ['validate RequireLabel', 'admit Stamp', 'validate RequireLabel']);
  });
});
