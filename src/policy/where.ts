/**
 * Where the compiler is in a policy, for PolicyError messages ("terms[2] ("gshut") match.prefix[0]: ...").
 */
import { PolicyError } from './errors.js'

export class Where {
  constructor(
    readonly termIndex: number,
    readonly termName: string | undefined,
  ) {}

  fail(key: string, reason: string): never {
    throw new PolicyError(reason, { termIndex: this.termIndex, termName: this.termName, key })
  }
}
