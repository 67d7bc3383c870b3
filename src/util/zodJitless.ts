/**
 * Imported first by each entry point (the page, the engine worker). zod compiles object parsers
 * with `new Function` where it may, and probes for that by trying once; the page's
 * Content-Security-Policy forbids it (no 'unsafe-eval'), so the probe only fails and files a
 * security-policy violation report. jitless skips the probe and uses the parser that works here.
 */
import { z } from 'zod';

z.config({ jitless: true });
