// Copy buttons. <button data-copy="#input-id"> copies that input's (or element's) text;
// <button data-copy-text="…"> copies the text itself (a link to a moment, resolved against this
// page's address when it starts with "?"). The button says "Copied" where screen readers hear it.
// Used for invite links, new API tokens, links to moments and a whole transcript.
(function () {
  function write(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    const scratch = document.createElement("textarea");
    scratch.value = text;
    scratch.setAttribute("readonly", "");
    scratch.className = "visually-hidden";
    document.body.appendChild(scratch);
    scratch.select();
    document.execCommand("copy");
    scratch.remove();
    return Promise.resolve();
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy], [data-copy-text]");
    if (!button) return;
    event.preventDefault();
    let text = button.dataset.copyText;
    if (text === undefined) {
      const source = document.querySelector(button.dataset.copy);
      if (!source) return;
      text = "value" in source ? source.value : source.textContent;
      if (source.select) source.select();
    } else if (text.startsWith("?")) {
      text = window.location.origin + window.location.pathname + text;
    }
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    write(text).then(function () {
      button.textContent = "Copied";
      button.setAttribute("aria-live", "polite");
      setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
})();
