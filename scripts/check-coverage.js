#!/usr/bin/env node
// Fails when line coverage of src/ (from `tap report json-summary`) is below the threshold.
import { readFileSync } from 'node:fs'

const threshold = Number(process.argv[2] ?? 95)
const summary = JSON.parse(readFileSync('.tap/report/coverage-summary.json', 'utf8'))
let covered = 0
let total = 0
for (const [file, data] of Object.entries(summary)) {
  if (file === 'total' || !file.includes('/src/')) continue
  covered += data.lines.covered
  total += data.lines.total
}
const pct = total === 0 ? 0 : (100 * covered) / total
console.log(`coverage: ${pct.toFixed(2)}% of ${total} lines in src/ (threshold ${threshold}%)`)
if (pct < threshold) process.exit(1)
