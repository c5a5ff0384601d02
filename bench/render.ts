/**
 * Re-renders a results JSON into latest.{json,md,svg} with the current report code (for a
 * report format change without re-running the measurements):
 *   npx tsx bench/render.ts bench/results/<stamp>.json [out dir]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeReport, type Report } from './lib/report.js';

const file = process.argv[2];
if (!file) {
  console.error('usage: npx tsx bench/render.ts <results.json> [out dir]');
  process.exit(2);
}
const report = JSON.parse(readFileSync(file, 'utf8')) as Report & { targets?: unknown };
delete report.targets;
console.log(writeReport(report, process.argv[3] ?? path.dirname(file)).join('\n'));
