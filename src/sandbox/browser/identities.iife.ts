/**
 * The script of the `/identities` page: lists the sandbox's identities through the
 * control API and puts them on (or takes them off) the watchlist. The control API wants
 * the secret API key: the tester types it in; it is kept in this tab's sessionStorage.
 */

interface Identity {
  id: string
  status: string
  owner: { email: string }
  watchlist: { clean: boolean, types: string[] }
}

const STORAGE_KEY = 'passbase-sandbox-secret-api-key'
const keyInput = document.getElementById('api-key') as HTMLInputElement
const typeSelect = document.getElementById('flag-type') as HTMLSelectElement
const rows = document.getElementById('identities-body') as HTMLElement
const statusEl = document.getElementById('identities-status') as HTMLElement

function setStatus (text: string, state: string): void {
  statusEl.textContent = text
  statusEl.setAttribute('data-state', state)
}

async function control (method: string, path: string, body?: unknown): Promise<Record<string, unknown> | null> {
  const headers: Record<string, string> = { 'x-api-key': keyInput.value.trim() }
  if (body !== undefined) headers['content-type'] = 'application/json'
  try {
    const res = await fetch(`/sandbox${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const answer = await res.json().catch(() => ({})) as Record<string, unknown>
    if (res.ok) return answer
    setStatus(`${typeof answer.message === 'string' ? answer.message : 'request failed'} (HTTP ${res.status})`, 'error')
  } catch (err) {
    setStatus(String(err), 'error')
  }
  return null
}

function cell (row: HTMLElement, text: string, testId?: string): HTMLElement {
  const td = document.createElement('td')
  td.textContent = text
  if (testId !== undefined) td.setAttribute('data-testid', testId)
  row.appendChild(td)
  return td
}

function action (label: string, testId: string, run: () => Promise<void>): HTMLButtonElement {
  const button = document.createElement('button')
  button.type = 'button'
  button.textContent = label
  button.setAttribute('data-testid', testId)
  button.addEventListener('click', () => { void run() })
  return button
}

async function screen (identity: Identity, flag: boolean): Promise<void> {
  const path = `/identities/${encodeURIComponent(identity.id)}/watchlist`
  const answer = flag ? await control('POST', path, { types: [typeSelect.value] }) : await control('DELETE', path)
  if (answer === null) return
  const delivery = answer.delivery as { status: number | null, error?: string }
  const sent = delivery.status === null ? `not delivered: ${delivery.error ?? 'no answer'}` : `delivered, HTTP ${delivery.status}`
  await load()
  setStatus(`WATCHLIST_MONITORING for ${identity.id} ${sent}`, 'done')
}

function render (identities: Identity[]): void {
  rows.replaceChildren()
  for (const identity of identities) {
    const row = document.createElement('tr')
    row.setAttribute('data-testid', `identity-${identity.id}`)
    cell(row, identity.id).className = 'id'
    cell(row, identity.status)
    cell(row, identity.owner.email)
    const listed = identity.watchlist.clean ? 'clean' : `flagged: ${identity.watchlist.types.join(', ')}`
    cell(row, listed, `watchlist-${identity.id}`)
    const actions = cell(row, '')
    actions.appendChild(identity.watchlist.clean
      ? action('Flag on watchlist', `flag-${identity.id}`, async () => { await screen(identity, true) })
      : action('Clear watchlist', `clear-${identity.id}`, async () => { await screen(identity, false) }))
    rows.appendChild(row)
  }
  setStatus(`${identities.length} identit${identities.length === 1 ? 'y' : 'ies'}`, 'done')
}

async function load (): Promise<void> {
  sessionStorage.setItem(STORAGE_KEY, keyInput.value.trim())
  const answer = await control('GET', '/identities')
  if (answer !== null) render(answer.data as Identity[])
}

keyInput.value = sessionStorage.getItem(STORAGE_KEY) ?? ''
document.getElementById('identities-form')?.addEventListener('submit', (event) => {
  event.preventDefault()
  void load()
})
if (keyInput.value !== '') void load()
