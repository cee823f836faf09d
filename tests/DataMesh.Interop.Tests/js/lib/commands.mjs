// The stdin commands of node.mjs. A command is {"id":..,"cmd":"name",...arguments}; its handler returns the
// "result" object of the reply, or throws (the reply then carries "error"). Every command takes an optional
// "timeoutMs" (default DEFAULT_TIMEOUT_MS, or BULK_TIMEOUT_MS for echo and sink).
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { ECHO_PROTOCOL, SINK_PROTOCOL, runEchoClient, runSinkClient } from './streams.mjs'

export const DEFAULT_TIMEOUT_MS = 30_000
const BULK_TIMEOUT_MS = 120_000
const MAX_BULK_BYTES = 4 * 1024 * 1024 * 1024
const MAX_PING_COUNT = 1000
const utf8 = new TextEncoder()

class CommandError extends Error {}

function requireString (args, name) {
  const v = args[name]
  if (typeof v !== 'string' || v === '') throw new CommandError(`"${name}" (a non-empty string) is required`)
  return v
}

function requireCount (args, name, def, max) {
  const v = args[name] ?? def
  if (!Number.isSafeInteger(v) || v < 0 || v > max) throw new CommandError(`"${name}" must be an integer in [0, ${max}]`)
  return v
}

function parsePeerId (s) {
  try { return peerIdFromString(s) } catch (err) { throw new CommandError(`invalid peer id "${s}": ${err.message}`) }
}

function parseAddr (s) {
  try { return multiaddr(s) } catch (err) { throw new CommandError(`invalid multiaddr "${s}": ${err.message}`) }
}

// A dial target: "addr" (a multiaddr, with or without /p2p/) wins over "peerId" (needs a known address).
function target (args) {
  if (typeof args.addr === 'string' && args.addr !== '') return parseAddr(args.addr)
  if (typeof args.peerId === 'string' && args.peerId !== '') return parsePeerId(args.peerId)
  throw new CommandError('"addr" or "peerId" is required')
}

// Record keys: "keyBase64" (raw bytes) or "key" (UTF-8 text such as "/dmtest/abc").
function recordKey (args) {
  if (typeof args.keyBase64 === 'string') return Buffer.from(args.keyBase64, 'base64')
  return utf8.encode(requireString(args, 'key'))
}

// A CID string is used as it is; any other text names the CIDv1 (raw, sha2-256) of its UTF-8 bytes.
async function contentId (text) {
  try { return CID.parse(text) } catch { return CID.createV1(raw.code, await sha256.digest(utf8.encode(text))) }
}

function dht (node) {
  const service = node.services.dht
  if (service == null) throw new CommandError('kad-dht is off in this node (start it with --kad)')
  return service
}

function peerInfoJson (info) {
  return { peerId: info.id.toString(), addrs: [...new Set(info.multiaddrs.map(String))] }
}

function connectionJson (c) {
  return {
    peerId: c.remotePeer.toString(),
    remoteAddr: c.remoteAddr.toString(),
    direction: c.direction,
    status: c.status,
    encryption: c.encryption ?? null,
    multiplexer: c.multiplexer ?? null,
    streams: c.streams.map((s) => s.protocol ?? null)
  }
}

function openConnection (node, peerIdText) {
  const conn = node.getConnections(parsePeerId(peerIdText)).find((c) => c.status === 'open')
  if (conn == null) throw new CommandError(`not connected to ${peerIdText}`)
  return conn
}

