// Vite: builds the dashboard into dist/ (served by the promptreg server) and, in `pnpm dev`, proxies the
// API to a running server so the app calls it on its own origin, exactly as in production.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `pnpm dev` talks to this server; start it with `pnpm start` at the repo root.
const apiTarget = process.env["PROMPTREG_DEV_API_URL"] ?? "http://127.0.0.1:8787";

export default defineConfig({
  plugins: [react()],
  // Relative asset URLs: the same build works mounted at `/` or under a prefix such as `/ui/`.
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    strictPort: false,
    proxy: {
      "/trpc": { target: apiTarget, changeOrigin: true },
      "/v1": { target: apiTarget, changeOrigin: true },
      "/healthz": { target: apiTarget, changeOrigin: true },
    },
  },
});
