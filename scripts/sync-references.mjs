// Keeps each project's tsconfig `references` equal to the @kapi packages its sources import, so that
// `tsc -b` builds projects in dependency order. Run after adding an import of another project;
// with --check it only reports drift (and exits 1), which the lint step uses.
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';

const root = dirname(dirname(new URL(import.meta.url).pathname));
const check = process.argv.includes('--check');
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const projects = new Map();
for (const pattern of rootPkg.workspaces) {
  const dirs = pattern.endsWith('/*')
    ? readdirSync(join(root, pattern.slice(0, -2))).map((d) => join(pattern.slice(0, -2), d))
    : [pattern];
  for (const dir of dirs) {
    const pkgFile = join(root, dir, 'package.json');
    if (!existsSync(pkgFile) || !existsSync(join(root, dir, 'tsconfig.json'))) continue;
    projects.set(JSON.parse(readFileSync(pkgFile, 'utf8')).name, dir);
  }
}

function sources(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (entry === 'node_modules' || entry === 'dist' || entry === 'gen') continue;
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

let drift = false;
for (const [name, dir] of projects) {
  const srcDir = join(root, dir, 'src');
  if (!existsSync(srcDir)) continue;
  const deps = new Set();
  for (const file of sources(srcDir)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(@kapi\/[a-z-]+)'/g)) {
      if (m[1] !== name && projects.has(m[1])) deps.add(m[1]);
    }
  }
  const tsconfigFile = join(root, dir, 'tsconfig.json');
  const tsconfig = JSON.parse(readFileSync(tsconfigFile, 'utf8'));
  const references = [...deps].sort().map((d) => ({ path: relative(join(root, dir), join(root, projects.get(d))) }));
  if (JSON.stringify(tsconfig.references ?? []) === JSON.stringify(references)) continue;
  drift = true;
  if (check) {
    console.error(`${dir}/tsconfig.json: references are not the imported projects (run node scripts/sync-references.mjs)`);
  } else {
    tsconfig.references = references;
    writeFileSync(tsconfigFile, JSON.stringify(tsconfig, null, 2) + '\n');
    console.log(`updated ${dir}/tsconfig.json`);
  }
}
// The root solution builds every project, so tests of a project nobody imports are built too.
const rootTsconfigFile = join(root, 'tsconfig.json');
const rootTsconfig = { files: [], references: [...projects.values()].sort().map((dir) => ({ path: dir })) };
if (readFileSync(rootTsconfigFile, 'utf8') !== JSON.stringify(rootTsconfig, null, 2) + '\n') {
  drift = true;
  if (check) console.error('tsconfig.json: references are not every project (run node scripts/sync-references.mjs)');
  else writeFileSync(rootTsconfigFile, JSON.stringify(rootTsconfig, null, 2) + '\n');
}
if (check && drift) process.exit(1);