const handlers = {
  info: async (node) => ({
    peerId: node.peerId.toString(),
    addrs: node.getMultiaddrs().map(String),
    protocols: node.getProtocols(),
    maxRssMiB: process.resourceUsage().maxRSS / 1024
  }),

  dial: async (node, args, signal) => {
    const conn = await node.dial(target(args), { signal })
    return connectionJson(conn)
  },

  hangUp: async (node, args, signal) => {
    await node.hangUp(target(args), { signal })
    return {}
  },

  connections: async (node) => ({ connections: node.getConnections().map(connectionJson) }),

  ping: async (node, args, signal) => {
    const to = target(args)
    const count = requireCount(args, 'count', 1, MAX_PING_COUNT)
    const rttsMs = []
    for (let i = 0; i < count; i++) rttsMs.push(await node.services.ping.ping(to, { signal }))
    return { rttsMs }
  },

  // Runs the identify protocol on the open connection to peerId and returns what the remote sent.
  identify: async (node, args, signal) => {
    const r = await node.services.identify.identify(openConnection(node, args.peerId), { signal })
    return {
      peerId: r.peerId.toString(),
      agentVersion: r.agentVersion ?? null,
      protocolVersion: r.protocolVersion ?? null,
      protocols: r.protocols,
      listenAddrs: r.listenAddrs.map(String),
      observedAddr: r.observedAddr?.toString() ?? null,
      publicKeyBase64: r.publicKey == null ? null : Buffer.from(r.publicKey).toString('base64')
    }
  },

  // What the peer store holds about peerId (filled by the identify that runs on every new connection).
  peerStore: async (node, args) => {
    const peerId = parsePeerId(requireString(args, 'peerId'))
    if (!await node.peerStore.has(peerId)) throw new CommandError(`peer ${peerId} is not in the peer store`)
    const p = await node.peerStore.get(peerId)
    const meta = (k) => { const v = p.metadata.get(k); return v == null ? null : Buffer.from(v).toString('utf8') }
    return {
      peerId: p.id.toString(),
      agentVersion: meta('AgentVersion'),
      protocolVersion: meta('ProtocolVersion'),
      protocols: p.protocols,
      addrs: p.addresses.map((a) => a.multiaddr.toString())
    }
  },

  echo: async (node, args, signal) => {
    const size = requireCount(args, 'sizeBytes', undefined, MAX_BULK_BYTES)
    const seed = requireCount(args, 'seed', 1, 0xFFFFFFFF)
    const stream = await node.dialProtocol(target(args), ECHO_PROTOCOL, { signal })
    return runEchoClient(stream, size, seed, signal)
  },

  sink: async (node, args, signal) => {
    const size = requireCount(args, 'sizeBytes', undefined, MAX_BULK_BYTES)
    const stream = await node.dialProtocol(target(args), SINK_PROTOCOL, { signal })
    return runSinkClient(stream, size, signal)
  },

  findPeer: async (node, args, signal) => {
    const peerId = parsePeerId(requireString(args, 'peerId'))
    for await (const ev of dht(node).findPeer(peerId, { signal })) {
      if (ev.name === 'FINAL_PEER' && ev.peer.id.equals(peerId)) return peerInfoJson(ev.peer)
    }
    throw new CommandError(`peer ${peerId} was not found`)
  },

  getClosestPeers: async (node, args, signal) => {
    const peers = new Map()
    for await (const ev of dht(node).getClosestPeers(recordKey(args), { signal })) {
      if (ev.name === 'FINAL_PEER') peers.set(ev.peer.id.toString(), peerInfoJson(ev.peer))
    }
    return { peers: [...peers.values()] }
  },

  putValue: async (node, args, signal) => {
    const key = recordKey(args)
    const value = Buffer.from(requireString(args, 'valueBase64'), 'base64')
    let replicas = 0
    for await (const ev of dht(node).put(key, value, { signal })) {
      if (ev.name === 'PEER_RESPONSE' && ev.messageName === 'PUT_VALUE') replicas++
    }
    return { replicas }
  },

  getValue: async (node, args, signal) => {
    const key = recordKey(args)
    let value
    for await (const ev of dht(node).get(key, { signal })) {
      if (ev.name === 'VALUE' && value == null) value = ev.value
    }
    if (value == null) throw new CommandError(`no value found for key "${args.key ?? args.keyBase64}"`)
    return { valueBase64: Buffer.from(value).toString('base64') }
  },

  provide: async (node, args, signal) => {
    const cid = await contentId(requireString(args, 'cidOrKey'))
    for await (const ev of dht(node).provide(cid, { signal })) { void ev }
    return { cid: cid.toString() }
  },

  findProviders: async (node, args, signal) => {
    const cid = await contentId(requireString(args, 'cidOrKey'))
    const max = requireCount(args, 'max', 20, 1000)
    const providers = new Map()
    for await (const ev of dht(node).findProviders(cid, { signal })) {
      if (ev.name !== 'PROVIDER') continue
      for (const p of ev.providers) providers.set(p.id.toString(), peerInfoJson(p))
      if (providers.size >= max) break
    }
    return { cid: cid.toString(), providers: [...providers.values()] }
  },

  routingTable: async (node) => {
    const table = dht(node).routingTable
    const peers = table.kb == null ? [] : [...table.kb.toIterable()].map((p) => p.peerId.toString())
    return { mode: dht(node).getMode(), peers }
  }
}

export const COMMANDS = Object.freeze([...Object.keys(handlers), 'stop'])

// Runs one parsed command object; always resolves to the reply object.
export async function runCommand (node, msg) {
  const id = msg.id ?? null
  try {
    const handler = Object.hasOwn(handlers, msg.cmd) ? handlers[msg.cmd] : undefined
    if (handler == null) throw new CommandError(`unknown command "${msg.cmd}"; known: ${COMMANDS.join(', ')}`)
    const bulk = msg.cmd === 'echo' || msg.cmd === 'sink'
    const timeoutMs = requireCount(msg, 'timeoutMs', bulk ? BULK_TIMEOUT_MS : DEFAULT_TIMEOUT_MS, 3_600_000)
    const signal = AbortSignal.timeout(timeoutMs)
    return { id, result: await handler(node, msg, signal) }
  } catch (err) {
    const message = err?.name === 'TimeoutError' || err?.name === 'AbortError'
      ? `${msg.cmd}: timed out or aborted (${err.message})`
      : `${err instanceof CommandError ? '' : (err?.name ?? 'Error') + ': '}${err?.message ?? String(err)}`
    return { id, error: message }
  }
}
