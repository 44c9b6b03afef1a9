/** A small client-side router: the path picks the page, the query string holds every filter (bookmarkable). */
import { useSyncExternalStore } from 'react'

function subscribe(callback: () => void): () => void {
  window.addEventListener('popstate', callback)
  window.addEventListener('almanac:navigate', callback)
  return () => {
    window.removeEventListener('popstate', callback)
    window.removeEventListener('almanac:navigate', callback)
  }
}

function snapshot(): string {
  return window.location.pathname + window.location.search
}

export interface Location {
  path: string
  params: URLSearchParams
}

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot)
  const url = new URL(href, window.location.origin)
  return { path: url.pathname, params: url.searchParams }
}

/** Goes to `href` (same origin only), adding a history entry unless `replace`. */
export function navigate(href: string, replace = false): void {
  const url = new URL(href, window.location.origin)
  if (url.origin !== window.location.origin) return
  if (replace) window.history.replaceState(null, '', url)
  else window.history.pushState(null, '', url)
  window.dispatchEvent(new Event('almanac:navigate'))
}

/** The current URL with `changes` applied to its query (undefined or '' removes a parameter). */
export function withParams(
  changes: Record<string, string | undefined>,
  path = window.location.pathname,
): string {
  const params = new URLSearchParams(window.location.search)
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined || value === '') params.delete(name)
    else params.set(name, value)
  }
  const query = params.toString()
  return query === '' ? path : `${path}?${query}`
}

export function setParams(changes: Record<string, string | undefined>, replace = false): void {
  navigate(withParams(changes), replace)
}
