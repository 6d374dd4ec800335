/**
 * Golden FSM scenarios (STYLE.md "longer ones are golden events.jsonl → actions.jsonl files").
 * scenarios/<name>.events.jsonl: a first line {"config": SessionConfigInput}, then one step per
 * line: {"now": ms, "event": FsmEvent-in-JSON} or {"now": ms, "tick": true}. Messages are
 * shorthand: BGPOpen {"open": PeerOpenOptions}, NotifMsg {"notification": {code, subcode, data?}},
 * errors {"error": {code, subcode, data?}} with data in hex.
 * scenarios/<name>.actions.jsonl: one line per step: state after it and the action digests.
 * Regenerate (then review the diff): TSBGP_UPDATE_GOLDEN=1 npx tap test/session/scenarios.test.ts
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import t from 'tap'
import { BgpError } from '../../src/wire/errors.js'
import { makeNotification } from '../../src/wire/notification.js'
import { emptyV4 } from '../../src/wire/prefix.js'
import { sessionConfig } from '../../src/session/config.js'
import type { FsmEvent } from '../../src/session/events.js'
import { step, tick } from '../../src/session/fsm.js'
import { initialState } from '../../src/session/state.js'
import { digests, peerOpen } from './helpers.js'

const DIR = new URL('./scenarios/', import.meta.url)
const UPDATE = process.env.TSBGP_UPDATE_GOLDEN === '1'

type Raw = Record<string, unknown> & { type: string }

function toEvent(e: Raw): FsmEvent {
  const hex = (x: unknown): Buffer => Buffer.from(typeof x === 'string' ? x : '', 'hex')
  if (e.open !== undefined) return { ...e, open: peerOpen(e.open as object) } as FsmEvent
  if (e.notification !== undefined) {
    const n = e.notification as { code: number; subcode: number; data?: string }
    return { ...e, notification: makeNotification(n.code, n.subcode, hex(n.data)) } as FsmEvent
  }
  if (e.error !== undefined) {
    const n = e.error as { code: number; subcode: number; data?: string }
    return { ...e, error: new BgpError(n.code, n.subcode, 'scenario', hex(n.data)) } as FsmEvent
  }
  if (e.type === 'UpdateMsg') return { type: 'UpdateMsg', update: { type: 'UPDATE', withdrawn: emptyV4(false), attributes: {}, nlri: emptyV4(false) } }
  if (e.type === 'RouteRefreshMsg') return { type: 'RouteRefreshMsg', message: { type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 0 } }
  return e as unknown as FsmEvent
}

function replay(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>)
  const cfg = sessionConfig(lines[0]!.config as Parameters<typeof sessionConfig>[0])
  let s = initialState(cfg)
  const out: string[] = []
  for (const l of lines.slice(1)) {
    const now = l.now as number
    const r = l.tick ? tick(s, now, cfg) : step(s, toEvent(l.event as Raw), now, cfg)
    s = r.s
    out.push(JSON.stringify({ now, event: l.tick ? 'tick' : (l.event as Raw).type, state: s.state, actions: digests(r.actions) }))
  }
  return out.join('\n') + '\n'
}

for (const f of readdirSync(DIR).filter((n) => n.endsWith('.events.jsonl')).sort()) {
  const name = f.slice(0, -'.events.jsonl'.length)
  t.test(name, async (t) => {
    const got = replay(readFileSync(new URL(f, DIR), 'utf8'))
    const goldenUrl = new URL(`${name}.actions.jsonl`, DIR)
    if (UPDATE) writeFileSync(goldenUrl, got)
    t.equal(got, readFileSync(goldenUrl, 'utf8'), `${name}: actions match the golden file`)
  })
}
