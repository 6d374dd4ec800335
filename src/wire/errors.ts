/**
 * Typed decode errors.
 * - BgpError: a fault that ends the session; it carries the NOTIFICATION (code, subcode, data)
 *   that RFC 4271 §6 prescribes for it, so the session layer sends it unchanged.
 * - AttrError: an RFC 7606 outcome for an UPDATE (§2, §3); collected in the decoded Update,
 *   never thrown, except when it is a session reset.
 */
import { errorName, subcodeName } from './iana.js'

export class BgpError extends Error {
  readonly code: number
  readonly subcode: number
  /** The NOTIFICATION Data field (RFC 4271 §6 says what goes here for each error). */
  readonly data: Buffer
  /** Byte offset in the decoded buffer where the fault was found, when known. */
  readonly offset: number | undefined

  constructor(code: number, subcode: number, reason: string, data?: Uint8Array, offset?: number) {
    super(reason)
    this.name = 'BgpError'
    this.code = code
    this.subcode = subcode
    this.data = data === undefined ? Buffer.alloc(0) : Buffer.from(data)
    this.offset = offset
  }

  get codeName(): string {
    return errorName(this.code)
  }
  get subcodeName(): string {
    return subcodeName(this.code, this.subcode)
  }
  /** "UPDATE Message Error / Malformed AS_PATH" */
  get notificationName(): string {
    return `${this.codeName} / ${this.subcodeName}`
  }
}

/**
 * RFC 7606 §2 approaches, strongest first:
 *  reset           - session reset (RFC 4271 behaviour)
 *  afiSafiDisable  - disable the AFI/SAFI (RFC 4760 §7); we treat it as reset unless the caller can disable
 *  withdraw        - treat-as-withdraw: every prefix of the UPDATE is withdrawn
 *  discard         - attribute discard: the attribute is dropped, the rest of the UPDATE is used
 */
export type AttrErrorAction = 'reset' | 'afiSafiDisable' | 'withdraw' | 'discard'

const actionRank: Record<AttrErrorAction, number> = { discard: 0, withdraw: 1, afiSafiDisable: 2, reset: 3 }

export interface AttrError {
  action: AttrErrorAction
  /** Attribute type code the error is about (0 when it concerns the message as a whole). */
  attrType: number
  /** The UPDATE Message Error subcode (RFC 4271 §6.3) a session reset would send. */
  subcode: number
  reason: string
  offset: number
}

/** RFC 7606 §3 (j): "the approach that is the most severe" wins when several errors are found. */
export function worstOutcome(errors: readonly AttrError[] | undefined): AttrErrorAction | null {
  if (!errors || errors.length === 0) return null
  let worst = errors[0]!.action
  for (let i = 1; i < errors.length; i++) {
    const a = errors[i]!.action
    if (actionRank[a] > actionRank[worst]) worst = a
  }
  return worst
}
