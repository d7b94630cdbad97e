// Seeded randomness for the chaos tests: every random choice comes from a stream derived from one
// seed, so a failing run can be replayed with KAPI_CHAOS_SEED=<seed>. Timing still varies between
// runs; the seed fixes what is done (operations, labels, kill targets, pauses), not when the
// services answer.
import { randomInt } from 'node:crypto';

export const SEED_VARIABLE = 'KAPI_CHAOS_SEED';

/** The seed from KAPI_CHAOS_SEED (an unsigned 32-bit integer), or a fresh random one. */
export function chaosSeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[SEED_VARIABLE]?.trim();
  if (!raw) return randomInt(0, 2 ** 32);
  const seed = Number(raw);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new Error(`${SEED_VARIABLE}=${raw} is invalid: expected an integer from 0 to ${2 ** 32 - 1}`);
  }
  return seed;
}

/** A small, fast generator (mulberry32); plenty for choosing test operations. */
export class Random {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** An independent stream for one actor, so actors running concurrently do not shift each other's choices. */
  fork(label: string): Random {
    let hash = this.seed ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193);
    return new Random(hash >>> 0);
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('cannot pick from nothing');
    return items[Math.floor(this.next() * items.length)];
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** A lowercase string of the given length. */
  word(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += String.fromCharCode(97 + Math.floor(this.next() * 26));
    return out;
  }
}
