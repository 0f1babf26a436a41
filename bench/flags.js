'use strict';

/** The bench's flags: `--name N` or `--name=N`, each a positive whole number, over the defaults given; anything else is refused. */
function wholeNumberFlags(defaults, args = process.argv.slice(2)) {
  const known = { ...defaults };
  for (let i = 0; i < args.length; i++) {
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(args[i]);
    if (!match || !(match[1] in known)) throw new Error(`unknown flag "${args[i]}"; known: ${Object.keys(known).map((k) => `--${k}`).join(', ')}`);
    const raw = match[2] ?? args[++i];
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${match[1]} must be a positive whole number, got "${raw}"`);
    known[match[1]] = value;
  }
  return known;
}

module.exports = { wholeNumberFlags };
