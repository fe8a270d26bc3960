import { script } from '../../generated/sandbox-browser-identities.js'
import { FLAG_TYPES } from '../identities/watchlist.js'
import { renderPage, type RenderedPage } from './html.js'

/**
 * `GET /identities`: the tester's view of the sandbox's identities, with a "Flag on
 * watchlist" / "Clear watchlist" button each. The page itself holds no data: its script
 * reads the list from the control API with the secret API key the tester types in.
 */

export function renderIdentitiesPage (): RenderedPage {
  const options = FLAG_TYPES.map((type) => `<option value="${type}">${type}</option>`).join('')
  return renderPage({
    title: 'Identities',
    wide: true,
    mainAttributes: 'data-testid="identities"',
    body: `<p class="hint">Passbase sandbox: the identities it holds. The control API needs the secret API key.</p>
    <form id="identities-form" data-testid="identities-form">
      <label for="api-key">Secret API key</label>
      <input id="api-key" name="apiKey" type="password" autocomplete="off" data-testid="api-key">
      <label for="flag-type">Watchlist hit to report</label>
      <select id="flag-type" name="flagType" data-testid="flag-type">${options}</select>
      <div class="actions"><button type="submit" class="primary" data-testid="load">Load identities</button></div>
    </form>
    <table>
      <thead><tr><th>Id</th><th>Status</th><th>Email</th><th>Watchlist</th><th></th></tr></thead>
      <tbody id="identities-body" data-testid="identities-body"></tbody>
    </table>
    <p id="identities-status" class="status" data-testid="identities-status" role="status" aria-live="polite"></p>`,
    script
  })
}
