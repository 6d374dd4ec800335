/**
 * PolicyError: a policy that cannot be compiled or a value a policy setter cannot take.
 *
 * Policies are validated once, when they are compiled (STYLE.md: options "checked once"), so a typo in a
 * configuration fails at load time with the place it was found, never per route at run time:
 *
 *   policy "export-b": terms[2] ("gshut") action.communities.add[0]: bad community "65535:x"
 *
 * `termIndex` is the 0-based position in the term list (-1 when the fault is not in a term), `key` the path
 * inside the term (`match.prefix[3]`, `action.localPref.raise`), `reason` the message without the place.
 */
export interface PolicyErrorPlace {
  policy?: string | undefined
  termIndex?: number
  termName?: string | undefined
  key?: string
}

export class PolicyError extends Error {
  readonly policy: string | undefined
  readonly termIndex: number
  readonly termName: string | undefined
  readonly key: string
  readonly reason: string

  constructor(reason: string, where?: PolicyErrorPlace) {
    const termIndex = where?.termIndex ?? -1
    const key = where?.key ?? ''
    const name = where?.termName
    const parts: string[] = []
    if (where?.policy !== undefined) parts.push(`policy ${JSON.stringify(where.policy)}:`)
    if (termIndex >= 0) parts.push(`terms[${termIndex}]` + (name === undefined ? '' : ` (${JSON.stringify(name)})`))
    if (key !== '') parts.push(key)
    const place = parts.join(' ').replace(/:$/, '')
    super(place === '' ? reason : `${place}: ${reason}`)
    this.name = 'PolicyError'
    this.policy = where?.policy
    this.termIndex = termIndex
    this.termName = name
    this.key = key
    this.reason = reason
  }
}
