/** The sign-in page, with the reason the session ended when it did. */
import { useState, type SyntheticEvent } from 'react'
import { ApiError, signIn, type Session } from '../api'

export function SignInPage(props: {
  notice: string | undefined
  onSignedIn: (session: Session) => void
}) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      props.onSignedIn(await signIn(username, password))
    } catch (caught) {
      setError(
        caught instanceof ApiError
          ? caught.status === 401
            ? 'That username and password do not match an admin account.'
            : caught.message
          : 'Almanac could not be reached. Is it running?',
      )
    } finally {
      setBusy(false)
    }
  }

  return (
    <main className="sign-in" id="main">
      <form onSubmit={(event) => void submit(event)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Almanac</h1>
        {props.notice === undefined ? null : (
          <p className="notice" role="status">
            {props.notice}
          </p>
        )}
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(event) => setUsername(event.target.value)}
            required
            autoFocus
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            required
          />
        </label>
        {error === undefined ? null : (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          No account yet? Start Almanac with <code>ALMANAC_ADMIN_USERNAME</code> and{' '}
          <code>ALMANAC_ADMIN_PASSWORD</code>, or run{' '}
          <code>npx almanac admin create --username YOU</code>.
        </p>
      </form>
    </main>
  )
}
