// Stems every word of a `word<TAB>stem` file (the stems by rust-stemmers)
// with the default theme's stem.js, prints `word<TAB>expected<TAB>got` for
// each word where the two disagree, then `checked N` with the number of
// words read. Run by tests/stem_agreement.rs: `node check.mjs FILE`.
import { readFileSync } from "node:fs";

// Imported from its text, so that Node need not be told that a .js file
// outside any package.json is a module.
const source = readFileSync(new URL("../../themes/default/static/stem.js", import.meta.url), "utf8");
const { stem } = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));

let checked = 0;
for (const line of readFileSync(process.argv[2], "utf8").split("\n")) {
  if (line === "") continue;
  const [word, expected] = line.split("\t");
  const got = stem(word);
  if (got !== expected) console.log(`${word}\t${expected}\t${got}`);
  checked++;
}
console.log(`checked ${checked}`);
