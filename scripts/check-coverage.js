#!/usr/bin/env node
// Fails when line coverage of src/ (from `tap report json-summary`) is below the threshold.
// Only src/ counts: dist/, example/, scripts/ and bench/ run in tests too, but they are the
// build output or tools, not the package's code.
import { existsSync, readFileSync } from 'node:fs'

const threshold = Number(process.argv[2] ?? 95)
const file = '.tap/report/coverage-summary.json'
if (!existsSync(file)) {
  console.error(`coverage: ${file} is missing: run \`tap\` (with coverage) and \`tap report json-summary\` first (npm test does)`)
  process.exit(1)
}
const summary = JSON.parse(readFileSync(file, 'utf8'))
let covered = 0
let total = 0
for (const [path, data] of Object.entries(summary)) {
  if (path === 'total' || !path.includes('/src/')) continue
  covered += data.lines.covered
  total += data.lines.total
}
const pct = total === 0 ? 0 : (100 * covered) / total
console.log(`coverage: ${pct.toFixed(2)}% of ${total} lines in src/ (threshold ${threshold}%)`)
if (pct < threshold) process.exit(1)
