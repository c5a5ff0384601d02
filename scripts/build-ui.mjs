#!/usr/bin/env node
// Bundles the admin interface (web/admin/) into dist/web/admin/: one script, one stylesheet
// with PatternFly and the fonts and images it references, and the index.html that names them.
// File names carry a content hash, so every file but index.html can be cached for good, and the
// server fetches nothing at run time. Run on its own (`node scripts/build-ui.mjs`) or from
// scripts/build.mjs; scripts/test.mjs runs it when the bundle is older than its sources.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const UI_SOURCE = path.join(root, 'web/admin');
export const UI_OUT = path.join(root, 'dist/web/admin');

export async function buildUi() {
  rmSync(UI_OUT, { recursive: true, force: true });
  mkdirSync(UI_OUT, { recursive: true });
  const result = await esbuild.build({
    entryPoints: {
      admin: path.join(UI_SOURCE, 'src/main.ts'),
      'admin-style': path.join(UI_SOURCE, 'src/admin.css'),
    },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    tsconfig: path.join(UI_SOURCE, 'tsconfig.json'),
    outdir: UI_OUT,
    entryNames: '[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    loader: { '.woff2': 'file', '.woff': 'file', '.svg': 'file', '.png': 'file', '.jpg': 'file' },
    metafile: true,
    logLevel: 'warning',
    legalComments: 'linked',
  });
  const outputs = Object.entries(result.metafile.outputs);
  const entry = (name) => {
    const found = outputs.find(
      ([file, meta]) =>
        meta.entryPoint && path.basename(file).startsWith(`${name}-`) && !file.endsWith('.map'),
    );
    if (!found) throw new Error(`esbuild wrote no ${name} bundle`);
    return path.basename(found[0]);
  };
  const script = entry('admin');
  const style = outputs
    .map(([file]) => path.basename(file))
    .find((file) => file.startsWith('admin-style-') && file.endsWith('.css'));
  if (!style) throw new Error('esbuild wrote no stylesheet');
  writeFileSync(
    path.join(UI_OUT, 'index.html'),
    `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Tessera admin</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/static/dist/admin/${style}" />
    <script type="module" src="/static/dist/admin/${script}"></script>
  </head>
  <body>
    <ak-admin-app></ak-admin-app>
  </body>
</html>
`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildUi();
}
