// Find in transcript: highlights every hit in the segments and steps through them (no framework).
//
// Markup (templates/transcripts/_find.html, inside the job page's .player-bar):
//   [data-find] > input[data-find-input]      what to find; prefilled from ?hl= (a search's terms)
//                 [data-find-count]            "3 of 12"
//                 button[data-find-prev|next]  previous / next hit (also Shift+Enter / Enter)
// What it finds: each word typed, or "a quoted phrase", anywhere in a word, any letter case
// (OR, AND, NOT, -excluded words and a trailing * are read as the search page reads them).
// Hits are <mark class="find-hit"> wrapped around text nodes only, so the player's word spans
// (.w[data-start]) stay as they are and a click on a marked word still plays from it.
(function () {
  "use strict";
  const SELECTOR = "#segments .segment-text";
  let hits = [];       // [[mark, mark…], …] one entry per hit, in reading order
  let current = -1;
  let lastValue = null;
  let timer = null;

  function box() { return document.querySelector("[data-find]"); }

  function terms(value) {
    const found = [];
    const pattern = /(-?)"([^"]*)"?|(\S+)/g;
    let match;
    while ((match = pattern.exec(value)) !== null) {
      let term = match[2] !== undefined ? match[2] : match[3];
      if (match[1] || /^(OR|AND|NOT|\|)$/.test(term) || term.charAt(0) === "-") continue;
      term = term.replace(/\*+$/, "").trim();
      if (term && found.indexOf(term.toLowerCase()) < 0) found.push(term.toLowerCase());
    }
    return found;
  }

  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function clear() {
    document.querySelectorAll("mark.find-hit").forEach(function (mark) {
      const parent = mark.parentNode;
      parent.replaceChild(document.createTextNode(mark.textContent), mark);
      parent.normalize();
    });
    hits = [];
  }

  // The [start, end) ranges of every term in text, overlapping ones joined.
  function ranges(text, list) {
    const found = [];
    list.forEach(function (term) {
      const pattern = new RegExp(escapeRegExp(term).replace(/\s+/g, "\\s+"), "giu");
      let match;
      while ((match = pattern.exec(text)) !== null) {
        if (!match[0].length) { pattern.lastIndex++; continue; }
        found.push([match.index, match.index + match[0].length]);
      }
    });
    found.sort(function (a, b) { return a[0] - b[0]; });
    const joined = [];
    found.forEach(function (range) {
      const last = joined[joined.length - 1];
      if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]); else joined.push(range.slice());
    });
    return joined;
  }

  function markBlock(block, list) {
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let text = "";
    while (walker.nextNode()) {
      nodes.push({ node: walker.currentNode, start: text.length });
      text += walker.currentNode.nodeValue;
    }
    const found = ranges(text, list);
    if (!found.length) return;
    const first = hits.length;
    found.forEach(function () { hits.push([]); });
    nodes.forEach(function (item) {
      const length = item.node.nodeValue.length;
      const parts = [];
      found.forEach(function (range, number) {
        const start = Math.max(range[0], item.start);
        const end = Math.min(range[1], item.start + length);
        if (start < end) parts.push([start - item.start, end - item.start, first + number]);
      });
      // Right to left, so the offsets of the parts still to do stay valid.
      const made = [];
      for (let i = parts.length - 1; i >= 0; i--) {
        const part = parts[i];
        const middle = item.node.splitText(part[0]);
        middle.splitText(part[1] - part[0]);
        const mark = document.createElement("mark");
        mark.className = "find-hit";
        middle.parentNode.replaceChild(mark, middle);
        mark.appendChild(middle);
        made.unshift([part[2], mark]);
      }
      made.forEach(function (entry) { hits[entry[0]].push(entry[1]); });
    });
  }

  function show(index, scroll) {
    hits.forEach(function (marks) { marks.forEach(function (mark) { mark.classList.remove("is-current"); }); });
    current = hits.length ? (index + hits.length) % hits.length : -1;
    const element = box();
    const count = element && element.querySelector("[data-find-count]");
    const input = element && element.querySelector("[data-find-input]");
    if (count) {
      if (!input || !input.value.trim()) count.textContent = "";
      else count.textContent = hits.length ? (current + 1) + " of " + hits.length : "No matches";
    }
    if (element) {
      element.querySelectorAll("[data-find-prev], [data-find-next]").forEach(function (button) {
        button.disabled = hits.length < 2;
      });
    }
    if (current < 0) return;
    hits[current].forEach(function (mark) { mark.classList.add("is-current"); });
    if (scroll) hits[current][0].scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function run(value, keepPlace) {
    const before = current;
    clear();
    const list = terms(value);
    if (list.length) document.querySelectorAll(SELECTOR).forEach(function (block) { markBlock(block, list); });
    lastValue = value;
    if (keepPlace && before >= 0 && before < hits.length) { show(before, false); return; }
    // The first hit at or after the moment the page opened at (?t=), else the first.
    const playing = document.querySelector("#segments .segment.is-playing");
    let start = 0;
    if (playing && !keepPlace) {
      const inside = hits.findIndex(function (marks) { return playing.contains(marks[0]); });
      if (inside >= 0) start = inside;
    }
    show(start, false);
  }

  function input() { const element = box(); return element && element.querySelector("[data-find-input]"); }

  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-find-input]")) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      run(event.target.value, false);
      if (hits.length) show(current, true);
    }, 150);
  });

  document.addEventListener("keydown", function (event) {
    if (!event.target.matches("[data-find-input]")) return;
    if (event.key === "Enter") {
      event.preventDefault();
      if (event.target.value !== lastValue) run(event.target.value, false);
      show(current + (event.shiftKey ? -1 : 1), true);
    } else if (event.key === "Escape" && event.target.value) {
      event.preventDefault();
      event.target.value = "";
      run("", false);
    }
  });

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-find-prev], [data-find-next]");
    if (!button || !hits.length) return;
    show(current + (button.hasAttribute("data-find-prev") ? -1 : 1), true);
  });

  function start(event) {
    const field = input();
    if (!field) return;
    // After htmx swapped segments in (a rename, an edit), mark them again and keep the place.
    run(field.value, Boolean(event && event.type === "htmx:afterSettle" && lastValue === field.value));
  }
  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
  if (document.readyState !== "loading") start();
})();
