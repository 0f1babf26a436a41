'use strict';

const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

/** Writes one benchmark's figures as `.bench-results/<name>.json` and `<name>.md` (a markdown table for the README). */
function writeResults(name, json, md) {
  const out = join(__dirname, '..', '.bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(out, `${name}.md`), md.endsWith('\n') ? md : `${md}\n`);
}

module.exports = { writeResults };
