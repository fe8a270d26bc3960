import t from 'tap'
import { MemoryStore } from '../src/store/memory.js'

t.test('memory store links', async (t) => {
  const s = new MemoryStore()
  const r = await s.link('u1', 'i1', 1)
  t.equal(r.ok, true)
})
