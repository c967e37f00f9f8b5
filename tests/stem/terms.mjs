// Splits every line of a file into index terms with the default theme's
// search-terms.js, and prints `line-number<TAB>terms` for each line where
// they differ from the terms given after the line's TAB (by the Rust
// tokenizer), then `checked N`. Run by tests/search_terms.rs:
// `node terms.mjs DIR FILE`, where DIR holds copies of search-terms.js and
// stem.js beside a package.json that makes them modules.
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [dir, file] = process.argv.slice(2);
const { indexTerms } = await import(pathToFileURL(path.join(dir, "search-terms.js")).href);

let checked = 0;
readFileSync(file, "utf8").split("\n").forEach((line, n) => {
  if (line === "") return;
  const [text, expected] = line.split("\t");
  const got = indexTerms(text).join(" ");
  if (got !== expected) console.log(`${n + 1}\t${expected}\t${got}`);
  checked++;
});
console.log(`checked ${checked}`);
