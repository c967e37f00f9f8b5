// What a query costs a reader: bytes fetched and time to the first result.
//
//   node benches/search_query.mjs SITE_URL [QUERY ...]
//
// SITE_URL serves a built site (e.g. `python3 -m http.server -d public`).
// For each query, a fresh page of Debian's Chromium (/usr/bin/chromium, or
// ANNALS_CHROMIUM) opens /search/, types the query into the box, and waits
// for the first result. Prints a markdown table: the files the query
// fetched from search/ (meta.json included: a reader's first query loads
// it) with their bytes as sent, and the time from typing to the first
// result shown. Needs tests/browser's npm packages (`npm ci` there).
import { chromium } from "../tests/browser/node_modules/playwright-core/index.mjs";

const [site, ...given] = process.argv.slice(2);
if (!site) {
  console.error("usage: node benches/search_query.mjs SITE_URL [QUERY ...]");
  process.exit(2);
}
const queries = given.length ? given : ["plan", "digital economy", "\"industrial internet\"", "信息化", "数字 plan"];
const browser = await chromium.launch({
  executablePath: process.env.ANNALS_CHROMIUM || "/usr/bin/chromium",
  args: ["--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
console.log("| query | files | bytes | first result |\n|---|---|---|---|");
for (const q of queries) {
  const page = await browser.newPage();
  const fetched = [];
  page.on("requestfinished", (request) => {
    if (!/\/search\/(meta\.json|[trf]\/)/.test(request.url())) return;
    fetched.push(request.sizes().then((s) => s.responseBodySize + s.responseHeadersSize));
  });
  await page.goto(new URL("/search/", site).href, { waitUntil: "networkidle" });
  const ms = await page.evaluate(async (query) => {
    const input = document.querySelector("#q");
    const start = performance.now();
    input.value = query;
    input.dispatchEvent(new Event("input"));
    for (;;) {
      if (document.querySelector(".result") || /Nothing found/.test(document.querySelector("[data-status]").textContent)) {
        return performance.now() - start;
      }
      await new Promise((r) => requestAnimationFrame(r));
    }
  }, q);
  // The rest of the first page of results.
  await page.waitForFunction(() => !/…/.test(document.querySelector("[data-status]").textContent), null, { timeout: 30000 });
  await page.waitForLoadState("networkidle");
  const bytes = (await Promise.all(fetched)).reduce((a, b) => a + b, 0);
  console.log(`| ${q.replace(/\|/g, "\\|")} | ${fetched.length} | ${(bytes / 1024).toFixed(1)} KB | ${ms.toFixed(0)} ms |`);
  await page.close();
}
await browser.close();
