/**
 * MRT decode benchmark: `tsbgp decode --mrt` on the shared RouteViews full-table dump
 * (609,246 RIB entries, 49.8 MB uncompressed, bzip2) against `bgpdump -m` in the same run.
 * Target (issue 2): the whole dump in under 3 s, in bounded memory.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { execFileSync } from 'node:child_process'
import { measure } from './spawn-measure.js'

const root = fileURLToPath(new URL('../../', import.meta.url)) // .bench-build/bench -> repo root
const dump = fileURLToPath(new URL('../shared/fixtures/hask-mrt/rib.bz2', `file://${root}`))

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export async function runMrtBench(): Promise<void> {
  if (!existsSync(dump)) {
    console.log(`skipped: ${dump} not found (../shared absent)`)
    return
  }
  const ts = await measure(process.execPath, [`${root}bin/tsbgp.js`, 'decode', '--mrt', dump])
  console.log(
    `tsbgp decode --mrt: ${ts.seconds.toFixed(2)} s, ${ts.stdoutLines} records, ${(ts.stdoutLines / ts.seconds / 1e3).toFixed(0)} k records/s, peak RSS ${ts.peakRssMB.toFixed(0)} MB (target < 3 s)`,
  )
  if (!has('bgpdump')) {
    console.log('bgpdump not installed (apt-get install bgpdump): no side-by-side ratio')
    return
  }
  const bd = await measure('bgpdump', ['-m', dump])
  console.log(`bgpdump -m:         ${bd.seconds.toFixed(2)} s, ${bd.stdoutLines} lines, peak RSS ${bd.peakRssMB.toFixed(0)} MB`)
  console.log(`ratio tsbgp/bgpdump time: ${(ts.seconds / bd.seconds).toFixed(2)}x`)
}
