import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * What the page may load and talk to. No inline or remote script: a link or a file that smuggled
 * markup in still could not run it. The page needs its own scripts and its engine worker,
 * WebAssembly compilation for the Parquet decoders (hyparquet-compressors compiles snappy from
 * bytes: 'wasm-unsafe-eval', which allows WebAssembly and not eval), and connections to the Hugging
 * Face Hub and the hosts its downloads redirect to (huggingface.co answers /resolve/ with a 302 to
 * cdn-lfs*.huggingface.co, cdn-lfs*.hf.co, cas-bridge.xethub.hf.co or *.cdn.hf.co). Styles come
 * from the built stylesheet; React and recharts set style properties through the CSSOM, which
 * style-src does not govern.
 */
const CSP_DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self' https://huggingface.co https://*.huggingface.co https://hf.co https://*.hf.co",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
];

/** frame-ancestors is obeyed only in a header, not in a <meta> policy. */
export const CONTENT_SECURITY_POLICY = [...CSP_DIRECTIVES, "frame-ancestors 'none'"].join('; ');

/** What a static host should send with every file (README: "Serving the lab from a static host"). */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/**
 * The same policy as a <meta> tag in the built index.html, for hosts that send no headers. Only in
 * the build: the dev server's React refresh runs an inline script, which the policy forbids.
 */
function metaContentSecurityPolicy(): Plugin {
  const charset = '<meta charset="utf-8" />';
  const meta = `<meta http-equiv="Content-Security-Policy" content="${CSP_DIRECTIVES.join('; ')}" />`;
  return {
    name: 'quantlab-meta-csp',
    apply: 'build',
    transformIndexHtml(html) {
      // Right after the charset, before anything the policy governs.
      if (!html.includes(charset)) throw new Error(`index.html must start its <head> with ${charset}`);
      return html.replace(charset, `${charset}\n    ${meta}`);
    },
  };
}

const { 'Content-Security-Policy': _, ...DEV_HEADERS } = SECURITY_HEADERS;

export default defineConfig({
  plugins: [react(), metaContentSecurityPolicy()],
  server: { host: '127.0.0.1', port: 5173, fs: { allow: ['.'] }, headers: DEV_HEADERS },
  preview: { host: '127.0.0.1', port: 4173, headers: SECURITY_HEADERS },
  worker: { format: 'es' },
  build: { outDir: 'dist/app', target: 'es2022' },
});
