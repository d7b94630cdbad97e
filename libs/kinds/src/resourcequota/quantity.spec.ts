import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '@kapi/api-machinery';
import {
  canonicalQuantity,
  compareQuantities,
  formatQuantity,
  isWholeNumber,
  normalizeResourceList,
  parseQuantity,
  QUANTITY_FORMAT_MESSAGE,
  QUANTITY_SUFFIX_MESSAGE,
  roundUpToMilli,
  scaledValue,
} from './quantity.js';

describe('parseQuantity and formatQuantity', () => {
  it('writes quantities in kube\'s canonical form', () => {
    const table: [string, string][] = [
      ['0', '0'],
      ['0.0', '0'],
      ['1', '1'],
      ['1000m', '1'],
      ['1500m', '1500m'],
      ['0.5', '500m'],
      ['1.5', '1500m'],
      ['3.0', '3'],
      ['100m', '100m'],
      ['0.1m', '100u'],
      ['1n', '1n'],
      ['1k', '1k'],
      ['1000', '1k'],
      ['1024', '1024'],
      ['1000000', '1M'],
      ['1E', '1E'],
      ['1Ki', '1Ki'],
      ['1024Mi', '1Gi'],
      ['1536Mi', '1536Mi'],
      ['1.5Gi', '1536Mi'],
      ['2000Mi', '2000Mi'],
      ['1023Ki', '1023Ki'],
      ['0.5Ki', '512'],
      ['1Ti', '1Ti'],
      ['1e3', '1e3'],
      ['1.0e3', '1e3'],
      ['10e3', '10e3'],
      ['12e6', '12e6'],
      ['-1', '-1'],
      ['-1.5Gi', '-1536Mi'],
      ['+2', '2'],
      ['007', '7'],
    ];
    for (const [input, canonical] of table) assert.equal(formatQuantity(parseQuantity(input)), canonical, input);
  });

  it('rounds anything below a nano up to one nano', () => {
    assert.equal(formatQuantity(parseQuantity('1e-10')), '1e-9');
    assert.equal(formatQuantity(parseQuantity('0.0000000001')), '1n');
    assert.equal(formatQuantity(parseQuantity('-0.0000000001')), '-1n');
  });

  it('caps decimal and binary quantities at 2^63-1', () => {
    assert.equal(parseQuantity('100E').value, 2n ** 63n - 1n);
    assert.equal(parseQuantity('100Ei').value, 2n ** 63n - 1n);
  });

  it('refuses malformed quantities with kube\'s messages', () => {
    for (const bad of ['', 'abc', '1.2.3', '1Gb', '1KB', '1Mib', '1MI']) {
      assert.throws(() => parseQuantity(bad), { message: QUANTITY_FORMAT_MESSAGE }, bad);
    }
    for (const bad of ['5i', '1ki', '1e', '1Ei3', '--1']) assert.throws(() => parseQuantity(bad), { message: QUANTITY_SUFFIX_MESSAGE }, bad);
  });
});

describe('quantity arithmetic', () => {
  it('compares across scales and formats', () => {
    assert.equal(compareQuantities(parseQuantity('1'), parseQuantity('1000m')), 0);
    assert.equal(compareQuantities(parseQuantity('1Ki'), parseQuantity('1k')), 1);
    assert.equal(compareQuantities(parseQuantity('500m'), parseQuantity('1')), -1);
  });

  it('knows whole numbers and rounds scaled values up', () => {
    assert.equal(isWholeNumber(parseQuantity('2')), true);
    assert.equal(isWholeNumber(parseQuantity('1500m')), false);
    assert.equal(isWholeNumber(parseQuantity('1k')), true);
    assert.equal(scaledValue(parseQuantity('1500m'), 0), 2n);
    assert.equal(scaledValue(parseQuantity('1n'), -3), 1n);
    assert.equal(formatQuantity(roundUpToMilli(parseQuantity('1n'))), '1m');
  });

  it('leaves what it cannot parse as it was for validation to report', () => {
    assert.equal(canonicalQuantity('1000m'), '1');
    assert.equal(canonicalQuantity(2), '2');
    assert.equal(canonicalQuantity('nope'), 'nope');
  });
});

describe('normalizeResourceList', () => {
  it('rounds to milli and writes canonically, as kube\'s decoding and defaulting do', () => {
    assert.deepEqual(normalizeResourceList({ cpu: '1000m', memory: '1024Mi', 'requests.cpu': '0.0001', pods: 10 }, 'ResourceQuota'), {
      cpu: '1',
      memory: '1Gi',
      'requests.cpu': '1m',
      pods: '10',
    });
    assert.equal(normalizeResourceList(undefined, 'ResourceQuota'), undefined);
  });

  it('answers a malformed quantity with the 400 kube gives at decode', () => {
    assert.throws(
      () => normalizeResourceList({ cpu: 'lots' }, 'ResourceQuota'),
      (err: unknown) =>
        err instanceof StatusError && err.httpCode === 400 && err.message === `ResourceQuota in version "v1" cannot be handled as a ResourceQuota: ${QUANTITY_FORMAT_MESSAGE}`,
    );
  });
});
