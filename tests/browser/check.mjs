// Browser checks of the default theme on a built site, in Debian's Chromium
// driven by playwright-core (which never downloads a browser of its own).
//
//   node check.mjs SITE_DIR [--under-a-path DIR] [--screenshots DIR]
//
// SITE_DIR is a build of the shipped archive; DIR, if given, a build of it
// with base_url https://archive.example.org/archive/, served at /archive/. The site is served from a
// small static server on 127.0.0.1; the browser is ANNALS_CHROMIUM, or
// /usr/bin/chromium, or `chromium` on the PATH. Each check prints one line,
// "ok - ..." or "not ok - ...: what was wrong"; the last line counts them.
// Exit status: 0 all passed, 1 a check failed, 2 the checks could not run.
// tests/browser.rs runs this from `cargo test`.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";

import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

// Pages of the shipped archive that the checks visit.
const LONG = "/documents/14th-fyp-national-informatization/";
const PAGES = {
  home: "/",
  "long document": LONG,
  "short document": "/documents/miit-midyear-symposium-2025-07/",
  "catalogue record": "/documents/14th-fyp-national-economic-social-development/",
  term: "/topics/digital-economy/",
  timeline: "/timeline/",
  entity: "/entities/ministry-of-industry-and-information-technology/",
  "not found": "/no/such/page/",
  "search results": "/search/?q=plans",
};
const RECALL = JSON.parse(fs.readFileSync(new URL("./recall.json", import.meta.url), "utf8"));
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const PERMALINK_BASE = "https://archive.example.org";

function usage(message) {
  console.error(`check.mjs: ${message}\nusage: node check.mjs SITE_DIR [--under-a-path DIR] [--screenshots DIR]`);
  process.exit(2);
}

const args = process.argv.slice(2);
const site = args[0];
if (!site || !fs.existsSync(path.join(site, "index.html"))) usage(`no built site at ${site ?? "(missing)"}`);
const shotsAt = args.indexOf("--screenshots");
const shots = shotsAt >= 0 ? args[shotsAt + 1] : null;
if (shotsAt >= 0 && !shots) usage("--screenshots needs a folder");
if (shots) fs.mkdirSync(shots, { recursive: true });
const subAt = args.indexOf("--under-a-path");
const subsite = subAt >= 0 ? args[subAt + 1] : null;
if (subAt >= 0 && !(subsite && fs.existsSync(path.join(subsite, "index.html")))) usage("--under-a-path needs a built site");

function findChromium() {
  const candidates = [process.env.ANNALS_CHROMIUM, "/usr/bin/chromium"].filter(Boolean);
  for (const c of candidates) if (fs.existsSync(c)) return c;
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

const TYPES = {
  ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml", ".json": "application/json", ".xml": "application/xml",
};

// Serves SITE_DIR as a web host would: folders by their index.html, and
// the site's 404.html with status 404 for anything else.
// With `sub`, the paths under /archive/ are that site's.
function serve(site, sub) {
  const server = http.createServer((req, res) => {
    let file;
    let root = site;
    try {
      let rel = decodeURIComponent(new URL(req.url, "http://host").pathname);
      if (sub && rel.startsWith("/archive/")) {
        root = sub;
        rel = rel.slice("/archive".length);
      }
      file = path.join(root, path.normalize(rel));
      if (!file.startsWith(path.resolve(root))) file = null;
      else if (rel.endsWith("/")) file = path.join(file, "index.html");
    } catch {
      file = null;
    }
    if (file && fs.existsSync(file) && fs.statSync(file).isFile()) {
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
      res.end(fs.readFileSync(file));
    } else {
      res.writeHead(404, { "content-type": TYPES[".html"] });
      res.end(fs.readFileSync(path.join(root, "404.html")));
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

let passed = 0;
let failed = 0;
function report(name, problems) {
  if (problems.length === 0) {
    passed++;
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`not ok - ${name}:\n${problems.map((p) => `    ${p}`).join("\n")}`);
  }
}

// Runs one named check; an exception is a failure of that check alone.
async function check(name, body) {
  try {
    const problems = [];
    await body(problems);
    report(name, problems);
  } catch (error) {
    report(name, [`${error.message.split("\n")[0]}`]);
  }
}

const chromiumPath = findChromium();
if (!chromiumPath) {
  console.error(
    "check.mjs: Chromium was not found (looked at $ANNALS_CHROMIUM, /usr/bin/chromium and the PATH).\n" +
      "Install Debian's chromium: apt-get install chromium"
  );
  process.exit(2);
}

const server = await serve(path.resolve(site), subsite && path.resolve(subsite));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: chromiumPath,
  chromiumSandbox: false,
  args: ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});

// A browser context as a reader on `viewport` has it; every request that
// leaves the local server is recorded in `outside`.
const outside = [];
async function reader(viewport, options = {}) {
  const touch = viewport.width < 600;
  const context = await browser.newContext({ viewport, hasTouch: touch, isMobile: touch, ...options });
  context.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith("data:")) outside.push(url);
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => outside.push(`(script error on ${page.url()}: ${e.message})`));
  return { context, page };
}

