// The admission policy kinds' validation against what kube-apiserver v1.34.2 answered for the same
// bodies (testdata/policy-validation.json: dry-run creates, the mutating policies with
// admissionregistration.k8s.io/v1beta1 switched on): every cause, in kube's order and words.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateObjectMeta, type KubeObject } from '@kapi/api-machinery';
import { KindCatalogue, optionalStrategies, builtinStrategies } from '../catalogue.js';
import { prepareNew } from '../strategy.js';

interface Case {
  name: string;
  resource: string;
  body: KubeObject;
  code: number;
  causes: { field: string; reason: string; message: string }[];
}

const table = JSON.parse(readFileSync(join(__dirname, '..', '..', 'src', 'admissionregistration', 'testdata', 'policy-validation.json'), 'utf8')) as { cases: Case[] };
const catalogue = new KindCatalogue([...builtinStrategies, ...optionalStrategies]);

describe('admission policy validation, as kube-apiserver v1.34.2 answers it', () => {
  for (const c of table.cases) {
    it(`${c.resource}: ${c.name}`, () => {
      const strategy = catalogue.lookup('admissionregistration.k8s.io', c.resource)!;
      const obj = structuredClone(c.body);
      prepareNew(strategy, obj);
      const errors = [...strategy.validate(obj), ...validateObjectMeta(obj.metadata, { namespaced: false, validateName: strategy.validateName })];
      assert.deepEqual(
        errors.map((e) => ({ field: e.field, reason: e.type, message: e.detail })),
        c.causes,
      );
    });
  }
});
