import { defineConfig } from 'vite';

// The command line is the same engine bundled for Node: Vite resolves the
// `?raw` shader imports, so WGSL reaches Node exactly as it reaches the page.
export default defineConfig({
  publicDir: false,
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist/cli',
    target: 'node20',
    emptyOutDir: true,
    rollupOptions: { output: { entryFileNames: 'quantlab.mjs' } },
  },
  // Everything but Dawn's native addon goes into the bundle, so the CLI runs on a GPU server
  // from dist/ and node_modules/webgpu alone.
  ssr: { noExternal: true, external: ['webgpu'] },
});
