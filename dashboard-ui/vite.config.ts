import { defineConfig } from 'vite';
import { resolve } from 'node:path';

// The page is served by every node's API under /ui/ from the class path (io/flotilla/dashboard/ui/
// in this module's jar): Maven runs this build, and Node is needed only then.
export default defineConfig({
  base: '/ui/',
  build: {
    outDir: 'target/classes/io/flotilla/dashboard/ui',
    emptyOutDir: true,
    sourcemap: false,
    rollupOptions: {
      input: {
        index: resolve(__dirname, 'index.html'),
        login: resolve(__dirname, 'login.html'),
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
  },
} as any);
