// Live regions: ONE polling request per interval for a whole page, only while something shown is
// active, slower for long jobs, none at all once nothing is active.
//
// The server marks the page's one live region (the first [data-live] element) and renders, while
// a job it shows is active:
//   hx-get="…" hx-trigger="live-tick" hx-swap="outerHTML"   what to fetch, and where it goes
//   data-live-active                                         something is active: keep polling
//   data-live-since / data-live-now                          the newest active job's creation and
//                                                            the server's clock (epoch seconds)
//   data-live-status                                         shown in the tab title: "(45%) …"
// This script fires "live-tick" on it when the next poll is due; htmx does the request and the
// swap, and the new region carries the next state. The interval is the job's age / 30, kept
// between 2 s and 10 s (2 s in the first minute, 4 s at two minutes, 10 s from five minutes on);
// at least 10 s while the tab is hidden; doubled per failed request (up to a minute); a 4xx or an
// answer that was redirected (signed out) stops polling. The next poll is scheduled only when the
// previous answer is in, so requests never pile up. A refresh keeps the rows a person checked.
(function () {
  "use strict";
  if (window.liveRegions) return; // loaded by the page and by a fragment: run once
  const MIN_SECONDS = 2;
  const MAX_SECONDS = 10;
  const AGE_PER_SECOND = 30; // interval = age / 30
  const HIDDEN_SECONDS = 10;
  const MAX_ERROR_SECONDS = 60;
  const TIMEOUT_MS = 15000;

  let timer = null;
  let due = 0;
  let failures = 0;
  let stopped = false;
  let baseTitle = "";
  let keptSelection = null;

  function region() {
    return document.querySelector("[data-live]");
  }

  function isActive(el) {
    return Boolean(el) && el.hasAttribute("data-live-active") && !stopped;
  }

  function stripStatus(title) {
    return title.replace(/^\([^)]*\) /, "");
  }

  // Seconds since the newest active job was created; Infinity when the server did not say.
  function ageOf(el) {
    const since = Number(el.dataset.liveSince);
    const now = Number(el.dataset.liveNow);
    if (!since || !now) return Infinity;
    if (el.liveSeenAt === undefined) el.liveSeenAt = performance.now();
    return now - since + (performance.now() - el.liveSeenAt) / 1000;
  }

  function intervalSeconds(age) {
    return Math.min(MAX_SECONDS, Math.max(MIN_SECONDS, age / AGE_PER_SECOND));
  }

  function delayFor(el) {
    let seconds = intervalSeconds(ageOf(el));
    if (document.hidden) seconds = Math.max(seconds, HIDDEN_SECONDS);
    if (failures) seconds = Math.min(MAX_ERROR_SECONDS, seconds * 2 ** failures);
    return seconds * 1000;
  }

  function updateTitle(el) {
    let status = el ? el.dataset.liveStatus || "" : "";
    if (el && status && !isActive(el)) {
      // A job that just finished: say so while the tab is in the background, until it is seen.
      if (document.hidden) {
        status = el.dataset.liveStatus;
      } else {
        delete el.dataset.liveStatus;
        status = "";
      }
    }
    if (!baseTitle) baseTitle = stripStatus(document.title);
    document.title = status ? "(" + status + ") " + baseTitle : baseTitle;
  }

  function schedule() {
    clearTimeout(timer);
    timer = null;
    const el = region();
    updateTitle(el);
    if (!isActive(el)) return;
    const delay = delayFor(el);
    due = performance.now() + delay;
    timer = setTimeout(tick, delay);
  }

  function tick() {
    const el = region();
    if (!isActive(el)) return;
    // A watchdog in case no answer ever arrives (htmx also times the request out).
    timer = setTimeout(schedule, TIMEOUT_MS + 1000);
    window.htmx.trigger(el, "live-tick");
  }

  function isLiveRequest(detail) {
    return Boolean(detail && detail.elt && detail.elt.hasAttribute("data-live"));
  }

  // Keep what a person was doing across a refresh of the rows: checked boxes and focus.
  function remember(el) {
    const checked = Array.from(el.querySelectorAll("input[type=checkbox]:checked")).map(function (box) {
      return box.id;
    });
    const focused = el.contains(document.activeElement) ? document.activeElement.id : "";
    return { checked: checked, focused: focused };
  }

  function restore(kept) {
    kept.checked.forEach(function (id) {
      const box = document.getElementById(id);
      if (box) box.checked = true;
    });
    const focused = kept.focused && document.getElementById(kept.focused);
    if (focused) focused.focus({ preventScroll: true });
  }

  function start() {
    baseTitle = stripStatus(document.title);
    schedule();
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    const detail = event.detail;
    keptSelection = null; // only a refresh keeps it, not a filter or a bulk action
    if (!isLiveRequest(detail)) return;
    const asked = new URL(detail.requestConfig.path, location.href).pathname;
    const answered = detail.xhr.responseURL ? new URL(detail.xhr.responseURL).pathname : asked;
    if (answered !== asked) {
      detail.shouldSwap = false; // redirected, e.g. to the login page: never draw that here
      stopped = true;
      return;
    }
    const trigger = detail.requestConfig.triggeringEvent;
    if (detail.shouldSwap && trigger && trigger.type === "live-tick") keptSelection = remember(detail.elt);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const detail = event.detail;
    if (!isLiveRequest(detail)) return;
    const status = detail.xhr ? detail.xhr.status : 0;
    if (detail.successful) {
      failures = 0;
    } else if (status >= 400 && status < 500) {
      stopped = true; // gone or forbidden: asking again will not help
    } else {
      failures += 1;
    }
    schedule();
  });

  document.addEventListener("htmx:load", function (event) {
    const el = region();
    if (!el || !(event.detail.elt === el || event.detail.elt.contains(el))) return;
    if (keptSelection) {
      restore(keptSelection);
      keptSelection = null;
    }
    stopped = false; // a new region (a filter, an action): its own state decides
    schedule();
  });

  document.addEventListener("htmx:historyRestore", start);

  document.addEventListener("visibilitychange", function () {
    const el = region();
    updateTitle(el);
    if (!isActive(el) || !timer) return;
    // Back in view and a poll is overdue by the visible schedule: poll now; else re-plan.
    if (!document.hidden && performance.now() + delayFor(el) < due) {
      clearTimeout(timer);
      tick();
    } else if (document.hidden) {
      schedule();
    }
  });

  window.liveRegions = { intervalSeconds: intervalSeconds, schedule: schedule };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
