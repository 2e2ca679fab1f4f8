// The Transcribe form's uploads (templates/transcripts/transcribe.html):
// - the chosen files listed under the drop zone (name, size, a Remove button; a file over the
//   size limit is marked), again after htmx swapped the form back with errors (the input itself
//   is kept by hx-preserve, so the files stay chosen);
// - before sending: too many files and links (data-batch-limit) or a file over the limit
//   (data-max-bytes on the input) stop the request with a message, so nothing is uploaded in vain;
// - while sending: ONE progress bar for the whole request (every file in it), with the bytes
//   sent and the time left; when the bytes are up, the server checks each file before queueing.
(function () {
  "use strict";
  const FORM = "#transcribe-form";

  function sizeText(bytes) {
    const units = ["bytes", "KB", "MB", "GB", "TB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return unit === 0 ? value + " bytes" : value.toFixed(1) + " " + units[unit];
  }

  function secondsText(seconds) {
    if (seconds < 10) return "a few seconds left";
    if (seconds < 60) return "about " + Math.ceil(seconds / 5) * 5 + " s left";
    return "about " + Math.ceil(seconds / 60) + " min left";
  }

  function parts(form) {
    return {
      input: form.querySelector("input[type=file]"),
      list: form.querySelector("[data-file-list]"),
      summary: form.querySelector("[data-file-summary]"),
      text: form.querySelector("[data-upload-text]"),
      bar: form.querySelector("#upload-progress"),
      links: form.querySelector("textarea[name=urls]"),
      button: form.querySelector("#transcribe-submit"),
    };
  }

  function maxBytes(input) {
    return Number(input && input.dataset.maxBytes) || Infinity;
  }

  function removeFile(input, index) {
    const kept = new DataTransfer();
    Array.from(input.files).forEach(function (file, at) {
      if (at !== index) kept.items.add(file);
    });
    input.files = kept.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function renderFiles(form) {
    const p = parts(form);
    if (!p.input || !p.list) return;
    const files = Array.from(p.input.files || []);
    p.list.replaceChildren();
    p.list.hidden = files.length === 0;
    p.summary.hidden = files.length === 0;
    let total = 0;
    files.forEach(function (file, index) {
      total += file.size;
      const item = document.createElement("li");
      item.className = "file-item";
      const name = document.createElement("span");
      name.className = "file-name";
      name.textContent = file.name;
      const size = document.createElement("span");
      size.className = "file-size";
      size.textContent = sizeText(file.size);
      item.append(name, size);
      if (file.size > maxBytes(p.input)) {
        item.classList.add("is-too-large");
        const note = document.createElement("span");
        note.className = "file-problem";
        note.textContent = "Over " + sizeText(maxBytes(p.input)) + ": remove it";
        item.append(note);
      }
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "file-remove";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", "Remove " + file.name);
      remove.addEventListener("click", function () { removeFile(p.input, index); });
      item.append(remove);
      p.list.append(item);
    });
    p.summary.textContent = files.length === 1
      ? "1 file · " + sizeText(total)
      : files.length + " files · " + sizeText(total);
  }

  function say(form, message, isError) {
    const p = parts(form);
    if (!p.text) return;
    p.text.textContent = message;
    p.text.classList.toggle("is-error", Boolean(isError));
  }

  function linkCount(form) {
    const p = parts(form);
    if (!p.links) return 0;
    return p.links.value.split("\n").filter(function (line) { return line.trim(); }).length;
  }

  // Refuse before uploading what the server would refuse anyway.
  function preflight(form) {
    const p = parts(form);
    const files = Array.from((p.input && p.input.files) || []);
    const limit = Number(form.dataset.batchLimit) || Infinity;
    const count = files.length + linkCount(form);
    if (count > limit) {
      return "That is " + count + " recordings; send up to " + limit + " at a time.";
    }
    const tooLarge = files.filter(function (file) { return file.size > maxBytes(p.input); });
    if (tooLarge.length) {
      return tooLarge.map(function (file) { return file.name; }).join(", ") +
        (tooLarge.length === 1 ? " is" : " are") + " over " + sizeText(maxBytes(p.input)) +
        ": remove " + (tooLarge.length === 1 ? "it" : "them") + " and try again.";
    }
    return "";
  }

  let startedAt = 0;

  document.addEventListener("change", function (event) {
    const form = event.target.closest && event.target.closest(FORM);
    if (form && event.target.matches("input[type=file]")) renderFiles(form);
  });

  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      const zone = event.target.closest && event.target.closest("[data-dropzone]");
      if (zone) zone.classList.add("is-dragover");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      const zone = event.target.closest && event.target.closest("[data-dropzone]");
      if (zone) zone.classList.remove("is-dragover");
    });
  });

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    const form = event.detail.elt;
    if (!form.matches || !form.matches(FORM)) return; // the model select's options request
    const problem = preflight(form);
    if (problem) {
      event.preventDefault();
      say(form, problem, true);
      return;
    }
    const p = parts(form);
    const files = (p.input && p.input.files && p.input.files.length) || 0;
    startedAt = Date.now();
    say(form, files ? "Uploading " + (files === 1 ? "1 file" : files + " files") + "…" : "Checking the links…");
    if (p.button) p.button.textContent = files ? "Uploading…" : "Checking…";
  });

  document.body.addEventListener("htmx:xhr:progress", function (event) {
    const form = event.target.closest && event.target.closest(FORM);
    if (!form || !event.detail.lengthComputable) return;
    const p = parts(form);
    const { loaded, total } = event.detail;
    if (!p.input || !p.input.files || !p.input.files.length) return;
    p.bar.hidden = false;
    p.bar.value = (loaded / total) * 100;
    if (loaded >= total) {
      say(form, "Upload complete — checking each file before it is queued…");
      return;
    }
    const seconds = (Date.now() - startedAt) / 1000;
    const rate = loaded / Math.max(seconds, 0.001);
    let message = "Uploading: " + sizeText(loaded) + " of " + sizeText(total) +
      " (" + Math.floor((loaded / total) * 100) + " %)";
    if (seconds > 2 && rate > 0) message += " · " + secondsText((total - loaded) / rate);
    say(form, message);
  });

  function failed(form, message) {
    const p = parts(form);
    if (p.bar) p.bar.hidden = true;
    if (p.button) p.button.textContent = "Start transcription";
    say(form, message, true);
  }

  document.body.addEventListener("htmx:sendError", function (event) {
    const form = event.detail.elt;
    if (form.matches && form.matches(FORM)) {
      failed(form, "The upload did not get through: check the connection and try again. Your files are still chosen.");
    }
  });

  document.body.addEventListener("htmx:responseError", function (event) {
    const form = event.detail.elt;
    if (!form.matches || !form.matches(FORM)) return;
    const status = event.detail.xhr.status;
    if (status === 413 || status === 400) {
      const reason = status === 413 ? "the upload is larger than this server accepts"
        : "the request was refused (too many files at once?)";
      failed(form, "Nothing was queued: " + reason + ". Your files are still chosen.");
    } else {
      failed(form, "The server had a problem (" + status + "). Check Transcripts before sending " +
        "again; your files are still chosen.");
    }
  });

  // The form came back with errors: the kept file input still holds the files; list them again.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    const form = document.querySelector(FORM);
    if (form && (event.target === form || event.target.contains(form))) renderFiles(form);
  });
})();
