// Option parsers shared by the CLI's commands.
import { UsageError } from './io.ts';

/** Commander's collector for a repeatable option. */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** A decimal integer in min..max; anything else is a usage error naming the option. */
export function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new UsageError(`--${name} must be an integer ${min}..${max}, got "${value}"`);
    }
    return n;
  };
}
