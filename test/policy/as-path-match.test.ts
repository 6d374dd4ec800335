import t from 'tap'
import { asPathText, compileAsPathRegex } from '../../src/policy/as-path-match.js'
import type { AsPathSegment } from '../../src/wire/types.js'
import { seq, set } from './helpers.js'

t.test('asPathText: one text per path, cached per array', async (t) => {
  const cases: Array<[AsPathSegment[] | undefined, string]> = [
    [undefined, ''],
    [[], ''],
    [[seq(65000)], '65000'],
    [[seq(65000, 64512)], '65000 64512'],
    [[seq(65000), set(64513, 64514)], '65000 {64513,64514}'],
    [[{ type: 3, asns: [65001, 65002] }, seq(65000)], '(65001 65002) 65000'],
    [[{ type: 4, asns: [65003, 65004] }], '[65003,65004]'],
    [[seq(4200000000)], '4200000000'],
  ]
  for (const [path, want] of cases) t.equal(asPathText(path), want, want)
  const p = [seq(1, 2, 3)]
  const a = asPathText(p)
  t.equal(asPathText(p), a, 'same string for the same array')
})

t.test('AS-path regex: `_` is a delimiter, the rest is JavaScript', async (t) => {
  // [pattern, path text, matches]
  const cases: Array<[string | RegExp, string, boolean]> = [
    ['^65000_', '65000 64512', true],
    ['^65000_', '650001 64512', false],
    ['^65000_', '65000', true],
    ['^65000_', '64512 65000', false],
    ['_64512$', '65000 64512', true],
    ['_64512$', '65000 645120', false],
    ['_3356_', '65000 3356 64512', true],
    ['_3356_', '65000 33560 64512', false],
    ['_3356_', '{3356,1}', true],
    ['_65001_', '(65001 65002) 65000', true],
    ['^$', '', true],
    ['^$', '65000', false],
    ['^65000 64512$', '65000 64512', true], // plain JS
    ['^(65000_)+64512$', '65000 65000 64512', true],
    ['^[0-9]+$', '65000', true],
    ['[_]', '65000_', true], // inside a class `_` is literal
    ['\\_', '_', true],
    [/^65000\b/g, '65000 1', true], // RegExp objects as given (g dropped)
  ]
  for (const [p, text, want] of cases) {
    const re = compileAsPathRegex(p)
    t.equal(re.test(text), want, `${String(p)} ~ "${text}"`)
    t.equal(re.test(text), want, 'stateless on a second test')
  }
  t.throws(() => compileAsPathRegex('^(65000'), SyntaxError)
})
