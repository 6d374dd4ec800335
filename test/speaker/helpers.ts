/** Helpers for Speaker tests on loopback: speakers on 127.0.0.x with kernel-chosen ports, bounded waits. */
import type { Test } from 'tap'
import { Speaker } from '../../src/speaker/speaker.js'
import type { PeerConfig, SpeakerOptions } from '../../src/speaker/options.js'

export interface Node {
  speaker: Speaker
  address: string
  port: number
  as: number
}

/** A started Speaker listening on `address`:<random port>, closed in teardown. */
export async function makeNode(t: Test, address: string, as: number, extra: Partial<SpeakerOptions> = {}): Promise<Node> {
  const last = address.includes('.') ? Number(address.split('.')[3]) : 1
  const speaker = new Speaker({ routerId: `10.0.0.${last}`, localAs: as, listen: { address, port: 0 }, ...extra })
  t.teardown(() => speaker.close())
  await speaker.start()
  return { speaker, address, port: speaker.listenAddress!.port, as }
}

/** Configure a session between a and b: a dials, b listens. */
export async function connect(a: Node, b: Node, ao: Partial<PeerConfig> = {}, bo: Partial<PeerConfig> = {}): Promise<void> {
  const common = { holdTime: 3, connectRetry: 1 }
  await b.speaker.addPeer({ address: a.address, remoteAs: a.as, localAddress: b.address, passive: true, ...common, ...bo })
  await a.speaker.addPeer({ address: b.address, remoteAs: b.as, port: b.port, localAddress: a.address, ...common, ...ao })
}

export async function waitFor<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = 5000, intervalMs = 10): Promise<T> {
  const t0 = performance.now()
  for (;;) {
    const v = probe()
    if (v !== null && v !== undefined && v !== false) return v
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

export function established(n: Node, peer: string): boolean {
  return n.speaker.peers().find((p) => p.address === peer)?.state === 'Established'
}
