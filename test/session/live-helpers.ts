/** Helpers for tests that run real TCP sessions on loopback: random ports, bounded waits, cleanup. */
import { BgpListener } from '../../src/session/listener.js'
import type { Peer, PeerEventMap } from '../../src/session/peer.js'
import type { FsmStateName } from '../../src/session/state.js'

/** A listener on host and a random unprivileged port, retried on EADDRINUSE. */
export async function listenRandom(host: string, tries = 20): Promise<{ listener: BgpListener; port: number }> {
  let last: unknown
  for (let i = 0; i < tries; i++) {
    const port = 20000 + Math.floor(Math.random() * 40000)
    const listener = new BgpListener({ host, port })
    try {
      await listener.listen()
      return { listener, port }
    } catch (e) {
      last = e
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e
    }
  }
  throw new Error(`no free port on ${host} after ${tries} tries: ${(last as Error).message}`)
}

/** A random port in 20000-60000 that nothing listens on right now (for a daemon to bind). */
export async function freePort(host: string): Promise<number> {
  const { listener, port } = await listenRandom(host)
  await listener.close()
  return port
}

/** Resolve with the event's arguments the first time `pred` holds, or reject after timeoutMs. */
export function waitEvent<K extends keyof PeerEventMap>(
  peer: Peer,
  ev: K,
  timeoutMs: number,
  pred: (...args: PeerEventMap[K]) => boolean = () => true,
): Promise<PeerEventMap[K]> {
  return new Promise((resolve, reject) => {
    const listener = (...args: PeerEventMap[K]): void => {
      if (!pred(...args)) return
      clearTimeout(timer)
      peer.off(ev, listener as never)
      resolve(args)
    }
    const timer = setTimeout(() => {
      peer.off(ev, listener as never)
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(ev)} on peer ${peer.remoteAddress} (state ${peer.state})`))
    }, timeoutMs)
    peer.on(ev, listener as never)
  })
}

/** Poll until the peer is in `state` (bounded). Returns the elapsed ms. */
export async function waitState(peer: Peer, state: FsmStateName, timeoutMs: number): Promise<number> {
  const t0 = performance.now()
  while (peer.state !== state) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`peer ${peer.remoteAddress} not ${state} after ${timeoutMs} ms (state ${peer.state})`)
    await new Promise((r) => setTimeout(r, 20))
  }
  return performance.now() - t0
}

export async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<number> {
  const t0 = performance.now()
  for (;;) {
    if (await cond()) return performance.now() - t0
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
