// Controls marked data-submit-on-change (e.g. the team filter on Settings → Usage) submit their form
// as soon as they change; a <noscript> button does it without JavaScript.
document.addEventListener("change", function (event) {
  const control = event.target.closest("[data-submit-on-change]");
  if (control && control.form) control.form.requestSubmit();
});
