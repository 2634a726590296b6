// cchc web: the little the page needs beyond htmx (no build step, works offline).
(function () {
  "use strict";

  // The period chooser reloads the page for the period picked.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Drag-and-drop of files or a zip onto the drop zone: they go into the file field, then are sent.
  var drop = document.getElementById("drop");
  var input = document.getElementById("files");
  if (drop && input) {
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (event) {
      if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
      input.files = event.dataTransfer.files;
      window.htmx ? htmx.trigger(input.form, "submit") : input.form.submit();
    });
  }
})();
