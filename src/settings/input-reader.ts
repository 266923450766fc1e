import { INPUT_DEFAULTS, type InputName, type InputSource } from './inputs';
import type { Parsed } from './values';

/**
 * Reads raw inputs for readSettings: an empty input means its default, and every problem is
 * collected (naming its input) instead of thrown, so that a user sees them all in one run.
 */
export class InputReader {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly source: InputSource) {}

  /** The input as given, or its default when empty. */
  raw(name: InputName): string {
    const given = this.source(name);
    return given.trim() === '' ? INPUT_DEFAULTS[name] : given;
  }

  /** The input exactly as given ('' when not). */
  given(name: InputName): string {
    return this.source(name);
  }

  isGiven(name: InputName): boolean {
    return this.source(name).trim() !== '';
  }

  complain(name: InputName, error: string): void {
    this.errors.push(`Input '${name}': ${error}`);
  }

  /** The parsed input (its default when empty); on a parse error, the complaint and `fallback`. */
  take<T>(name: InputName, parse: (text: string) => Parsed<T>, fallback: T): T {
    const result = parse(this.raw(name));
    if (result.ok) return result.value;
    this.complain(name, result.error);
    return fallback;
  }

  /** The parsed input when given, else null. */
  optional<T>(name: InputName, parse: (text: string) => Parsed<T>): T | null {
    return this.isGiven(name) ? this.take(name, parse, null) : null;
  }

  /** A list input: one item per line (or per `separator`), blanks and (with `comments`) `#` lines dropped. */
  list(name: InputName, separator: RegExp = /\n/, comments = true): string[] {
    return this.raw(name)
      .split(separator)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !(comments && l.startsWith('#')));
  }
}
