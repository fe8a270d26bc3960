import { randomBytes } from 'node:crypto'

/**
 * The HTML shell of the sandbox's pages: escaping, the shared style, and a Content
 * Security Policy whose nonce admits only the page's own (bundled) script.
 */

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** JSON safe inside a <script> element */
function scriptJson (value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}

const STYLE = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
  body { margin: 0; background: #f4f6fb; color: #1b2240; }
  main { max-width: 380px; margin: 24px auto; background: #fff; border-radius: 12px; padding: 24px;
         box-shadow: 0 4px 24px rgba(27, 34, 64, .12); }
  main.wide { max-width: 960px; }
  h1 { font-size: 1.25rem; margin: 0 0 4px; }
  p.hint { margin: 0 0 16px; color: #5b6285; font-size: .9rem; }
  p.hint.result { margin: 16px 0 0; }
  p.hint.field { margin: 4px 0 0; font-size: .8rem; }
  p.field-error { margin: 4px 0 0; font-size: .85rem; font-weight: 600; color: #b42323; }
  input[aria-invalid=true] { border-color: #b42323; box-shadow: 0 0 0 1px #b42323; }
  label { display: block; font-size: .85rem; font-weight: 600; margin: 12px 0 4px; }
  input[type=email], input[type=text], input[type=number], input[type=date], input[type=password], select {
         box-sizing: border-box; width: 100%; padding: 8px 10px; border: 1px solid #c9cee3; border-radius: 6px; font: inherit; }
  fieldset { border: 1px solid #c9cee3; border-radius: 6px; margin: 16px 0 0; padding: 8px 12px; }
  legend { font-size: .85rem; font-weight: 600; padding: 0 4px; }
  fieldset label { display: flex; gap: 8px; align-items: center; font-weight: 400; margin: 6px 0; }
  pre { background: #f4f6fb; border-radius: 6px; padding: 8px; font-size: .8rem; overflow: auto; }
  .summary { font-size: 1.1rem; font-weight: 700; background: #fff7e0; border: 2px solid #e0a800; border-radius: 8px;
         padding: 12px; margin: 0 0 16px; overflow-wrap: anywhere; white-space: pre-wrap; }
  .actions { display: flex; gap: 8px; justify-content: flex-end; margin-top: 20px; }
  .actions .choice { display: flex; gap: 8px; }
  button { font: inherit; border-radius: 6px; padding: 8px 14px; cursor: pointer; border: 1px solid #c9cee3; background: #fff; }
  button.primary { background: #2f5bea; border-color: #2f5bea; color: #fff; }
  button.danger { background: #d93b3b; border-color: #d93b3b; color: #fff; }
  button:disabled { opacity: .6; cursor: default; }
  table { width: 100%; border-collapse: collapse; margin-top: 16px; font-size: .9rem; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e3e6f0; }
  td.id { font-family: ui-monospace, monospace; font-size: .8rem; }
  .status { min-height: 1.2em; margin: 16px 0 0; font-size: .9rem; }
  [data-state=error], .error { color: #b42323; }
  [data-state=done] { color: #1d7a3a; }
`

export interface PageParts {
  title: string
  /** HTML, already escaped */
  body: string
  /** the page's bundled script */
  script: string
  /** view data for the script, as JSON in <script type="application/json" id=…> */
  data?: { id: string, value: unknown }
  wide?: boolean
  /** attributes of <main>, already escaped */
  mainAttributes?: string
  /** default false: `frame-ancestors 'none'`; the flow page is framed by any host page */
  frameable?: boolean
}

export interface RenderedPage {
  html: string
  /** the Content-Security-Policy header to send with it */
  csp: string
}

export function renderPage (parts: PageParts): RenderedPage {
  if (/<\/script/i.test(parts.script)) throw new Error('sandbox: a page script must not contain </script')
  const nonce = randomBytes(16).toString('base64')
  const data = parts.data === undefined
    ? ''
    : `<script type="application/json" id="${parts.data.id}">${scriptJson(parts.data.value)}</script>\n  `
  const html = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Passbase Sandbox — ${escapeHtml(parts.title)}</title>
  <link rel="icon" href="data:,">
  <style>${STYLE}</style>
</head>
<body>
  <main${parts.wide === true ? ' class="wide"' : ''} ${parts.mainAttributes ?? ''}>
    <h1>${escapeHtml(parts.title)}</h1>
    ${parts.body}
  </main>
  ${data}<script nonce="${nonce}">${parts.script}</script>
</body>
</html>
`
  const csp = [
    "default-src 'none'", `script-src 'nonce-${nonce}'`, "style-src 'unsafe-inline'", "connect-src 'self'",
    "img-src 'self' data:", "form-action 'none'", "base-uri 'none'",
    ...(parts.frameable === true ? [] : ["frame-ancestors 'none'"])
  ].join('; ')
  return { html, csp }
}
