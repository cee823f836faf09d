// Command-line options of node.mjs. Every option can also come from an environment variable
// (DM_JS_<NAME>, e.g. DM_JS_KEY_TYPE); an argument wins over the environment.
export const DEFAULTS = Object.freeze({
  listen: '/ip4/127.0.0.1/tcp/0',
  keyType: 'ed25519',
  privateKey: '', // base64 of a libp2p protobuf PrivateKey; empty = generate a fresh key of keyType
  agent: 'datamesh-interop-js/1.0.0',
  kad: false,
  kadProtocol: '/datamesh/kad/1.0.0',
  kadNamespace: 'dmtest',
  lifetimeS: 600
})

const NAMES = {
  '--listen': 'listen',
  '--key-type': 'keyType',
  '--private-key': 'privateKey',
  '--agent': 'agent',
  '--kad': 'kad',
  '--kad-protocol': 'kadProtocol',
  '--kad-namespace': 'kadNamespace',
  '--lifetime-s': 'lifetimeS'
}

function envName (key) {
  return 'DM_JS_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase()
}

function coerce (key, raw) {
  const def = DEFAULTS[key]
  if (typeof def === 'boolean') {
    if (raw === true || raw === 'true' || raw === '1' || raw === 'on') return true
    if (raw === 'false' || raw === '0' || raw === 'off') return false
    throw new Error(`option ${key}: expected true/false, got "${raw}"`)
  }
  if (typeof def === 'number') {
    const n = Number(raw)
    if (!Number.isFinite(n) || n <= 0) throw new Error(`option ${key}: expected a positive number, got "${raw}"`)
    return n
  }
  return String(raw)
}

// Parses `--name value`, `--name=value` and bare boolean flags (`--kad`).
export function parseOptions (argv, env) {
  const opts = { ...DEFAULTS }
  for (const key of Object.keys(DEFAULTS)) {
    const v = env[envName(key)]
    if (v != null && v !== '') opts[key] = coerce(key, v)
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const eq = arg.indexOf('=')
    const flag = eq >= 0 ? arg.slice(0, eq) : arg
    const key = NAMES[flag]
    if (key == null) throw new Error(`unknown option "${flag}"; known: ${Object.keys(NAMES).join(' ')}`)
    let raw
    if (eq >= 0) raw = arg.slice(eq + 1)
    else if (typeof DEFAULTS[key] === 'boolean' && (i + 1 >= argv.length || argv[i + 1].startsWith('--'))) raw = true
    else if (i + 1 < argv.length) raw = argv[++i]
    else throw new Error(`option ${flag} needs a value`)
    opts[key] = coerce(key, raw)
  }
  if (opts.keyType !== 'ed25519' && opts.keyType !== 'secp256k1') {
    throw new Error(`option keyType: expected ed25519 or secp256k1, got "${opts.keyType}"`)
  }
  if (!/^[A-Za-z0-9_-]+$/.test(opts.kadNamespace)) throw new Error(`option kadNamespace: "${opts.kadNamespace}" is not a plain name`)
  return Object.freeze(opts)
}
