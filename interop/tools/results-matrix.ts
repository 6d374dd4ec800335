// Prints the README's interop summary: scenario × router, pass/fail and the key measured times, from the
// rows the lab wrote to interop/results/*.jsonl (anycast-*.test.ts and receiver.test.ts). Run after
// `npm run interop`:
//
//   TS_NODE_TRANSPILE_ONLY=1 node --import=@isaacs/ts-node-temp-fork-for-pr-2009/import interop/tools/results-matrix.ts [DIR]
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const dir = process.argv[2] ?? process.env.TSBGP_LAB_RESULTS_DIR ?? fileURLToPath(new URL('../results/', import.meta.url))
const ROUTERS = ['bird', 'frr', 'gobgp'] as const

interface Row { scenario: string, router: string, pass: boolean, times?: Record<string, number>, [k: string]: unknown }

function rows (file: string): Row[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Row)
}

// The figures that answer each scenario's question (the rows hold more).
const KEY: Record<string, Array<[string, string]>> = {
  1: [['paths', 'paths'], ['kernel', 'ECMP'], ['probe', 'probe']],
  2: [['withdrawn', 'withdrawn'], ['restored', 'back']],
  '3a': [['medMove', 'MED'], ['prepend', 'prepend']],
  '3b': [['lpMove', 'LOCAL_PREF']],
  4: [['gshutSeen', 'GSHUT seen'], ['ecmpOut', 'out of ECMP'], ['withdrawn', 'withdrawn']],
  5: [['killed', 'SIGKILL'], ['holdExpiry', 'frozen'], ['pathBack', 'restart']],
  6: [['converge', 'up'], ['failA', 'A fails'], ['failB', 'B fails']],
  7: [['paths', 'paths'], ['probe', 'probe']],
}

const sec = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`)

const all = ROUTERS.flatMap((r) => rows(join(dir, `${r}.jsonl`)))
const scenarios = [...new Set(all.map((r) => r.scenario))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
const out = ['| scenario | ' + ROUTERS.join(' | ') + ' |', '|---|' + ROUTERS.map(() => '---|').join('')]
for (const s of scenarios) {
  const id = s.split('.')[0]!
  const cells = ROUTERS.map((router) => {
    const r = all.find((x) => x.scenario === s && x.router === router)
    if (r === undefined) return 'not run'
    const figs = (KEY[id] ?? []).filter(([k]) => r.times?.[k] !== undefined).map(([k, label]) => `${label} ${sec(r.times![k]!)}`)
    return `${r.pass ? 'pass' : '**FAIL**'}${figs.length > 0 ? ': ' + figs.join(', ') : ''}`
  })
  out.push(`| ${s} | ${cells.join(' | ')} |`)
}
const recv = rows(join(dir, 'receiver.jsonl'))
if (recv.length > 0) {
  const cells = ROUTERS.map((router) => {
    const r = recv.find((x) => x.router === router)
    if (r === undefined) return 'not run'
    const p = r.prefixes as { ipv4: number, ipv6: number }
    return `${r.pass ? 'pass' : '**FAIL**'}: ${p.ipv4 + p.ipv6} prefixes × 4 peers learned in ${sec(r.learnMs as number)}`
  })
  out.push(`| tsbgp receiving (§9.1 selection) | ${cells.join(' | ')} |`)
}
process.stdout.write(out.join('\n') + '\n')
