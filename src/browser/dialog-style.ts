/** The step-up dialog's stylesheet, injected once into `<head>` (class names prefixed `passbase-stepup`). */

export const STYLE_ID = 'passbase-client-style'

const CSS = [
  '.passbase-stepup-backdrop { position: fixed; inset: 0; z-index: 2147483000; background: rgba(15, 20, 40, .45);',
  '  display: flex; align-items: center; justify-content: center; font: 15px/1.4 system-ui, sans-serif; }',
  '.passbase-stepup { background: #fff; color: #1b2240; border-radius: 12px; padding: 24px; width: min(400px, 92vw);',
  '  max-height: 92vh; overflow: auto; box-shadow: 0 8px 32px rgba(15, 20, 40, .3); box-sizing: border-box; }',
  '.passbase-stepup:focus { outline: none; }',
  '.passbase-stepup h2 { margin: 0 0 8px; font-size: 1.15rem; }',
  '.passbase-stepup p { margin: 0 0 16px; color: #474e6e; }',
  '.passbase-stepup p.passbase-stepup-summary { color: #1b2240; font-weight: 600; overflow-wrap: anywhere; }',
  '.passbase-stepup p[data-state=error] { color: #a61f1f; }',
  '.passbase-stepup dl { margin: 0 0 16px; padding: 10px 12px; background: #f4f6fb; border-radius: 8px; font-size: .92rem; }',
  '.passbase-stepup dl > div { display: flex; gap: 12px; padding: 2px 0; }',
  '.passbase-stepup dt { color: #474e6e; flex: 0 0 6.5em; }',
  '.passbase-stepup dd { margin: 0; overflow-wrap: anywhere; font-variant-numeric: tabular-nums; }',
  '.passbase-stepup-actions { display: flex; justify-content: space-between; align-items: center; gap: 12px; flex-wrap: wrap; }',
  '.passbase-stepup-slot[data-busy=true] { opacity: .55; }',
  '.passbase-stepup-cancel { font: inherit; background: none; border: 0; padding: 4px 2px; color: #474e6e; cursor: pointer;',
  '  text-decoration: underline; }',
  '.passbase-stepup button:focus-visible, .passbase-stepup iframe:focus-visible { outline: 3px solid #2f5bea; outline-offset: 2px; }'
].join('\n')

export function injectStyle (): void {
  if (document.getElementById(STYLE_ID) !== null) return
  const style = document.createElement('style')
  style.id = STYLE_ID
  style.textContent = CSS
  document.head.appendChild(style)
}
