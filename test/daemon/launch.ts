// Test launcher: what bin/tsbgp.js does, but importing src/ (bin/tsbgp.js imports the compiled dist/).
// Spawned as `process.execPath ...process.execArgv test/daemon/launch.ts ARGS` so tap's TypeScript loader applies.
import { main } from '../../src/cli/main.js'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: Error) => {
    process.stderr.write(`tsbgp: ${err.stack ?? String(err)}\n`)
    process.exitCode = 70
  },
)
