/**
 * What the sandbox's browser scripts exchange: the flow page's view data (JSON the server
 * puts in the page) and the messages the flow page posts to the button. Types and
 * constants only, shared by the server and the browser bundles.
 */

export const MESSAGE_SOURCE = 'passbase-sandbox'

/**
 * The flow's steps, reported as `context.step` of `onError`. START, SUMMARY and FINISHED
 * are @passbase/button's own step ids; FACE_AUTHENTICATION is the sandbox's login mode.
 */
export type FlowStep = 'START' | 'SUMMARY' | 'FACE_AUTHENTICATION' | 'FINISHED'

/** @passbase/button 4.4.0's error codes */
export type ButtonErrorCode = 'CANCELLED_BY_USER' | 'BIOMETRIC_AUTHENTICATION_FAILED' | 'FATAL_ERROR'
export const BUTTON_ERROR_CODES: readonly ButtonErrorCode[] = ['CANCELLED_BY_USER', 'BIOMETRIC_AUTHENTICATION_FAILED', 'FATAL_ERROR']

export type IntegrationType = 'signup' | 'login'

/** why the flow page cannot report to the host page (null when it can, or nobody listens) */
export type OriginProblem = 'missing' | 'invalid'

export interface FlowData {
  key: string
  integrationType: IntegrationType
  /** the raw encrypted metaData, re-sent on submit */
  metaData: string
  /** the exact origin of the host page: the only postMessage target; null when none is valid */
  origin: string | null
  originProblem: OriginProblem | null
  /** why the flow cannot start */
  error: { code: string, message: string } | null
}

export type FlowMessage =
  | { source: typeof MESSAGE_SOURCE, type: 'step', step: FlowStep }
  | { source: typeof MESSAGE_SOURCE, type: 'submitted', identityAccessKey: string }
  | { source: typeof MESSAGE_SOURCE, type: 'finish', identityAccessKey: string }
  /** Shift+Tab on the page's first control: the button moves the focus to its close button */
  | { source: typeof MESSAGE_SOURCE, type: 'focus-out' }
  /** the page's height in CSS pixels (its card and margins): the overlay takes it, up to the window's */
  | { source: typeof MESSAGE_SOURCE, type: 'size', height: number }
  | {
    source: typeof MESSAGE_SOURCE
    type: 'error'
    code: ButtonErrorCode
    step: FlowStep
    /** the sandbox's precise reason, e.g. INVALID_PUBLISHABLE_KEY */
    reason: string
    message: string
  }

/**
 * What the button posts to the flow page (to the sandbox's origin only): move the focus to
 * the page's first or last control, when Tab (Shift+Tab) wraps around the overlay.
 */
export interface HostMessage {
  source: typeof MESSAGE_SOURCE
  type: 'focus'
  edge: 'first' | 'last'
}

/** the id of the JSON script element holding FlowData */
export const FLOW_DATA_ID = 'flow-data'
