import t from 'tap'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { ApiNotFoundError } from '../../src/errors.js'
import { client, json, provider } from './helpers.js'
import { scaled } from '../helpers/time.js'

t.test('resource file is streamed, not buffered', async (t) => {
  const chunk = Buffer.alloc(64 * 1024)
  for (let i = 0; i < chunk.length; i++) chunk[i] = i % 251
  const chunks = 16
  // the server sends one chunk, then holds the rest until the test lets it go:
  // getResourceFile resolving meanwhile shows the body is not buffered
  let letGo = (): void => {}
  const held = new Promise<void>((resolve) => { letGo = resolve })
  const p = await provider(t, async (req, res) => {
    if (req.url?.endsWith('/bare')) {
      res.removeHeader('content-type')
      res.end(Buffer.from([1, 2, 3]))
      return
    }
    res.writeHead(200, { 'content-type': 'image/jpeg' })
    res.write(chunk)
    await held
    for (let i = 1; i < chunks; i++) {
      if (!res.write(chunk)) await once(res, 'drain')
    }
    res.end()
  })
  const c = client(t, p, { concurrency: 1, timeoutMs: 200 })
  const file = await c.getResourceFile('i1', 'r1', 'f1')
  t.equal(p.requests[0].url, '/verification/v2/identity/i1/resources/r1/resource_files/f1')
  t.equal(file.contentType, 'image/jpeg')
  await sleep(300) // longer than timeoutMs (200): time must pass to show the attempt timer no longer runs
  t.equal(c.stats().inFlight, 1, 'the slot is held while the body is open (the attempt timer no longer runs)')
  letGo()
  // the client's own 'close' listener (which releases the slot) was registered first
  const closed = once(file.body, 'close')
  const parts: Buffer[] = []
  for await (const part of file.body) parts.push(part as Buffer)
  const all = Buffer.concat(parts)
  t.equal(all.length, chunk.length * chunks)
  t.ok(all.subarray(0, chunk.length).equals(chunk))
  await closed
  t.equal(c.stats().inFlight, 0, 'the slot is released once the body closed')

  const bare = await c.getResourceFile('i1', 'r1', 'bare')
  t.equal(bare.contentType, null)
  const bytes: Buffer[] = []
  for await (const part of bare.body) bytes.push(part as Buffer)
  t.same([...Buffer.concat(bytes)], [1, 2, 3])
})

t.test('a destroyed file body releases its slot', async (t) => {
  const p = await provider(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/pdf' })
    res.write(Buffer.alloc(1024))
    // never ends
  })
  const c = client(t, p, { concurrency: 1 })
  const file = await c.getResourceFile('i', 'r', 'f')
  const closed = new Promise((resolve) => file.body.once('close', resolve))
  file.body.on('error', () => {})
  file.body.destroy()
  await closed
  t.equal(c.stats().inFlight, 0)
})

t.test('a file body that stalls errors after timeoutMs and releases its slot', async (t) => {
  const p = await provider(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/pdf' })
    res.write(Buffer.alloc(10))
    // then nothing
  })
  const c = client(t, p, { timeoutMs: 100 })
  const file = await c.getResourceFile('i', 'r', 'f')
  const start = Date.now()
  await t.rejects((async () => {
    for await (const part of file.body) t.ok(part)
  })(), { code: 'UND_ERR_BODY_TIMEOUT' })
  t.ok(Date.now() - start < scaled(1000))
  t.equal(c.stats().inFlight, 0)
})

t.test('a missing file is ApiNotFoundError, and a 5xx is retried like any call', async (t) => {
  const p = await provider(t, (req, res, n) => {
    if (req.url?.endsWith('/missing')) json(res, 404, {})
    else if (n === 2) json(res, 503, {})
    else {
      res.writeHead(200, { 'content-type': 'video/mp4' })
      res.end(Buffer.from('video'))
    }
  })
  const c = client(t, p)
  await t.rejects(c.getResourceFile('i', 'r', 'missing'), ApiNotFoundError)
  const file = await c.getResourceFile('i', 'r', 'f')
  t.equal(file.contentType, 'video/mp4')
  const closed = once(file.body, 'close')
  const parts: Buffer[] = []
  for await (const part of file.body) parts.push(part as Buffer)
  t.equal(Buffer.concat(parts).toString(), 'video')
  t.equal(p.requests.length, 3)
  await closed
  t.equal(c.stats().inFlight, 0)
})
