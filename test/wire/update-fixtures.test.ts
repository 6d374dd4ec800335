/**
 * Every vector in rfc-fixtures/update/*.json: decode -> updateToJson deep-equals `json`; the RFC 7606
 * outcome or the session reset matches `error`; well-formed messages re-encode to the same bytes.
 */
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { makeWireContext, type WireContextOptions } from '../../src/wire/context.js'
import { BgpError, worstOutcome } from '../../src/wire/errors.js'
import { decodeUpdate, encodeUpdate, updateLength } from '../../src/wire/update.js'
import { updateToJson } from '../../src/wire/update-json.js'

interface Fixture {
  name: string
  provenance: string
  context: WireContextOptions
  hex: string
  json: unknown
  error?: { code: number; subcode: number; data?: string } | { rfc7606: string }
}

const DIR = new URL('../../rfc-fixtures/update/', import.meta.url)
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()

t.ok(files.length >= 40, `${files.length} fixtures`)

for (const file of files) {
  t.test(file, async (t) => {
    const fx = JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Fixture
    t.ok(fx.name && fx.provenance, 'named, with provenance')
    const ctx = makeWireContext(fx.context)
    const msg = Buffer.from(fx.hex, 'hex')
    t.equal(msg.subarray(0, 16).toString('hex'), 'ff'.repeat(16), 'marker')
    t.equal(msg.readUInt16BE(16), msg.length, 'header length')
    t.equal(msg[18], 2, 'type UPDATE')
    if (fx.error && 'code' in fx.error) {
      const want = fx.error
      try {
        decodeUpdate(msg, 19, msg.length, ctx)
        t.fail('no session reset')
      } catch (e) {
        t.ok(e instanceof BgpError, 'BgpError')
        const be = e as BgpError
        t.same([be.code, be.subcode], [want.code, want.subcode], `session reset ${want.code}/${want.subcode}`)
        if (want.data !== undefined) t.equal(be.data.toString('hex'), want.data, 'NOTIFICATION data')
        t.same(fx.json, { type: 'UPDATE', error: { code: be.code, subcode: be.subcode, name: be.notificationName } }, 'JSON form')
      }
      return
    }
    const u = decodeUpdate(msg, 19, msg.length, ctx)
    t.same(updateToJson(u), fx.json, 'JSON form')
    if (fx.error && 'rfc7606' in fx.error) {
      t.equal(worstOutcome(u.errors), fx.error.rfc7606, `RFC 7606 ${fx.error.rfc7606}`)
      return
    }
    t.equal(u.errors, undefined, 'no RFC 7606 outcome')
    const out = Buffer.alloc(19 + updateLength(u, ctx))
    msg.copy(out, 0, 0, 19)
    t.equal(encodeUpdate(u, out, 19, ctx), out.length, 'encoded length')
    t.equal(out.toString('hex'), fx.hex, 're-encode is byte-exact')
  })
}
