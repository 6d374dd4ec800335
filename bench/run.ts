/**
 * `npm run bench`: every benchmark, side by side with the peer tool where one exists, printing ratios
 * (these machines are noisy: only same-run ratios are comparable).
 */
import { runCodecBench } from './codec.js'
import { runMrtBench } from './mrt.js'
import { runIngest } from './ingest.js'
import { runOriginate } from './originate.js'

const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(1))

async function main(): Promise<void> {
  const only = process.argv[2]
  if (!only || only === 'codec') {
    console.log('# codec: UPDATE decode/encode, 1,000,000 prefixes, typical attributes, 4096-octet messages')
    for (const f of runCodecBench()) {
      console.log(
        `${f.family}: ${f.messages} UPDATEs, ${(f.bytes / 1e6).toFixed(1)} MB; decode ${fmt(f.decodePerSec)}prefixes/s (target 10 M), encode ${fmt(f.encodePerSec)}prefixes/s (target 5 M)`,
      )
    }
  }
  if (!only || only === 'mrt') {
    console.log('# mrt: decode --mrt of the shared full-table dump, tsbgp vs bgpdump -m')
    await runMrtBench()
  }
  // `npm run bench -- ingest [N]`, `npm run bench -- originate [N]`: N defaults to 1,000,000.
  const n = Number(process.argv[3] ?? 1_000_000)
  if (!only || only === 'ingest') {
    console.log(`# ingest: bench sender -> receiver over loopback, Established -> all N in the Loc-RIB, RSS growth (one receiver at a time; tsbgp = Speaker, tsbgp-nopre = Speaker with keepPrePolicy false, tsbgp-layers = session+RIB classes)`)
    await runIngest({ n })
  }
  if (!only || only === 'originate') {
    console.log('# originate: N prefixes to BIRD, Established -> BIRD holds them all (tsbgp vs BIRD as the sender)')
    await runOriginate(n)
  }
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
