// cchc web: the little the page needs beyond htmx (no build step, works offline).
(function () {
  "use strict";

  // The period chooser reloads the page for the period picked.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // The board's "show more" / "show all": the filters form asks for that many rows (its refresh keeps them).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-show]");
    var show = document.getElementById("board-show");
    if (!link || !show || !window.htmx) { return; }
    event.preventDefault();
    show.value = link.dataset.show;
    htmx.trigger(show.form, "change");
  });

  // Drag-and-drop of files or a zip onto the drop zone: they go into the file field, then are sent.
  var drop = document.getElementById("drop");
  var input = document.getElementById("files");
  // The names chosen, in the page's words (the native control's own text is hidden: it is in the browser's language).
  var chosen = document.getElementById("files-chosen");
  function showChosen() {
    if (!chosen || !input) { return; }
    var names = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
    chosen.textContent = names.length
      ? chosen.dataset.chosen.replace("{count}", names.length).replace("{names}", names.join(", "))
      : chosen.dataset.none;
  }
  if (input) { input.addEventListener("change", showChosen); }

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
      showChosen();
      window.htmx ? htmx.trigger(input.form, "submit") : input.form.submit();
    });
  }
})();
