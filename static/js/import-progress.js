// The import of earlier marks runs in the worker: ask how far it has got
// every second, and show the result when it is done.
(function () {
  var section = document.getElementById("marks-import");
  if (!section) return;
  var bar = section.querySelector("[data-import-progress]");
  var message = section.querySelector("[data-import-message]");
  var errors = section.querySelector("[data-import-errors]");

  function show(status) {
    if (status.total) {
      bar.max = status.total;
      bar.value = status.done;
    }
    if (status.state === "running") {
      message.textContent = status.done.toLocaleString() + " of " + status.total.toLocaleString() + " marks written";
      return false;
    }
    if (status.state === "queued") return false;
    bar.value = bar.max;
    if (status.state === "done" && status.ok) {
      message.textContent = "Imported " + status.imported.toLocaleString() + " marks.";
    } else {
      message.textContent = "The file was not imported. Nothing has changed.";
      errors.replaceChildren();
      (status.errors || []).forEach(function (line) {
        var item = document.createElement("li");
        item.textContent = line;
        errors.appendChild(item);
      });
    }
    return true;
  }

  function poll() {
    fetch(section.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (status) { if (!show(status)) setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 1000); });
  }
  if (!errors.children.length && !/Imported/.test(message.textContent)) poll();
})();
