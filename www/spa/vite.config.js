import { defineConfig } from 'vite';

// Served by the demo backend (crates/demo) at /spa/ (the demo backend answers /api/ on the same origin).
export default defineConfig({
  base: '/spa/',
  resolve: {
    // taapit-capture is linked from ../../pkg (file:), whose react.js imports 'react': resolve
    // it from this app, so there is one React.
    dedupe: ['react', 'react-dom'],
  },
  // `npm run dev` (Vite's dev server) sends the API calls to the demo server on :8080.
  server: { proxy: { '/api': 'http://localhost:8080' } },
  build: { outDir: 'dist', emptyOutDir: true },
});
