/** The admin API client: same-origin JSON over the HttpOnly session cookie, with the CSRF token on writes. */

/** The session as the page knows it: never the session token itself (it stays in the cookie). */
export interface Session {
  username: string
  expiresAt: string
  csrfToken: string
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

let csrfToken: string | undefined
const signedOutListeners = new Set<(message: string) => void>()

/** Called when any request finds the session gone (expired, signed out elsewhere). */
export function onSignedOut(listener: (message: string) => void): () => void {
  signedOutListeners.add(listener)
  return () => signedOutListeners.delete(listener)
}

export function rememberSession(session: Session | undefined): void {
  csrfToken = session?.csrfToken
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = 'HTTP_' + String(response.status)
  let message = response.statusText || 'request failed'
  try {
    const body = (await response.json()) as { error?: string; message?: string }
    if (typeof body.error === 'string') code = body.error
    if (typeof body.message === 'string') message = body.message
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(response.status, code, message)
}

/** Calls `/api${path}`; a 401 (outside sign-in) tells the app to show the sign-in page. */
export async function api<T>(
  path: string,
  init: { method?: string; json?: unknown } = {},
): Promise<T> {
  const method = init.method ?? 'GET'
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (init.json !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && csrfToken !== undefined) headers['X-CSRF-Token'] = csrfToken
  const response = await fetch(`/api${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  })
  if (!response.ok) {
    const error = await errorOf(response)
    if (response.status === 401 && path !== '/session') {
      csrfToken = undefined
      for (const listener of signedOutListeners)
        listener(
          'Your session has ended (it expired or you signed out elsewhere). Please sign in again.',
        )
    }
    throw error
  }
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

export async function signIn(username: string, password: string): Promise<Session> {
  const session = await api<Session>('/session', {
    method: 'POST',
    json: { username, password, cookie: true },
  })
  rememberSession(session)
  return session
}

export async function currentSession(): Promise<Session | undefined> {
  try {
    const session = await api<Session>('/session')
    rememberSession(session)
    return session
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined
    throw error
  }
}

export async function signOut(): Promise<void> {
  try {
    await api('/session', { method: 'DELETE' })
  } finally {
    rememberSession(undefined)
  }
}

export interface Store {
  id: number
  name: string
  createdAt: string
}

export interface Credential {
  key: string
  storeId: number
  name: string
  scopes: string[]
  enabled: boolean
  createdAt: string
  lastUsedAt: string | null
}

export interface IssuedCredential {
  credential: Credential
  secret: string
}

export interface Account {
  username: string
  createdAt: string
  lastLoginAt: string | null
}

/** A stored xAPI statement: untrusted content, rendered as text only. */
export interface Statement {
  id: string
  actor: Record<string, unknown>
  verb: { id: string; display?: Record<string, string> }
  object: Record<string, unknown>
  result?: Record<string, unknown>
  context?: Record<string, unknown>
  timestamp?: string
  stored?: string
  authority?: Record<string, unknown>
}

export interface StatementPage {
  statements: Statement[]
  more: string
}

/** Follows a `more` link of the statements API (it is already under /api/). */
export function apiMore<T>(more: string): Promise<T> {
  if (!more.startsWith('/api/')) throw new Error('unexpected more link')
  return api<T>(more.slice('/api'.length))
}
