// Child-process entry for test/cli/demo.test.ts: the CLI from source (bin/tsbgp.js needs the compiled dist/).
// No process.exit(): the process must end by itself, so a leftover socket or timer shows up as a hang.
import { main } from '../../src/cli/main.js'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`launcher: ${err instanceof Error ? err.stack : String(err)}\n`)
    process.exitCode = 70
  },
)
