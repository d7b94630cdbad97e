import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateName, isConfigMapKey, isDns1123Label, isDns1123Subdomain, isLabelValue, isQualifiedName } from './names.js';

// The messages k8s.io/apimachinery/pkg/util/validation produces, spelled out in full.
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const QNAME_REGEX_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const CONFIG_KEY_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

describe('isDns1123Label', () => {
  it('accepts valid labels', () => {
    for (const v of ['a', '0', 'my-name', '123-abc', 'a'.repeat(63), 'a-b-c', 'kube-system']) {
      assert.deepEqual(isDns1123Label(v), [], v);
    }
  });

  it('rejects bad characters and bad ends with the kube message', () => {
    for (const v of ['', 'A', 'Bad_Name', '-a', 'a-', 'a b', 'a_b', 'ä']) {
      assert.deepEqual(isDns1123Label(v), [LABEL_MSG], v);
    }
  });

  it('says "must not contain dots" for a valid subdomain that is not a label', () => {
    assert.deepEqual(isDns1123Label('a.b'), ['must not contain dots']);
    assert.deepEqual(isDns1123Label('my.namespace'), ['must not contain dots']);
  });

  it('reports the length limit of 63 before the pattern', () => {
    assert.deepEqual(isDns1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
    assert.deepEqual(isDns1123Label('A'.repeat(64)), ['must be no more than 63 characters', LABEL_MSG]);
  });
});

describe('isDns1123Subdomain', () => {
  it('accepts valid subdomains', () => {
    for (const v of ['a', 'example.com', 'a.b.c', 'my-name.123', 'x'.repeat(253), `${'a'.repeat(63)}.${'b'.repeat(63)}`]) {
      assert.deepEqual(isDns1123Subdomain(v), [], v);
    }
  });

  it('rejects bad subdomains with the kube message', () => {
    for (const v of ['', 'Bad_Name', '.a', 'a.', 'a..b', 'a.-b', 'UPPER.case', 'a/b']) {
      assert.deepEqual(isDns1123Subdomain(v), [SUBDOMAIN_MSG], v);
    }
  });

  it('reports the length limit of 253', () => {
    assert.deepEqual(isDns1123Subdomain('x'.repeat(254)), ['must be no more than 253 characters']);
  });
});

describe('isQualifiedName', () => {
  it('accepts names with and without a DNS prefix', () => {
    for (const v of ['app', 'MyName', 'my.name', '123-abc', 'a_b', 'example.com/MyName', 'kubernetes.io/metadata.name', 'x/y', 'a'.repeat(63)]) {
      assert.deepEqual(isQualifiedName(v), [], v);
    }
  });

  it('rejects a bad name part', () => {
    assert.deepEqual(isQualifiedName('-app'), [`name part ${QNAME_REGEX_MSG}`]);
    assert.deepEqual(isQualifiedName('app_'), [`name part ${QNAME_REGEX_MSG}`]);
    assert.deepEqual(isQualifiedName('example.com/a b'), [`name part ${QNAME_REGEX_MSG}`]);
  });

  it('limits the name part to 63 characters', () => {
    assert.deepEqual(isQualifiedName('a'.repeat(64)), ['name part must be no more than 63 characters']);
    assert.deepEqual(isQualifiedName(`example.com/${'a'.repeat(64)}`), ['name part must be no more than 63 characters']);
  });

  it('checks the prefix as a DNS subdomain', () => {
    assert.deepEqual(isQualifiedName('Example.com/app'), [`prefix part ${SUBDOMAIN_MSG}`]);
    assert.deepEqual(isQualifiedName('/app'), ['prefix part must be non-empty']);
  });

  it('rejects more than one slash with the whole-name message', () => {
    assert.deepEqual(isQualifiedName('a/b/c'), [
      `a qualified name ${QNAME_REGEX_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]);
  });

  it('reports an empty name part both as empty and as not matching the pattern, as kube does', () => {
    assert.deepEqual(isQualifiedName(''), ['name part must be non-empty', `name part ${QNAME_REGEX_MSG}`]);
    assert.deepEqual(isQualifiedName('example.com/'), ['name part must be non-empty', `name part ${QNAME_REGEX_MSG}`]);
  });
});

describe('isLabelValue', () => {
  it('accepts the empty string and valid values', () => {
    for (const v of ['', 'MyValue', 'my_value', '12345', 'a.b-c_d', 'a'.repeat(63)]) {
      assert.deepEqual(isLabelValue(v), [], v);
    }
  });

  it('rejects bad values', () => {
    for (const v of ['-a', 'a-', '_a', 'a b', 'a/b', 'ä']) {
      assert.deepEqual(isLabelValue(v), [LABEL_VALUE_MSG], v);
    }
  });

  it('limits values to 63 characters', () => {
    assert.deepEqual(isLabelValue('a'.repeat(64)), ['must be no more than 63 characters']);
  });
});

describe('isConfigMapKey', () => {
  it('accepts valid keys', () => {
    for (const v of ['key.name', 'KEY_NAME', 'key-name', '.dotfile', 'a..b', '_', '-', 'x'.repeat(253)]) {
      assert.deepEqual(isConfigMapKey(v), [], v);
    }
  });

  it('rejects bad characters', () => {
    assert.deepEqual(isConfigMapKey('a b'), [CONFIG_KEY_MSG]);
    assert.deepEqual(isConfigMapKey('a/b'), [CONFIG_KEY_MSG]);
    assert.deepEqual(isConfigMapKey(''), [CONFIG_KEY_MSG]);
  });

  it("refuses '.' and '..' and a leading '..'", () => {
    assert.deepEqual(isConfigMapKey('.'), ["must not be '.'"]);
    assert.deepEqual(isConfigMapKey('..'), ["must not be '..'"]);
    assert.deepEqual(isConfigMapKey('..data'), ["must not start with '..'"]);
    assert.deepEqual(isConfigMapKey('../etc'), [CONFIG_KEY_MSG, "must not start with '..'"]);
  });

  it('limits keys to 253 characters', () => {
    assert.deepEqual(isConfigMapKey('x'.repeat(254)), ['must be no more than 253 characters']);
  });
});

describe('generateName', () => {
  it('appends five characters from the consonant-and-digit alphabet', () => {
    for (let i = 0; i < 50; i++) {
      const name = generateName('web-');
      assert.match(name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    }
  });

  it('is driven by the random source it is given', () => {
    assert.equal(generateName('p-', () => 0), 'p-bbbbb');
    assert.equal(generateName('p-', () => 0.9999), 'p-99999');
  });

  it('truncates a long prefix to 58 characters so the name fits 63', () => {
    const name = generateName('a'.repeat(100), () => 0);
    assert.equal(name.length, 63);
    assert.equal(name, `${'a'.repeat(58)}bbbbb`);
  });
});
