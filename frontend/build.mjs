// Build the web app into dist/: one hashed JS bundle (d3 included, tree-shaken), one hashed CSS
// file, index.html pointing at them, and public/ as is. No inline script or style: the API CSP
// forbids them. `node build.mjs --watch` rebuilds on change (the API serves dist/).
import { createHash } from "node:crypto";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, "dist");
const watch = process.argv.includes("--watch");

function hashed(name, ext, contents) {
  const digest = createHash("sha256").update(contents).digest("hex").slice(0, 10);
  return `assets/${name}-${digest}.${ext}`;
}

async function writeDist(result) {
  const js = result.outputFiles.find((f) => f.path.endsWith(".js"));
  const css = result.outputFiles.find((f) => f.path.endsWith(".css"));
  const jsName = hashed("app", "js", js.contents);
  const cssName = hashed("app", "css", css.contents);
  const template = await readFile(path.join(root, "index.html"), "utf8");
  const html = template.replace("%JS%", `/${jsName}`).replace("%CSS%", `/${cssName}`);
  await rm(dist, { recursive: true, force: true });
  await mkdir(path.join(dist, "assets"), { recursive: true });
  await writeFile(path.join(dist, jsName), js.contents);
  await writeFile(path.join(dist, cssName), css.contents);
  await cp(path.join(root, "public"), dist, { recursive: true });
  await writeFile(path.join(dist, "index.html"), html);
  console.log(`built dist/index.html, dist/${jsName} (${js.contents.length} B), dist/${cssName}`);
}

const options = {
  entryPoints: [path.join(root, "src", "main.js")],
  bundle: true,
  format: "esm",
  target: ["es2020"],
  minify: !watch,
  sourcemap: false,
  legalComments: "eof",
  outdir: path.join(root, "build-out"),
  entryNames: "app",
  write: false,
  logLevel: "warning",
  plugins: [{
    name: "write-dist",
    setup(build) {
      build.onEnd(async (result) => {
        if (result.errors.length === 0) await writeDist(result);
      });
    },
  }],
};

if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log("watching src/ and index.html is read on each rebuild; Ctrl-C to stop");
} else {
  await esbuild.build(options);
}
