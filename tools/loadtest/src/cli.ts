// npm run loadtest -- --kubeconfig FILE [...]: see USAGE and the README's "The failover load test".
// Exit codes: 0 integrity held, 1 integrity failed, 2 the run could not be made.
import { parseOptions, USAGE } from './options.js';
import { runLoadtest } from './run.js';

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`loadtest: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  try {
    const { report, htmlFile, jsonFile } = await runLoadtest(options, (line) => console.log(line));
    for (const check of report.integrity.checks) console.log(`${check.ok ? 'ok    ' : 'FAILED'} ${check.name}: ${check.detail}${check.problems.length ? `\n         ${check.problems.slice(0, 5).join('\n         ')}` : ''}`);
    console.log(`integrity ${report.integrity.ok ? 'PASS' : 'FAIL'}; ${report.totals.requests} requests, ${report.totals.errors} failed, ${report.kills.length} kills; report: ${htmlFile} (data: ${jsonFile})`);
    return report.integrity.ok ? 0 : 1;
  } catch (err) {
    console.error(`loadtest: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}

main().then((code) => process.exit(code));
