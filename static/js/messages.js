// Messages (templates/includes/messages.html): a dismiss button on each; success and info
// messages fade after a while, errors and warnings stay until dismissed. Works for messages that
// arrive later out of band (htmx) too. When a job finishes (the status card's job-finished event)
// the success and info messages about it go.
(function () {
  "use strict";
  const FADE_AFTER_MS = 8000;

  function prepare(root) {
    root.querySelectorAll("[data-message]:not([data-ready])").forEach(function (message) {
      message.dataset.ready = "";
      const close = document.createElement("button");
      close.type = "button";
      close.className = "message-close";
      close.setAttribute("aria-label", "Dismiss");
      close.textContent = "×";
      message.appendChild(close);
      if (message.classList.contains("success") || message.classList.contains("info")) {
        setTimeout(function () { dismiss(message); }, FADE_AFTER_MS);
      }
    });
  }

  function dismiss(message) {
    message.classList.add("is-leaving");
    setTimeout(function () { message.remove(); }, 250);
  }

  document.addEventListener("click", function (event) {
    const close = event.target.closest(".message-close");
    if (close) dismiss(close.closest("[data-message]"));
  });
  // "… is queued." is stale once the job has finished: the page now shows what happened.
  document.body.addEventListener("job-finished", function () {
    document.querySelectorAll("[data-message].success, [data-message].info").forEach(dismiss);
  });
  document.addEventListener("DOMContentLoaded", function () { prepare(document); });
  document.addEventListener("htmx:oobAfterSwap", function () { prepare(document); });
  document.addEventListener("htmx:afterSettle", function () { prepare(document); });
  if (document.readyState !== "loading") prepare(document);
})();
