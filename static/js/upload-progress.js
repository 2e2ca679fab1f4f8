// Upload progress for large files on the Transcribe page: htmx reports XHR progress on the form,
// shown in its <progress id="upload-progress">.
document.body.addEventListener("htmx:xhr:progress", function (event) {
  const bar = document.getElementById("upload-progress");
  if (bar && event.detail.lengthComputable) {
    bar.hidden = false;
    bar.value = (event.detail.loaded / event.detail.total) * 100;
  }
});
