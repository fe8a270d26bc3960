import t, { type Test } from 'tap'
import { sandboxFor } from './helpers.js'

/**
 * The markup of the sandbox's pages: the empty icon (no /favicon.ico request, no 404), the
 * buttons' and choices' words (the docs use the same), the score field's attributes and the
 * place of its message.
 */

const PUBLISHABLE = 'pk_pages'
const ICON = '<link rel="icon" href="data:,">'

async function html (t: Test, url: string): Promise<string> {
  const res = await fetch(url)
  t.equal(res.status, 200, url)
  return await res.text()
}

/** the text of the element with `data-testid`, tags stripped */
function text (page: string, testId: string): string | undefined {
  const match = new RegExp(`<(\\w+)[^>]*data-testid="${testId}"[^>]*>(.*?)</\\1>`, 's').exec(page) ??
    new RegExp(`<label><input[^>]*data-testid="${testId}"[^>]*>(.*?)</label>`, 's').exec(page)
  return match?.at(-1)?.replace(/<[^>]+>/g, '').trim()
}

t.test('every page declares an empty icon in its head', async (t) => {
  const sandbox = await sandboxFor(t, { publishableApiKey: PUBLISHABLE })
  const pages = [
    `/flow?key=${PUBLISHABLE}`,
    `/flow?key=${PUBLISHABLE}&integrationType=login&identityAccessKey=x`,
    '/flow?key=pk_wrong',
    '/identities'
  ]
  for (const path of pages) {
    const page = await html(t, sandbox.url + path)
    const head = page.slice(0, page.indexOf('</head>'))
    t.equal(head.split(ICON).length, 2, `${path}: one icon link, in <head>`)
  }
  const csp = (await fetch(`${sandbox.url}/flow?key=${PUBLISHABLE}`)).headers.get('content-security-policy')
  t.match(csp, "img-src 'self' data:", 'the policy admits the data: icon')
})

t.test('the buttons and choices say what the docs say', async (t) => {
  const sandbox = await sandboxFor(t, { publishableApiKey: PUBLISHABLE })
  const signup = await html(t, `${sandbox.url}/flow?key=${PUBLISHABLE}`)
  t.same(['decision-approve', 'decision-decline', 'decision-pending', 'cancel', 'submit'].map((id) => text(signup, id)),
    ['Approve', 'Decline', 'Manual review (pending)', 'Cancel', 'Submit verification'])
  const login = await html(t, `${sandbox.url}/flow?key=${PUBLISHABLE}&integrationType=login&identityAccessKey=x`)
  t.same(['cancel', 'login-fail', 'login-pass'].map((id) => text(login, id)), ['Cancel', 'Fail login', 'Pass login'])
  t.ok(login.indexOf('data-testid="login-fail"') < login.indexOf('data-testid="login-pass"'), 'Pass login last: the primary action')
})

t.test('the score field: a required number from 0 to 1, its hint and its message', async (t) => {
  const sandbox = await sandboxFor(t, { publishableApiKey: PUBLISHABLE })
  const page = await html(t, `${sandbox.url}/flow?key=${PUBLISHABLE}`)
  const input = /<input id="score"[^>]*>/.exec(page)?.[0] ?? ''
  for (const attribute of ['type="number"', 'min="0"', 'max="1"', 'step="0.01"', 'value="0.95"', 'required', 'data-testid="score"', 'aria-describedby="score-hint score-error"']) {
    t.match(input, attribute, attribute)
  }
  t.match(page, /<p id="score-error" class="field-error" data-testid="score-error" role="alert" hidden><\/p>/, 'hidden until needed')
  t.match(page.replace(/\s+/g, ' '), 'Until you type one, the decision sets it: approve 0.95, manual review 0.80, decline 0.30.')
  t.ok(page.indexOf('id="score-hint"') > page.indexOf('id="score"'), 'the hint follows the field')
})
