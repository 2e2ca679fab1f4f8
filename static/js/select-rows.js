// Row selection for bulk actions (the Transcripts list). In a form:
//   <input type="checkbox" data-select-all="ids">   checks or clears every box named "ids" in it
//   [data-selected-count]                            shows "2 selected" (empty when none)
//   [data-needs-selection]                           buttons disabled while nothing is checked
//   [data-needs-js]                                  shown only when this script runs
// The form gets .is-enhanced (this script runs) and .has-selection (something is checked).
// Without JavaScript the buttons stay enabled and the server asks for a selection instead.
(function () {
  "use strict";

  function boxesOf(form, name) {
    return Array.from(form.querySelectorAll('input[type=checkbox][name="' + name + '"]'));
  }

  function update(form) {
    form.querySelectorAll("[data-select-all]").forEach(function (all) {
      const boxes = boxesOf(form, all.dataset.selectAll);
      const checked = boxes.filter(function (box) { return box.checked; }).length;
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
      all.disabled = boxes.length === 0;
      form.querySelectorAll("[data-selected-count]").forEach(function (count) {
        count.textContent = checked ? checked + " selected" : "";
      });
      form.querySelectorAll("[data-needs-selection]").forEach(function (button) {
        button.disabled = checked === 0;
      });
      form.classList.toggle("has-selection", checked > 0);
      form.classList.add("is-enhanced");
    });
  }

  function prepare(root) {
    root.querySelectorAll("[data-needs-js]").forEach(function (el) { el.hidden = false; });
    document.querySelectorAll("form:has([data-select-all])").forEach(update);
  }

  document.addEventListener("change", function (event) {
    const form = event.target.form;
    if (!form) return;
    const all = event.target.closest("[data-select-all]");
    if (all) {
      boxesOf(form, all.dataset.selectAll).forEach(function (box) { box.checked = all.checked; });
    }
    if (form.querySelector("[data-select-all]")) update(form);
  });
  // New rows (a filter, a page, a live refresh, a bulk action) bring their own boxes.
  document.addEventListener("htmx:afterSettle", function () { prepare(document); });
  document.addEventListener("htmx:historyRestore", function () { prepare(document); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { prepare(document); });
  } else {
    prepare(document);
  }
})();
