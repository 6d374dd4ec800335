/**
 * AS_PATH matching for policies (RFC 4271 §5.1.2 AS_PATH; RFC 5065 §3 confederation segments).
 *
 * Regular expressions run over a text form of the path that is built once per AS_PATH array and cached in a
 * WeakMap: interned attribute sets (src/rib/attr-set.ts) share one frozen array among every prefix that uses
 * the set, so a full table builds a few hundred thousand strings at most, never one per prefix and policy.
 *
 *   AS_SEQUENCE           65000 64512
 *   AS_SET                {64513,64514}     (Cisco "show ip bgp" notation)
 *   AS_CONFED_SEQUENCE    (65001 65002)
 *   AS_CONFED_SET         [65003,65004]
 *   e.g. "65000 64512 {64513,64514}"; the empty path is "".
 *
 * Patterns are JavaScript regular expressions with one addition from Cisco/Juniper AS-path regexes: `_`
 * matches a delimiter - the start or end of the text, a space, a comma, or a bracket - so "^65000_" matches
 * paths whose first AS is 65000 but not 650001, and "_64512$" paths originated by 64512.
 */
import type { AsPathSegment } from '../wire/types.js'
import { AsPathSegmentType } from '../wire/iana.js'
export { asPathLength } from '../rib/attr-set.js'

const textCache = new WeakMap<readonly AsPathSegment[], string>()

/** The cached text of an AS_PATH (see the table above). */
export function asPathText(path: readonly AsPathSegment[] | undefined): string {
  if (path === undefined || path.length === 0) return ''
  let s = textCache.get(path)
  if (s === undefined) {
    s = formatAsPath(path)
    textCache.set(path, s)
  }
  return s
}

function formatAsPath(path: readonly AsPathSegment[]): string {
  let s = ''
  for (const seg of path) {
    if (s !== '') s += ' '
    switch (seg.type) {
      case AsPathSegmentType.AS_SEQUENCE:
        s += seg.asns.join(' ')
        break
      case AsPathSegmentType.AS_SET:
        s += '{' + seg.asns.join(',') + '}'
        break
      case AsPathSegmentType.AS_CONFED_SEQUENCE:
        s += '(' + seg.asns.join(' ') + ')'
        break
      case AsPathSegmentType.AS_CONFED_SET:
        s += '[' + seg.asns.join(',') + ']'
        break
      default:
        s += '<' + seg.type + ':' + seg.asns.join(' ') + '>'
    }
  }
  return s
}

const DELIMITER = '(?:^|$|[ ,{}()\\[\\]])'

/**
 * A RegExp for an AS-path pattern: `_` outside a character class and not escaped becomes DELIMITER.
 * RegExp objects are used as they are, without the g/y flags (they make test() stateful through lastIndex).
 * Throws SyntaxError for an invalid expression (the compiler turns it into a PolicyError).
 */
export function compileAsPathRegex(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) {
    return pattern.global || pattern.sticky ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern
  }
  let out = ''
  let inClass = false
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '\\') {
      out += c + (pattern[i + 1] ?? '')
      i++
    } else if (inClass) {
      if (c === ']') inClass = false
      out += c
    } else if (c === '[') {
      inClass = true
      out += c
    } else out += c === '_' ? DELIMITER : c
  }
  return new RegExp(out)
}
