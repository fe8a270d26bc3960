import { clientError, isPassbaseClientError } from './errors.js'
import { record } from './util.js'

/** The helper's HTTP: JSON in and out, errors as PassbaseClientError carrying the plugin's code. */

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

export interface JsonResponse<T> {
  statusCode: number
  body: T
}

export interface Http {
  /** `body` is sent as JSON (with `Content-Type: application/json`, which the plugin's POST routes require) */
  call: <T>(method: string, url: string, body?: unknown) => Promise<JsonResponse<T>>
}

export function createHttp (send: FetchLike, credentials: RequestCredentials): Http {
  async function call<T> (method: string, url: string, body?: unknown): Promise<JsonResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let res: Response
    try {
      res = await send(url, { method, credentials, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    } catch (err) {
      throw clientError('NETWORK_ERROR', `${method} ${url}: ${String(err)}`)
    }
    const data: unknown = res.status === 204 ? null : await res.json().catch(() => null)
    if (!res.ok) {
      const info = record(data)
      throw clientError(typeof info.code === 'string' ? info.code : `HTTP_${res.status}`,
        typeof info.message === 'string' ? info.message : `${method} ${url}: HTTP ${res.status}`,
        { statusCode: res.status, body: data })
    }
    return { statusCode: res.status, body: data as T }
  }
  return { call }
}

/** 4xx other than 408/429 will not get better by asking again */
export function permanent (err: unknown): boolean {
  const code = isPassbaseClientError(err) ? err.statusCode : undefined
  return code !== undefined && code >= 400 && code < 500 && code !== 408 && code !== 429
}
