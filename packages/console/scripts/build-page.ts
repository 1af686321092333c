// Builds the console's page (web/) into dist/, which the console's server serves with @fastify/static. esbuild
// bundles the Preact app, uPlot and their CSS into one script and one stylesheet; nothing is fetched at run time.
// Run by `prepare` (so `npm ci` leaves a built page for `npm start`) and by `npm test` before the tests.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const WEB = fileURLToPath(new URL('../web/', import.meta.url));
export const PAGE_OUT_DIR = fileURLToPath(new URL('../dist/', import.meta.url));

export async function buildPage(outDir: string = PAGE_OUT_DIR): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { app: `${WEB}src/main.tsx` },
    outdir: outDir,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'warning',
  });
  await copyFile(`${WEB}index.html`, `${outDir}index.html`);
}

if (import.meta.main) await buildPage();
