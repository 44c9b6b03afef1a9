/** Refetching what a write changed, without keeping an answer given before the write. */
import type { InvalidateQueryFilters, QueryClient } from '@tanstack/react-query'

/**
 * Marks the queries a write changed as stale and refetches those on screen. A query whose first
 * fetch is still in flight was asked before the write, and TanStack Query hands that same fetch
 * back to `invalidateQueries` (it restarts in-flight fetches only of queries that already have
 * data), so the page would show the answer from before the write as fresh. Cancelling first makes
 * every refetch start after the write.
 */
export async function refreshAfterWrite(
  client: QueryClient,
  filters?: InvalidateQueryFilters,
): Promise<void> {
  await client.cancelQueries(filters)
  await client.invalidateQueries(filters)
}
