// Runs one level of the compiled test suite with node:test.
//   node scripts/run-tests.mjs unit|integration|e2e
// Tests are TypeScript compiled by `npm run build`; only .js files under a
// package's dist/ are run, so the result matches what ships.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

const LEVELS = {
  unit: { packageGlobs: ['proto', 'libs/*', 'services/*', 'deploy', 'tools/*', 'examples/*'], suffix: '.spec.js', concurrency: 2, testTimeoutMs: 60_000 },
  integration: { packageGlobs: ['proto', 'libs/*', 'services/*', 'deploy', 'tools/*', 'examples/*'], suffix: '.int-spec.js', concurrency: 2, testTimeoutMs: 180_000 },
  // e2e stacks bind fixed loopback addresses and are heavy, so they run one file at a time.
  e2e: { packageGlobs: ['test-e2e'], suffix: '.e2e-spec.js', concurrency: 1, testTimeoutMs: 600_000 },
};

const level = process.argv[2];
if (!Object.hasOwn(LEVELS, level) || process.argv.length !== 3) {
  console.error(`usage: node scripts/run-tests.mjs ${Object.keys(LEVELS).join('|')}`);
  process.exit(1);
}
const { packageGlobs, suffix, concurrency, testTimeoutMs } = LEVELS[level];

const files = packageGlobs
  .flatMap(expandPackageGlob)
  .flatMap((packageDir) => collectTests(join(packageDir, 'dist'), suffix).filter((file) => !isStale(packageDir, file)))
  .map((file) => relative(repoRoot, file))
  .sort();

if (files.length === 0) {
  console.log(`no ${level} tests found (*${suffix} under dist/); nothing to run`);
  process.exit(0);
}

console.log(`running ${files.length} ${level} test file(s)`);
const child = spawn(
  process.execPath,
  ['--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, `--test-timeout=${testTimeoutMs}`, ...files],
  { cwd: repoRoot, stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

/** `libs/*` → every directory in libs/ that has a package.json. */
function expandPackageGlob(pattern) {
  if (!pattern.endsWith('/*')) return existsSync(join(repoRoot, pattern, 'package.json')) ? [join(repoRoot, pattern)] : [];
  const parent = join(repoRoot, pattern.slice(0, -2));
  if (!existsSync(parent)) return [];
  return readdirSync(parent, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(parent, entry.name, 'package.json')))
    .map((entry) => join(parent, entry.name));
}

function collectTests(directory, fileSuffix) {
  if (!existsSync(directory)) return [];
  const found = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') found.push(...collectTests(path, fileSuffix));
    } else if (entry.isFile() && entry.name.endsWith(fileSuffix)) {
      found.push(path);
    }
  }
  return found;
}

/**
 * tsc never deletes outputs, so a renamed or deleted test would keep running
 * from dist/ forever. A compiled test whose source is gone is skipped.
 */
function isStale(packageDir, compiledFile) {
  const sourceDir = join(packageDir, 'src');
  if (!existsSync(sourceDir)) return false;
  const withinDist = relative(join(packageDir, 'dist'), compiledFile);
  const base = join(sourceDir, withinDist.slice(0, -'.js'.length));
  const stale = !['.ts', '.mts', '.cts', '.tsx'].some((extension) => existsSync(base + extension));
  if (stale) console.log(`skipping ${relative(repoRoot, compiledFile).split(sep).join('/')}: its source no longer exists`);
  return stale;
}
