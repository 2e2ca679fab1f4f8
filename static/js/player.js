// Read along: the transcript page's player and its transcript (no framework).
//
// Markup it works with (templates/transcripts/_transcript.html):
//   <audio data-player data-start="83.5">           the recording; data-start from ?t=
//   <select data-playback-rate>                      playback speed
//   <button data-follow hidden>                      "Follow along" after the reader scrolled away
//   [data-seek="12.3"] / .w[data-start]              timestamps and words: click to play from there
//   .segment[data-start][data-end]                   segments (highlighted when no word timings)
// Keyboard: space plays/pauses, ←/→ skip 5 s (never while typing in a field).
(function () {
  "use strict";
  const SKIP_SECONDS = 5;
  let audio = null;
  let cues = [];          // [{start, end, el, segment}] sorted by start: words, else segments
  let current = null;
  let following = true;
  let programmaticScrollUntil = 0;

  function player() {
    const found = document.querySelector("audio[data-player]");
    if (found !== audio) {
      audio = found;
      if (audio) attach(audio);
    }
    return audio;
  }

  function index() {
    cues = [];
    document.querySelectorAll(".segment[data-start]").forEach(function (segment) {
      const words = segment.querySelectorAll(".w[data-start]");
      const items = words.length ? words : [segment];
      items.forEach(function (el) {
        const start = parseFloat(el.dataset.start);
        const end = parseFloat(el.dataset.end);
        if (!isNaN(start)) cues.push({ start: start, end: isNaN(end) ? start : end, el: el, segment: segment });
      });
    });
    cues.sort(function (a, b) { return a.start - b.start; });
    current = null;
    highlight();
  }

  function cueAt(time) {
    let low = 0, high = cues.length - 1, found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (cues[middle].start <= time + 0.01) { found = middle; low = middle + 1; } else { high = middle - 1; }
    }
    if (found < 0) return null;
    const cue = cues[found];
    // Between two words the last one stays lit; after a segment's end nothing is.
    const segmentEnd = parseFloat(cue.segment.dataset.end);
    return !isNaN(segmentEnd) && time > segmentEnd + 0.5 ? null : cue;
  }

  function highlight() {
    if (!audio) return;
    const cue = cueAt(audio.currentTime);
    if (cue === current) return;
    if (current) {
      current.el.classList.remove("is-current");
      current.segment.classList.remove("is-playing");
    }
    current = cue;
    if (!cue) return;
    cue.el.classList.add("is-current");
    cue.segment.classList.add("is-playing");
    if (following && !audio.paused) keepInView(cue.segment);
  }

  function keepInView(element) {
    const box = element.getBoundingClientRect();
    const margin = window.innerHeight * 0.2;
    if (box.top >= margin && box.bottom <= window.innerHeight - margin) return;
    programmaticScrollUntil = Date.now() + 800;
    element.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function setFollowing(value) {
    following = value;
    const button = document.querySelector("[data-follow]");
    if (button) button.hidden = value;
    if (value && current) keepInView(current.segment);
  }

  function seek(seconds, play) {
    if (!player() || isNaN(seconds)) return;
    audio.currentTime = Math.max(0, seconds);
    setFollowing(true);
    if (play) audio.play().catch(function () {});
    highlight();
  }

  function attach(element) {
    element.addEventListener("timeupdate", highlight);
    element.addEventListener("seeked", highlight);
    element.addEventListener("play", function () {
      (function frame() {
        highlight();
        if (!element.paused) window.requestAnimationFrame(frame);
      })();
    });
    const start = parseFloat(element.dataset.start);
    if (!isNaN(start)) {
      const apply = function () { element.currentTime = start; highlight(); };
      if (element.readyState >= 1) apply(); else element.addEventListener("loadedmetadata", apply, { once: true });
    }
  }

  function typing(target) {
    return target.closest("input, textarea, select, button, [contenteditable], a") !== null;
  }

  document.addEventListener("click", function (event) {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const target = event.target.closest("[data-seek], .w[data-start]");
    if (!target || !player()) return;
    if (window.getSelection && String(window.getSelection()).length > 0) return; // selecting text
    event.preventDefault();
    seek(parseFloat(target.dataset.seek || target.dataset.start), true);
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-follow]")) setFollowing(true);
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-playback-rate]") && player()) {
      audio.playbackRate = parseFloat(event.target.value) || 1;
    }
  });

  document.addEventListener("keydown", function (event) {
    if (!player() || event.metaKey || event.ctrlKey || event.altKey || typing(event.target)) return;
    if (event.key === " " || event.key === "Spacebar") {
      event.preventDefault();
      if (audio.paused) audio.play().catch(function () {}); else audio.pause();
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      event.preventDefault();
      seek(audio.currentTime + (event.key === "ArrowLeft" ? -SKIP_SECONDS : SKIP_SECONDS), false);
    }
  });

  // The reader scrolled away on purpose: stop following until they ask again.
  ["wheel", "touchmove"].forEach(function (name) {
    window.addEventListener(name, function () {
      if (Date.now() > programmaticScrollUntil && audio && !audio.paused) setFollowing(false);
    }, { passive: true });
  });

  function start() {
    player();
    index();
  }
  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
  if (document.readyState !== "loading") start();
})();
