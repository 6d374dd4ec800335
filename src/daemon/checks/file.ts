/**
 * file check: the maintenance flag. The file present = drain the service (then withdraw);
 * absent = no maintenance. It never makes a service unhealthy: when the flag cannot be read
 * (permissions), maintenance is off and the detail says why, since draining on a stat error
 * would take every instance out at once when a shared directory misbehaves.
 */
import { stat } from 'node:fs/promises'
import { errorDetail, type ProbeResult } from './probe.js'

export async function probeFile(path: string): Promise<ProbeResult> {
  try {
    await stat(path)
    return { ok: true, maintenance: true, detail: `${path} present` }
  } catch (e) {
    const code = errorDetail(e)
    return { ok: true, maintenance: false, detail: code === 'ENOENT' ? `${path} absent` : `${path}: ${code} (treated as absent)` }
  }
}
