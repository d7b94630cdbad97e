import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError, type KubeObject } from '@kapi/api-machinery';
import { AdmissionChain, type AdmissionAttributes, type AdmissionPlugin, type Operation } from './plugin.js';

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
