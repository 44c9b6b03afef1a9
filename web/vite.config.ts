// Builds the web console into dist/web, which Almanac serves at / (src/http/routes/console-web-routes.ts).
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Everything as files: the CSP allows no inline script or style.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      onLog(level, log, handler) {
        // react-query marks its modules "use client" for React Server Components; irrelevant here.
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return
        handler(level, log)
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/xapi': 'http://127.0.0.1:8080' } },
})
