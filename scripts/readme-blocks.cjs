#!/usr/bin/env node
// Writes every fenced code block of a Markdown file into a directory, one file per block, as a user would
// paste it: `js` blocks as `block-N.cjs` when they call require(), else `block-N.mjs`; `sh` blocks as
// `block-N.sh`. A block preceded by `<!-- readme-check: clone -->` is meant for a clone of the repository
// (CI runs those commands itself) and is listed as skipped. Any other language is an error, so a new block
// cannot silently escape the check. Prints one line per block: `<file> <first line>` or `skip <reason>`.
// Usage: node scripts/readme-blocks.cjs README.md OUTDIR
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [readme, out] = process.argv.slice(2);
const lines = fs.readFileSync(readme, 'utf8').split('\n');
fs.mkdirSync(out, { recursive: true });
let n = 0;
for (let i = 0; i < lines.length; i++) {
  const open = /^```(\S*)\s*$/.exec(lines[i]);
  if (!open) continue;
  const start = i + 1;
  let end = start;
  while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
  if (end === lines.length) throw new Error(`${readme}:${i + 1}: unterminated code block`);
  const body = lines.slice(start, end).join('\n') + '\n';
  const lang = open[1];
  const where = `${readme}:${i + 1}`;
  i = end;
  n++;
  if (/<!--\s*readme-check:\s*clone\s*-->/.test(lines[start - 2] ?? '')) {
    console.log(`skip ${where} (for a clone of the repository; .ci/run runs these commands)`);
    continue;
  }
  let ext;
  if (lang === 'js') ext = /\brequire\(/.test(body) ? 'cjs' : 'mjs';
  else if (lang === 'sh') ext = 'sh';
  else throw new Error(`${where}: code block language '${lang}': expected js or sh (or mark it <!-- readme-check: clone -->)`);
  const file = `block-${String(n).padStart(2, '0')}.${ext}`;
  fs.writeFileSync(path.join(out, file), body);
  console.log(`${file} ${where}`);
}
