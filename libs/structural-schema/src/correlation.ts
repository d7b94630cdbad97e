// Ratcheting's view of an update (k8s.io/apiserver's CorrelatedObject): a value of the new object
// together with the value it replaces in the old one, found by field name, by map key for maps, and
// by the list-map keys of an `x-kubernetes-list-type: map` list; items of other lists have no old
// counterpart. Whether a value is unchanged is asked of the correlation and remembered, since
// validation asks it again and again on the way up.
import { deepEqualJSON } from './json-equality.js';
import { isPlainObject } from './json-schema-props.js';
import { mapListKey } from './list-map-keys.js';
import type { Structural } from './structural.js';

export class CorrelatedObject {
  private comparison?: boolean;
  private readonly children = new Map<string | number, CorrelatedObject | undefined>();
  private oldByKey?: Map<string, unknown>;

  constructor(
    readonly value: unknown,
    readonly oldValue: unknown,
    readonly schema: Structural | undefined,
  ) {}

  /** The correlation of a field (a property or a map entry), or undefined when the old object has none. */
  key(field: string): CorrelatedObject | undefined {
    if (!this.schema) return undefined;
    if (this.children.has(field)) return this.children.get(field);
    let child: CorrelatedObject | undefined;
    if (isPlainObject(this.value) && isPlainObject(this.oldValue) && Object.hasOwn(this.value, field) && Object.hasOwn(this.oldValue, field)) {
      const schema = this.schema.properties?.[field] ?? this.schema.additionalProperties?.structural;
      if (schema) child = new CorrelatedObject(this.value[field], this.oldValue[field], schema);
    }
    this.children.set(field, child);
    return child;
  }

  /** The correlation of a list item: only items of map lists have one, the old item with the same keys. */
  index(i: number): CorrelatedObject | undefined {
    if (!this.schema) return undefined;
    if (this.children.has(i)) return this.children.get(i);
    let child: CorrelatedObject | undefined;
    if (Array.isArray(this.value) && i < this.value.length && this.schema.items) {
      const old = this.oldItemFor(this.value[i]);
      if (old !== undefined && old !== null) child = new CorrelatedObject(this.value[i], old, this.schema.items);
    }
    this.children.set(i, child);
    return child;
  }

  private oldItemFor(item: unknown): unknown {
    if (!Array.isArray(this.oldValue) || this.schema?.xListType !== 'map' || !this.schema.xListMapKeys?.length) return undefined;
    const keys = this.schema.xListMapKeys;
    if (!this.oldByKey) {
      this.oldByKey = new Map();
      for (const old of this.oldValue) {
        const k = isPlainObject(old) ? mapListKey(old, keys) : undefined;
        if (k !== undefined && !this.oldByKey.has(k)) this.oldByKey.set(k, old);
      }
    }
    const k = isPlainObject(item) ? mapListKey(item, keys) : undefined;
    return k === undefined ? undefined : this.oldByKey.get(k);
  }

  /** Whether the value is unchanged from the old one, as kube's CachedDeepEqual decides. */
  unchanged(): boolean {
    if (this.comparison !== undefined) return this.comparison;
    this.comparison = this.compare();
    return this.comparison;
  }

  private compare(): boolean {
    const { value, oldValue } = this;
    if ((value === null || value === undefined) && (oldValue === null || oldValue === undefined)) return true;
    if (value === null || value === undefined || oldValue === null || oldValue === undefined) return false;
    if (Array.isArray(value) !== Array.isArray(oldValue) || isPlainObject(value) !== isPlainObject(oldValue)) return false;
    if (Array.isArray(value) && Array.isArray(oldValue)) {
      if (value.length !== oldValue.length) return false;
      for (let i = 0; i < value.length; i++) {
        const child = this.index(i);
        if (!child) return this.oldByKey === undefined ? deepEqualJSON(oldValue, value) : false;
        if (!child.unchanged()) return false;
      }
      return true;
    }
    if (isPlainObject(value) && isPlainObject(oldValue)) {
      const keys = Object.keys(value);
      if (keys.length !== Object.keys(oldValue).length) return false;
      return keys.every((k) => this.key(k)?.unchanged() ?? false);
    }
    return deepEqualJSON(oldValue, value);
  }
}
