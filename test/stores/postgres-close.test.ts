/**
 * PostgresStore.close() while its LISTEN connection is still connecting never waits on
 * the network. Regression: pg leaves `connect()` unsettled when `end()` is called while
 * it connects and the socket closes before the server answers, so `close()` (and the
 * host's `app.close()`) hung forever; found by the multi-process test timing out in CI
 * when its database came back just before teardown. Fake servers stand in for
 * PostgreSQL here, so this runs without one.
 */
import { createServer, type Server, type Socket } from 'node:net'
import t from 'tap'
import { PostgresStore } from '../../src/stores/postgres/index.js'
import { within } from '../helpers/wait.js'
import { scaled } from '../helpers/time.js'

/** TCP sockets open in this process (the store's and the fake server's; nothing else here opens any). */
const tcpSockets = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length

/** A TCP server that takes connections and never answers; `halfOpen` keeps a socket open after the client's FIN. */
async function silentServer (halfOpen: boolean): Promise<{ server: Server, port: number, received: Promise<Socket>, closed: Promise<void> }> {
  let onReceived!: (socket: Socket) => void
  let onClosed!: () => void
  const received = new Promise<Socket>((resolve) => { onReceived = resolve })
  const closed = new Promise<void>((resolve) => { onClosed = resolve })
  const server = createServer({ allowHalfOpen: halfOpen }, (socket) => {
    socket.once('data', () => { onReceived(socket) }) // the startup packet: the client is mid-handshake
    socket.once('close', () => { onClosed() })
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { server, port, received, closed }
}

for (const halfOpen of [false, true]) {
  const peer = halfOpen
    ? 'a server that never answers nor closes (the goodbye is never acknowledged)'
    : 'a server that has not answered yet and closes when the client does'
  t.test(`close() while the LISTEN connection is connecting to ${peer}`, async (t) => {
    const fake = await silentServer(halfOpen)
    t.teardown(async () => {
      void fake.received.then((socket) => { socket.destroy() })
      await new Promise<void>((resolve) => { fake.server.close(() => { resolve() }) })
    })
    const store = new PostgresStore({
      connectionString: `postgresql://postgres@127.0.0.1:${fake.port}/passbase`,
      onError: () => {} // the aborted handshake is reported here; what matters is that close() returns
    })
    store.subscribe(() => {}) // starts the LISTEN connection
    await within('the LISTEN connection reaching the server', 10_000, fake.received)
    t.equal(tcpSockets(), 2, 'both ends of the connection are open while it connects')
    const started = Date.now()
    await within('store.close()', 10_000, store.close())
    t.pass(`close() returned after ${Date.now() - started} ms`)
    // a half-open server keeps its own end until it writes (TCP); the store's end is gone either way
    if (!halfOpen) await within('the server seeing the connection close', 10_000, fake.closed)
    t.equal(tcpSockets(), halfOpen ? 1 : 0, 'the store holds no socket once close() returned')
    t.same(await Promise.race([store.listening().then(() => 'settled'), new Promise((resolve) => setTimeout(resolve, scaled(1000), 'pending'))]), 'settled',
      'listening() settles once the store is closed')
  })
}
