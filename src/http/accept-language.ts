/** @module Parses `Accept-Language` (RFC 9110 §12.5.4) into tags, most preferred first. */

/** Tags in order of preference; `*` and tags with q=0 are dropped. */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (header === undefined || header.trim() === '') return []
  const entries = header.split(',').flatMap((raw, index) => {
    const [tagPart, ...params] = raw.trim().split(';')
    const tag = tagPart?.trim() ?? ''
    if (tag === '' || tag === '*') return []
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const q = qParam === undefined ? 1 : Number(qParam.slice(2))
    if (!Number.isFinite(q) || q <= 0) return []
    return [{ tag, q, index }]
  })
  // Stable by original position among equal weights.
  entries.sort((a, b) => b.q - a.q || a.index - b.index)
  return entries.map((e) => e.tag)
}