async function open(page, pathname) {
  await page.goto(origin + pathname, { waitUntil: "load" });
}

// Top of the element, in page coordinates (null if missing).
function topOf(page, selector) {
  return page.evaluate((s) => {
    const e = document.querySelector(s);
    return e ? e.getBoundingClientRect().top + window.scrollY : null;
  }, selector);
}

async function screenshot(page, name) {
  if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

try {
  // Desktop: the text first, contents beside it, sections marked.
  {
    const { context, page } = await reader(DESKTOP);
    await check("1280x800: the long document's text starts in the first viewport", async (problems) => {
      await open(page, LONG);
      const top = await topOf(page, "section.text");
      if (top === null) problems.push(`${LONG} has no section.text`);
      else if (top >= DESKTOP.height) problems.push(`the text starts at ${Math.round(top)} px, below ${DESKTOP.height}`);
      const notice = await (async () => { await open(page, PAGES["catalogue record"]); return topOf(page, ".notice"); })();
      if (notice === null || notice >= DESKTOP.height) problems.push(`the catalogue record's notice starts at ${notice} px`);
    });
    await check("1280x800: the contents stand open beside the text", async (problems) => {
      await open(page, LONG);
      const layout = await page.evaluate(() => {
        const contents = document.querySelector("details.contents");
        const nav = contents && contents.querySelector("nav.toc");
        const text = document.querySelector("section.text");
        if (!nav) return null;
        const n = nav.getBoundingClientRect();
        return { open: contents.open, navRight: n.right, navTop: n.top, navHeight: n.height,
          textLeft: text.getBoundingClientRect().left, sticky: getComputedStyle(contents).position };
      });
      if (!layout) return problems.push("no details.contents with a nav.toc");
      if (!layout.open) problems.push("the contents are folded");
      if (layout.navHeight === 0 || layout.navTop >= DESKTOP.height) problems.push("the contents are not in view");
      if (layout.navRight > layout.textLeft) problems.push("the contents are not left of the text");
      if (layout.sticky !== "sticky") problems.push(`the contents are position: ${layout.sticky}, not sticky`);
    });
    await check("1280x800: the contents mark the section being read", async (problems) => {
      await page.evaluate(() => document.getElementById("sec-iv-2").scrollIntoView());
      const marked = page.locator(".toc a[aria-current='true']");
      await marked.first().waitFor({ timeout: 3000 }).catch(() => {});
      const hrefs = await marked.evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      if (hrefs.length !== 1 || hrefs[0] !== "#sec-iv-2") problems.push(`marked: ${JSON.stringify(hrefs)}, expected ["#sec-iv-2"]`);
      const inView = await page.evaluate(() => {
        const a = document.querySelector(".toc a[aria-current]");
        const r = a && a.getBoundingClientRect();
        return !!r && r.top >= 0 && r.bottom <= window.innerHeight;
      });
      if (!inView) problems.push("the marked entry is scrolled out of the contents");
      await screenshot(page, "long-document-reading-1280");
    });
    await context.close();
  }

  // Phone: contents folded, the text within two screens, ¶ links on touch.
  {
    const { context, page } = await reader(PHONE);
    await check("390x844: the contents are folded and the text starts within two screens", async (problems) => {
      await open(page, LONG);
      const state = await page.evaluate(() => [...document.querySelectorAll("article.document > details, .doc-side > details")]
        .map((d) => `${d.className}:${d.open ? "open" : "closed"}`));
      if (!state.includes("contents:closed")) problems.push(`folds: ${state.join(", ")}; expected the contents closed`);
      const top = await topOf(page, "section.text");
      if (top === null || top >= 2 * PHONE.height) problems.push(`the text starts at ${Math.round(top)} px, below ${2 * PHONE.height}`);
    });
    await check("390x844: paragraph links and copy buttons are visible on a touch screen", async (problems) => {
      const seen = await page.evaluate(() => {
        const p = document.getElementById("p-12");
        return [p.querySelector("a.anchor"), p.querySelector("button.copy-link")].map((e) => {
          if (!e) return "missing";
          return e.checkVisibility({ opacityProperty: true, visibilityProperty: true }) ? "visible" : "hidden";
        });
      });
      if (seen.join() !== "visible,visible") problems.push(`¶ link ${seen[0]}, copy button ${seen[1]} in #p-12`);
    });
    await context.close();
  }

  // Copying a paragraph's link with one click, announced.
  {
    const { context, page } = await reader(DESKTOP, { permissions: ["clipboard-read", "clipboard-write"] });
    await check("the copy button puts a citation of the paragraph on the clipboard and says so", async (problems) => {
      await open(page, LONG);
      await page.locator("#p-12 button.copy-link").click({ timeout: 5000 });
      const status = page.locator("[role=status]");
      await page.waitForFunction(() => /copied/i.test(document.querySelector("[role=status]")?.textContent ?? ""), null, { timeout: 3000 })
        .catch(() => {});
      if ((await status.count()) !== 1) return problems.push(`${await status.count()} elements with role=status, expected 1`);
      // The document's citation as the cite box shows it, its final URL
      // replaced by the paragraph and the paragraph's URL.
      const shown = ((await page.textContent("#citation")) ?? "").trim();
      const url = `${PERMALINK_BASE}${LONG}`;
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      const expected = `${shown.slice(0, -(url.length + 3))}, para. 12. ${url}#p-12.`;
      if (!shown.endsWith(`. ${url}.`)) problems.push(`the cite box shows ${JSON.stringify(shown)}, which does not end with the page's URL`);
      else if (copied !== expected) problems.push(`clipboard holds ${JSON.stringify(copied)}, expected ${JSON.stringify(expected)}`);
      const said = (await status.textContent()) ?? "";
      if (!/citation of paragraph 12 copied/i.test(said)) problems.push(`the status says ${JSON.stringify(said)}`);
      if ((await status.getAttribute("aria-live")) !== "polite") problems.push("the status is not an aria-live region");
    });
    await check("the cite box's button copies the citation it shows, as text and as HTML", async (problems) => {
      await open(page, LONG);
      const box = page.locator("details.cite");
      if (!(await box.evaluate((d) => d.open))) await page.click("details.cite > summary");
      await page.click("button.copy-citation", { timeout: 5000 });
      await page.waitForFunction(() => /^Citation copied/.test(document.querySelector("[role=status]")?.textContent ?? ""), null, { timeout: 3000 })
        .catch(() => {});
      const shown = ((await page.textContent("#citation")) ?? "").trim();
      const copied = await page.evaluate(async () => {
        const [item] = await navigator.clipboard.read();
        const text = await (await item.getType("text/plain")).text();
        const html = item.types.includes("text/html") ? await (await item.getType("text/html")).text() : "";
        return { text, html };
      });
      if (copied.text !== shown) problems.push(`clipboard text ${JSON.stringify(copied.text)}, the box shows ${JSON.stringify(shown)}`);
      if (!/<i>/.test(copied.html)) problems.push(`the HTML copied keeps no italics: ${JSON.stringify(copied.html.slice(0, 200))}`);
    });
    await context.close();
  }

  // Without JavaScript the page is whole: text, paragraph links, folds.
  {
    const { context, page } = await reader(DESKTOP, { javaScriptEnabled: false });
    await check("without JavaScript the document page reads and links work", async (problems) => {
      await open(page, LONG);
      const top = await topOf(page, "section.text");
      if (top === null || top >= DESKTOP.height) problems.push(`the text starts at ${top} px`);
      const href = await page.getAttribute("#p-12 a.anchor", "href");
      if (href !== "#p-12") problems.push(`the ¶ link of #p-12 is ${href}`);
      await page.click("details.contents > summary");
      if (!(await page.isVisible(".toc a[href='#sec-iv-2']"))) problems.push("the folded contents do not open");
    });
    await context.close();
  }

  // Search: the index annals wrote, read by search.js in the browser.
  {
    const { context, page } = await reader(DESKTOP);
    // Runs a query from the URL and returns the results as shown: each
    // result's link and its paragraph links, after every "more" is pressed.
    const results = async (q, extra = "") => {
      await open(page, `/search/?q=${encodeURIComponent(q)}${extra}`);
      await page.waitForFunction(() => /result|Nothing found/.test(document.querySelector("[data-status]")?.textContent ?? ""),
        null, { timeout: 10000 });
      for (let i = 0; i < 20 && (await page.isVisible("[data-more]")); i++) {
        const before = await page.locator(".result").count();
        await page.click("[data-more]");
        await page.waitForFunction((n) => document.querySelectorAll(".result").length > n, before, { timeout: 5000 }).catch(() => {});
      }
      return page.$$eval(".result", (items) => items.map((li) => ({
        url: li.querySelector(".result-title a").getAttribute("href"),
        hits: [...li.querySelectorAll(".result-hits a")].map((a) => a.getAttribute("href")),
        meta: li.querySelector(".result-meta").textContent,
        marked: [...li.querySelectorAll("mark")].map((m) => m.textContent),
        quotes: [...li.querySelectorAll(".result-hits .quote")].map((q) => q.textContent),
      })));
    };
    const find = (list, url) => list.find((r) => r.url === url);

    await check("search: an English query finds stemmed forms and links to the matching paragraphs", async (problems) => {
      const list = await results("plans");
      const doc = find(list, LONG);
      if (!doc) return problems.push(`${LONG} is not among ${list.length} results for "plans"`);
      if (!doc.hits.some((h) => /^\/documents\/14th-fyp-national-informatization\/#p-\d+$/.test(h))) problems.push(`no paragraph link: ${doc.hits}`);
      if (!doc.marked.some((m) => /^plan$/i.test(m))) problems.push(`"plan" is not highlighted for "plans": ${doc.marked.slice(0, 5)}`);
      if (await page.inputValue("#q") !== "plans") problems.push("the query in the URL is not in the search box");
      // [search] excerpts and excerpt_length (3 and 240 by default): the
      // paragraphs a result shows, each cut to length ("… " and " …" aside).
      const meta = await (await fetch(`${origin}/search/meta.json`)).json();
      for (const r of list) {
        if (r.quotes.length > meta.excerpts) problems.push(`${r.url} shows ${r.quotes.length} paragraphs, more than ${meta.excerpts}`);
        const long = r.quotes.find((q) => q.replace(/^… | …$/g, "").length > meta.excerpt_length);
        if (long) problems.push(`${r.url} shows an excerpt of ${long.length} characters, over ${meta.excerpt_length}`);
      }
      if (!list.some((r) => r.quotes.some((q) => q.startsWith("… ") || q.endsWith(" …")))) problems.push("no excerpt for \"plans\" is cut, so none was checked against its length");
    });
    await check("search: a Chinese query finds a word inside a longer run, on a page not marked zh", async (problems) => {
      const list = await results("平安");
      const digest = find(list, "/documents/peoples-daily-digest-2021-12-02/");
      if (!digest) return problems.push(`the digest (an English page with Chinese passages) is not found: ${list.map((r) => r.url)}`);
      if (!digest.hits.some((h) => /#p-\d+$/.test(h))) problems.push(`no paragraph link: ${digest.hits}`);
      if (!digest.marked.includes("平安")) problems.push(`平安 is not highlighted: ${digest.marked}`);
      const lang = await page.$$eval(".result mark", (ms) => {
        const m = ms.find((e) => e.textContent === "平安");
        return m && (m.querySelector("[lang]") ?? m.closest("[lang]"))?.getAttribute("lang");
      });
      if (lang !== "zh") problems.push(`the highlighted Chinese is in lang ${lang}`);
    });
    await check("search: a mixed query needs both its English and its Chinese", async (problems) => {
      const both = await results("informatization 信息化");
      const chinese = await results("信息化");
      if (!find(both, LONG)) problems.push("the 14th FYP for National Informatization is not found");
      if (both.length > chinese.length) problems.push(`${both.length} results for both words, more than ${chinese.length} for one`);
    });
    await check("search: a quoted phrase matches only words standing together", async (problems) => {
      const phrase = await results('"new industrialization"');
      const words = await results("new industrialization");
      if (!find(phrase, "/documents/miit-qiushi-new-industrialization-2024/")) problems.push("the Qiushi article is not found");
      if (phrase.length > words.length) problems.push(`${phrase.length} results for the phrase, ${words.length} for the words`);
      for (const r of phrase) if (!r.marked.some((m) => /new industrialization/i.test(m))) problems.push(`${r.url} shows no match of the phrase`);
    });
    await check("search: catalogue records are found by their titles and marked as not held", async (problems) => {
      const list = await results("Outline of the 14th Five-Year Plan");
      const record = find(list, "/documents/14th-fyp-national-economic-social-development/");
      if (!record) return problems.push("the catalogue record of the 14th Five-Year Plan is not found");
      if (!/not held/.test(record.meta)) problems.push(`its result says ${JSON.stringify(record.meta)}`);
    });
    await check("search: a filter narrows the results, and is kept in the URL", async (problems) => {
      const all = await results("plans");
      await page.click("details[data-tax] >> text=Document types");
      const box = page.locator("details[open] .filter-terms label", { hasText: /(^|\s)plan \d+$/ }).locator("input");
      await box.check({ timeout: 5000 });
      await page.waitForFunction(() => location.search.includes("f=types"), null, { timeout: 5000 });
      await page.waitForTimeout(300);
      const filtered = await page.$$eval(".result .result-meta", (ms) => ms.map((m) => m.textContent));
      if (!filtered.length || filtered.length >= all.length) problems.push(`${filtered.length} results with the filter, ${all.length} without`);
      for (const m of filtered) if (!/· plan\b/.test(m)) problems.push(`a result of another type: ${m}`);
      const url = page.url();
      const again = await results("plans", `&${new URL(url).searchParams.getAll("f").map((f) => `f=${encodeURIComponent(f)}`).join("&")}`);
      if (again.length !== filtered.length) problems.push(`the filter from the URL gives ${again.length} results, not ${filtered.length}`);
    });
    await check("search: the box in the header leads to the search page with the query", async (problems) => {
      await open(page, "/");
      await page.fill("#site-q", "vocational");
      await page.press("#site-q", "Enter");
      await page.waitForURL(/\/search\/\?q=vocational/, { timeout: 5000 });
      await page.waitForSelector(".result", { timeout: 10000 });
    });
    if (subsite) {
      await check("search: works on a site under a base_url with a path", async (problems) => {
        await open(page, "/archive/");
        await page.fill("#site-q", "信息化");
        await page.press("#site-q", "Enter");
        await page.waitForURL(/\/archive\/search\/\?q=/, { timeout: 5000 });
        await page.waitForSelector(".result", { timeout: 10000 });
        const hrefs = await page.$$eval(".result a", (as) => as.map((a) => a.getAttribute("href")));
        if (!hrefs.length) problems.push("no result links");
        for (const h of hrefs) if (!h.startsWith("/archive/")) problems.push(`a result links to ${h}, outside /archive/`);
      });
    }
    await check("search: the recall set is found in full", async (problems) => {
      let expected = 0;
      let found = 0;
      for (const { q, expect } of RECALL.queries) {
        const list = await results(q);
        for (const want of expect) {
          expected++;
          if (find(list, want)) found++;
          else problems.push(`${JSON.stringify(q)}: ${want} not among ${list.length} results`);
        }
      }
      console.log(`# search recall: ${found}/${expected} (${(100 * found / expected).toFixed(1)}%) over ${RECALL.queries.length} queries`);
    });
    await context.close();
  }
  {
    const { context, page } = await reader(DESKTOP, { javaScriptEnabled: false });
    await check("search: without JavaScript the search page says so and links to the indexes", async (problems) => {
      await open(page, "/search/?q=plans");
      const text = await page.textContent("main");
      if (!/needs JavaScript/.test(text)) problems.push("no word that search needs JavaScript");
      if (!(await page.isVisible("main a[href='/topics/']"))) problems.push("no link to the topics");
    });
    await context.close();
  }

  // axe-core on every kind of page, at both sizes, light and dark.
  for (const [viewport, scheme] of [[DESKTOP, "light"], [PHONE, "light"], [DESKTOP, "dark"]]) {
    const { context, page } = await reader(viewport, { colorScheme: scheme });
    const size = `${viewport.width}x${viewport.height}${scheme === "dark" ? ", dark" : ""}`;
    for (const [name, pathname] of Object.entries(PAGES)) {
      await check(`axe-core: no violation on the ${name} page (${size})`, async (problems) => {
        await open(page, pathname);
        if (pathname.includes("?q=")) await page.waitForSelector(".result", { timeout: 10000 });
        await page.addScriptTag({ content: AXE_SOURCE });
        const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
        for (const v of result.violations) {
          const where = v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ");
          problems.push(`${pathname}: rule ${v.id} (${v.impact}): ${v.help}; ${v.nodes.length} element(s): ${where}`);
        }
        await screenshot(page, `${name.replace(/ /g, "-")}-${viewport.width}${scheme === "dark" ? "-dark" : ""}`);
      });
    }
    await context.close();
  }

  await check("no request leaves the site, and no script error", async (problems) => {
    for (const url of new Set(outside)) problems.push(url);
  });
} finally {
  await browser.close();
  server.close();
}

console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
