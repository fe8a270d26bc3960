import type { ButtonErrorCode, FlowStep, IntegrationType } from './protocol.js'

/**
 * The API `GET /button.js` installs as `window.Passbase`: @passbase/button 4.4.0's
 * `renderButton` and `start`, with the sandbox's extensions marked as such.
 */

/** `onError`'s second argument: `step` as in @passbase/button; `reason` and `message` are sandbox extensions */
export interface SandboxErrorContext {
  step: FlowStep
  /** sandbox extension: the precise cause, e.g. INVALID_PUBLISHABLE_KEY, IDENTITY_NOT_FOUND */
  reason: string
  /** sandbox extension: a human-readable message */
  message: string
}

export interface SandboxButtonOptions {
  onStart?: () => void
  onSubmitted?: (identityAccessKey: string) => void
  onFinish?: (identityAccessKey: string) => void
  onError?: (errorCode: ButtonErrorCode, context: SandboxErrorContext) => void
  prefillAttributes?: { email?: string, country?: string }
  /** the host's RSA-encrypted metadata (base64) */
  metaData?: string
  /** accepted; `accentColor` colours the sandbox's button */
  theme?: { accentColor?: string, darkMode?: boolean, fonts?: { primary?: string, secondary?: string, cta?: string } }
  /** render no button: open the flow with `Passbase.start()` */
  hidden?: boolean
  /** sandbox extension: 'login' is the re-authentication (step-up) mode; default 'signup' */
  integrationType?: IntegrationType
  /** sandbox extension (login mode): the identity to re-authenticate */
  identityAccessKey?: string
  /** sandbox extension (login mode): what the user confirms, shown prominently, e.g. "Confirm payout of 50.00 EUR" */
  summary?: string
}

/** what the sandbox's `renderButton` returns (the real one returns nothing) */
export interface SandboxButtonHandle {
  /** the button element; null with `hidden` */
  button: HTMLButtonElement | null
  open: () => void
  close: () => void
}

export interface SandboxButtonApi {
  renderButton: (element: HTMLElement | string, publishableApiKey: string, options?: SandboxButtonOptions) => SandboxButtonHandle
  /** without arguments (as in 4.4.0): opens the last rendered button's flow; with them: opens that flow */
  start: (publishableApiKey?: string, options?: SandboxButtonOptions) => void
}
