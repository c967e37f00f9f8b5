// Reading aids for document pages of the annals default theme. The page is
// whole without this script: it only unfolds the side columns on wide
// screens, marks the section being read in the contents, and adds buttons
// that copy the citation of the document or of one paragraph. No framework,
// no requests.
(function () {
  "use strict";

  var article = document.querySelector("article.document");
  if (!article) return;

  // Folding. The stylesheet sets --unfold: 1 on the <details data-unfold>
  // that stand beside the text (wide screens); those are opened, the others
  // keep the closed state of the HTML. Only a change of layout changes
  // them again, so a reader's own opening or closing is kept.
  var folds = Array.prototype.slice.call(article.querySelectorAll("details[data-unfold]"));
  var unfolded = folds.map(function () { return null; });
  function fold() {
    folds.forEach(function (details, i) {
      var wide = getComputedStyle(details).getPropertyValue("--unfold").trim() === "1";
      if (wide !== unfolded[i]) {
        details.open = wide;
        unfolded[i] = wide;
      }
    });
  }
  fold();
  var pending = false;
  window.addEventListener("resize", function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; fold(); });
  });

  // Paper has no buttons: the metadata and the note are printed open, and
  // fold back afterwards.
  var printed = [];
  window.addEventListener("beforeprint", function () {
    printed = folds.filter(function (d) { return !d.open && !d.classList.contains("contents"); });
    printed.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    printed.forEach(function (d) { d.open = false; });
    printed = [];
  });

  // A link to a place inside folded details (a paragraph of the note)
  // opens them.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
  }
  reveal();
  window.addEventListener("hashchange", reveal);

  // The contents: the section being read is marked aria-current. Where the
  // contents are folded over the text (narrow screens), following one of
  // its links folds them again.
  var contents = article.querySelector("details.contents");
  if (contents) {
    var nav = contents.querySelector("nav");
    var links = {};
    var headings = [];
    Array.prototype.forEach.call(nav.querySelectorAll("a[href^='#']"), function (a) {
      var heading = document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
      if (heading) {
        links[heading.id] = a;
        headings.push(heading);
      }
    });
    var current = null;
    var mark = function () {
      // The last heading above the top third of the window.
      var line = window.innerHeight / 3;
      var found = null;
      for (var i = 0; i < headings.length; i++) {
        if (headings[i].getBoundingClientRect().top > line) break;
        found = links[headings[i].id];
      }
      if (found === current) return;
      if (current) current.removeAttribute("aria-current");
      current = found;
      if (!current) return;
      current.setAttribute("aria-current", "true");
      // Keep the mark in view inside the contents, which scroll by
      // themselves; never scroll the page.
      var box = contents.getBoundingClientRect();
      var item = current.getBoundingClientRect();
      if (contents.scrollHeight > contents.clientHeight && (item.top < box.top || item.bottom > box.bottom)) {
        contents.scrollTop += item.top - box.top - box.height / 3;
      }
    };
    if ("IntersectionObserver" in window && headings.length) {
      var observer = new IntersectionObserver(mark, { rootMargin: "0px 0px -66% 0px" });
      headings.forEach(function (h) { observer.observe(h); });
    }
    nav.addEventListener("click", function (event) {
      if (event.target.closest("a") && !unfolded[folds.indexOf(contents)]) contents.open = false;
    });
  }

  // Copying a paragraph's link. One status line announces the outcome to
  // screen readers and shows it.
  var status = document.createElement("p");
  status.className = "copy-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  document.body.appendChild(status);
  var timer = 0;
  function announce(message) {
    status.textContent = message;
    clearTimeout(timer);
    timer = setTimeout(function () { status.textContent = ""; }, 4000);
  }

  var canonical = document.querySelector("link[rel=canonical]");
  var pageUrl = (canonical ? canonical.href : location.href).split("#")[0];

  // The cite box's citation ends with ". URL."; what comes before is its
  // head, which a paragraph's citation continues with the paragraph.
  var citation = article.querySelector("#citation");
  var citedUrl = citation ? citation.getAttribute("data-url") : "";
  var shown = citation ? citation.textContent.trim() : "";
  var tail = ". " + citedUrl + ".";
  var head = shown.slice(-tail.length) === tail ? shown.slice(0, -tail.length) : shown.replace(/\.$/, "");

  // What a paragraph is called in messages: "paragraph 12", "section IV".
  function nameOf(block) {
    var n = /^(?:note-)?p-(\d+)$/.exec(block.id);
    if (n) return (block.id.indexOf("note-") === 0 ? "note paragraph " : "paragraph ") + n[1];
    return /^H[1-6]$/.test(block.tagName) ? "section “" + block.textContent.trim() + "”" : "this passage";
  }

  // Where in the document a citation points: "para. 12", "curator’s note,
  // para. 3", "section “IV”".
  function pinpoint(block) {
    var n = /^(note-)?p-(\d+)$/.exec(block.id);
    if (n) return (n[1] ? "curator’s note, " : "") + "para. " + n[2];
    if (/^H[1-6]$/.test(block.tagName)) return "section “" + block.textContent.trim() + "”";
    return "";
  }

  // The citation of a paragraph (or heading, list item...): the document's
  // citation, the place in it, and the link to the place. Without a cite
  // box (citations switched off), the link alone.
  function citationOf(block) {
    var url = pageUrl + "#" + block.id;
    if (!citation) return url;
    var place = pinpoint(block);
    return head + (place ? ", " + place : "") + ". " + url + ".";
  }

  // Copies text (and, where the browser can, the same as HTML, so that a
  // word processor keeps the italics) and says so. `what` names it.
  function copy(text, html, what) {
    var done = function () { announce(what + " copied: " + text); };
    var failed = function () { announce("Could not copy. " + what + ": " + text); };
    var plain = function () {
      navigator.clipboard.writeText(text).then(done, function () {
        if (copyBySelection(text)) done(); else failed();
      });
    };
    if (navigator.clipboard && window.isSecureContext) {
      if (html && window.ClipboardItem && navigator.clipboard.write) {
        var item = new ClipboardItem({
          "text/plain": new Blob([text], { type: "text/plain" }),
          "text/html": new Blob([html], { type: "text/html" })
        });
        navigator.clipboard.write([item]).then(done, plain);
      } else {
        plain();
      }
    } else if (copyBySelection(text)) {
      done();
    } else {
      failed();
    }
  }

  // Copies the citation of a paragraph. The one place that decides what a
  // paragraph's button copies.
  function copyCitation(block) {
    var what = (citation ? "Citation of " : "Link to ") + nameOf(block);
    copy(citationOf(block), "", what);
  }

  // The older way to copy, for pages served over plain http.
  function copyBySelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "copy-scratch";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }

  // The cite box's button, hidden in the HTML for readers without script.
  var copyButton = article.querySelector(".copy-citation");
  if (citation && copyButton) {
    copyButton.hidden = false;
    copyButton.addEventListener("click", function () {
      copy(shown, citation.innerHTML, "Citation");
    });
  }

  var icon = '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">' +
    '<rect x="5.5" y="5.5" width="8" height="9" rx="1.5"/><path d="M3.5 10.5h-.5a1.5 1.5 0 0 1-1.5-1.5v-6a1.5 1.5 0 0 1 1.5-1.5h6a1.5 1.5 0 0 1 1.5 1.5v.5"/></svg>';
  Array.prototype.forEach.call(article.querySelectorAll(".text [id] > a.anchor, .note [id] > a.anchor"), function (anchor) {
    var block = anchor.parentElement;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-link";
    button.innerHTML = icon;
    button.setAttribute("aria-label", (citation ? "Copy a citation of " : "Copy link to ") + nameOf(block));
    button.title = citation ? "Copy citation" : "Copy link";
    button.addEventListener("click", function () { copyCitation(block); });
    anchor.after(button);
  });
})();
