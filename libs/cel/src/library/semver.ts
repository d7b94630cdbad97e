// Kubernetes' semver library (k8s.io/apiserver/pkg/cel/library/semverlib.go, version 1 as enabled
// since 1.33): semver() and isSemver(), optionally normalizing (a `v` prefix, missing minor or
// patch, leading zeros), and a Semver's major, minor, patch, isGreaterThan, isLessThan, compareTo.
import { err, type Library } from '../functions.js';
import { fn, member, overload, traversalCost, traversalEstimate } from '../stdlib.js';
import { T } from '../types.js';
import { OpaqueValue, type Result, type Value } from '../values.js';

export const SEMVER_TYPE = 'kubernetes.Semver';
const SemverT = T.opaque(SEMVER_TYPE);

export class Semver extends OpaqueValue {
  readonly celType = SEMVER_TYPE;
  constructor(
    readonly major: bigint,
    readonly minor: bigint,
    readonly patch: bigint,
    readonly pre: string[],
    readonly build: string[],
  ) {
    super();
  }

  /** blang/semver's Parse (strict SemVer 2.0.0); a string is its error. */
  static parse(s: string): Semver | string {
    if (s.length === 0) return 'Version string empty';
    const m = /^([^.+-]*)\.([^.+-]*)\.([^-+]*)(?:-([^+]*))?(?:\+(.*))?$/.exec(s);
    if (!m) return 'No Major.Minor.Patch elements found';
    const num = (x: string, what: string): bigint | string => {
      if (!/^\d+$/.test(x)) return `Invalid character(s) found in ${what} number ${JSON.stringify(x)}`;
      if (x.length > 1 && x.startsWith('0')) return `${what[0].toUpperCase()}${what.slice(1)} number must not contain leading zeroes ${JSON.stringify(x)}`;
      return BigInt(x);
    };
    const major = num(m[1], 'major');
    if (typeof major === 'string') return major;
    const minor = num(m[2], 'minor');
    if (typeof minor === 'string') return minor;
    const patch = num(m[3], 'patch');
    if (typeof patch === 'string') return patch;
    const pre = m[4] !== undefined ? m[4].split('.') : [];
    for (const p of pre) {
      if (p === '') return 'Prerelease is empty';
      if (!/^[0-9A-Za-z-]+$/.test(p)) return `Invalid character(s) found in prerelease ${JSON.stringify(p)}`;
      if (/^\d+$/.test(p) && p.length > 1 && p.startsWith('0')) return `Numeric PreRelease version must not contain leading zeroes ${JSON.stringify(p)}`;
    }
    const build = m[5] !== undefined ? m[5].split('.') : [];
    for (const b of build) {
      if (b === '') return 'Build meta data is empty';
      if (!/^[0-9A-Za-z-]+$/.test(b)) return `Invalid character(s) found in build meta data ${JSON.stringify(b)}`;
    }
    return new Semver(major, minor, patch, pre, build);
  }

  /** What normalize=true accepts: a `v` prefix, missing minor and patch, leading zeros. */
  static normalize(s: string): string {
    let v = s.startsWith('v') ? s.slice(1) : s;
    const m = /^([^-+]*)(.*)$/.exec(v)!;
    const core = m[1].split('.');
    while (core.length < 3) core.push('0');
    v = core.map((c) => (/^\d+$/.test(c) ? c.replace(/^0+(?=\d)/, '') : c)).join('.') + m[2];
    return v;
  }

  compare(o: Semver): number {
    for (const [a, b] of [
      [this.major, o.major],
      [this.minor, o.minor],
      [this.patch, o.patch],
    ]) {
      if (a !== b) return a < b ? -1 : 1;
    }
    if (!this.pre.length || !o.pre.length) return this.pre.length === o.pre.length ? 0 : this.pre.length ? -1 : 1;
    for (let i = 0; i < Math.min(this.pre.length, o.pre.length); i++) {
      const [a, b] = [this.pre[i], o.pre[i]];
      if (a === b) continue;
      const [na, nb] = [/^\d+$/.test(a), /^\d+$/.test(b)];
      if (na && nb) return BigInt(a) < BigInt(b) ? -1 : 1;
      if (na !== nb) return na ? -1 : 1;
      return a < b ? -1 : 1;
    }
    return this.pre.length === o.pre.length ? 0 : this.pre.length < o.pre.length ? -1 : 1;
  }

  equals(other: OpaqueValue): boolean {
    return other instanceof Semver && this.compare(other) === 0;
  }

  override toString(): string {
    return `${this.major}.${this.minor}.${this.patch}${this.pre.length ? `-${this.pre.join('.')}` : ''}${this.build.length ? `+${this.build.join('.')}` : ''}`;
  }
}

function toSemver(s: string, normalize: boolean): Result {
  const v = Semver.parse(normalize ? Semver.normalize(s) : s);
  return typeof v === 'string' ? err(v) : v;
}

const sv = (v: Value) => v as Semver;
/** Parsing is a traversal of the string. */
const parsing = { cost: traversalCost(), estimate: traversalEstimate() };

export const semverLibrary: Library = {
  name: 'semver',
  functions: [
    fn(
      'semver',
      overload('string_to_semver', [T.string], SemverT, ([s]) => toSemver(s as string, false), parsing),
      overload('string_bool_to_semver', [T.string, T.bool], SemverT, ([s, n]) => toSemver(s as string, n as boolean), parsing),
    ),
    fn(
      'isSemver',
      overload('is_semver_string', [T.string], T.bool, ([s]) => typeof Semver.parse(s as string) !== 'string', parsing),
      overload('is_semver_string_bool', [T.string, T.bool], T.bool, ([s, n]) => typeof Semver.parse(n ? Semver.normalize(s as string) : (s as string)) !== 'string', parsing),
    ),
    fn('major', member('semver_major', [SemverT], T.int, ([v]) => sv(v).major)),
    fn('minor', member('semver_minor', [SemverT], T.int, ([v]) => sv(v).minor)),
    fn('patch', member('semver_patch', [SemverT], T.int, ([v]) => sv(v).patch)),
    fn('isGreaterThan', member('semver_greater', [SemverT, SemverT], T.bool, ([a, b]) => sv(a).compare(sv(b)) > 0)),
    fn('isLessThan', member('semver_less', [SemverT, SemverT], T.bool, ([a, b]) => sv(a).compare(sv(b)) < 0)),
    fn('compareTo', member('semver_compare_to', [SemverT, SemverT], T.int, ([a, b]) => BigInt(sv(a).compare(sv(b))))),
  ],
};
