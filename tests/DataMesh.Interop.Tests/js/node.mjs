// A js-libp2p peer for the DataMesh interop tests, driven over stdin/stdout with JSON lines.
//   node --import ./poly.mjs node.mjs [--listen MA] [--key-type ed25519|secp256k1] [--private-key B64]
//        [--agent TEXT] [--kad] [--kad-protocol ID] [--kad-namespace NAME] [--lifetime-s N]
// stdout carries only JSON lines: first {"event":"ready",...}, then one reply per command line read from
// stdin, {"id":..,"result":{..}} or {"id":..,"error":".."}; replies may come in any order (commands run
// concurrently). Diagnostics go to stderr. The process exits when stdin closes, on the "stop" command, on
// SIGTERM/SIGINT, or when its lifetime ends, so a test that dies never leaves a node behind.
import { createInterface } from 'node:readline'
import { runCommand } from './lib/commands.mjs'
import { parseOptions } from './lib/options.mjs'
import { createPeer } from './lib/peer.mjs'

const MAX_LINE_CHARS = 1024 * 1024

function emit (obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

let opts
try {
  opts = parseOptions(process.argv.slice(2), process.env)
} catch (err) {
  console.error(`node.mjs: ${err.message}`)
  process.exit(2)
}

const lifetime = setTimeout(() => {
  console.error(`node.mjs: lifetime of ${opts.lifetimeS} s reached, exiting`)
  process.exit(3)
}, opts.lifetimeS * 1000)
lifetime.unref()

// A stray rejection inside libp2p must not take the test peer down; it is reported on stderr.
process.on('unhandledRejection', (err) => { console.error('node.mjs: unhandled rejection:', err) })

const node = await createPeer(opts)
let stopping = null
function shutdown (code) {
  stopping ??= (async () => {
    try { await Promise.race([node.stop(), new Promise((resolve) => setTimeout(resolve, 5_000))]) } catch (err) {
      console.error('node.mjs: stop failed:', err)
    }
    process.exit(code)
  })()
  return stopping
}
process.on('SIGTERM', () => shutdown(0))
// the driving process went away (EPIPE): nobody can read the replies any more
process.stdout.on('error', () => shutdown(0))
process.on('SIGINT', () => shutdown(0))

emit({
  event: 'ready',
  peerId: node.peerId.toString(),
  keyType: node.peerId.type,
  agentVersion: opts.agent,
  addrs: node.getMultiaddrs().map(String),
  protocols: node.getProtocols()
})

const input = createInterface({ input: process.stdin, crlfDelay: Infinity })
input.on('line', (line) => {
  if (stopping != null || line.trim() === '') return
  if (line.length > MAX_LINE_CHARS) { emit({ id: null, error: `command line longer than ${MAX_LINE_CHARS} characters` }); return }
  let msg
  try {
    msg = JSON.parse(line)
    if (msg == null || typeof msg !== 'object' || Array.isArray(msg)) throw new Error('a command must be a JSON object')
  } catch (err) {
    emit({ id: null, error: `bad command line: ${err.message}` })
    return
  }
  if (msg.cmd === 'stop') {
    emit({ id: msg.id ?? null, result: {} })
    shutdown(0)
    return
  }
  runCommand(node, msg).then(emit)
})
input.on('close', () => shutdown(0))
