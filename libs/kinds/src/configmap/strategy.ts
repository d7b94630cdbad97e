import { ageColumn, deepEqual, field, isConfigMapKey, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';

const MAX_TOTAL_SIZE = 1024 * 1024;

interface ConfigMapFields {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

const cm = (obj: KubeObject) => obj as KubeObject & ConfigMapFields;

export const configMapStrategy = defineStrategy(
  {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      {
        name: 'Data',
        type: 'integer',
        format: '',
        description:
          "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
        priority: 0,
        cell: (obj) => Object.keys(cm(obj).data ?? {}).length + Object.keys(cm(obj).binaryData ?? {}).length,
      },
      ageColumn,
    ],
    validate(obj) {
      const errs: FieldError[] = [];
      const { data = {}, binaryData = {} } = cm(obj);
      let total = 0;
      for (const [key, value] of Object.entries(data)) {
        for (const msg of isConfigMapKey(key)) errs.push(field.invalid(`data[${key}]`, key, msg));
        if (typeof value !== 'string') errs.push(field.invalid(`data[${key}]`, value, 'must be a string'));
        total += Buffer.byteLength(String(value), 'utf8');
      }
      for (const [key, value] of Object.entries(binaryData)) {
        for (const msg of isConfigMapKey(key)) errs.push(field.invalid(`binaryData[${key}]`, key, msg));
        if (key in data) errs.push(field.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
        total += Buffer.from(String(value), 'base64').length;
      }
      if (total > MAX_TOTAL_SIZE) {
        errs.push({ type: 'FieldValueTooLong', field: '', detail: `Too long: must have at most ${MAX_TOTAL_SIZE} bytes` });
      }
      return errs;
    },
    validateUpdate(obj, old) {
      if (!cm(old).immutable) return [];
      const errs: FieldError[] = [];
      const why = 'field is immutable when `immutable` is set';
      if (!cm(obj).immutable) errs.push(field.forbidden('immutable', why));
      if (!deepEqual(cm(obj).data ?? {}, cm(old).data ?? {})) errs.push(field.forbidden('data', why));
      if (!deepEqual(cm(obj).binaryData ?? {}, cm(old).binaryData ?? {})) errs.push(field.forbidden('binaryData', why));
      return errs;
    },
  },
);
