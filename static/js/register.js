// Register page: "mark all present" without a round trip, a live count, the
// minutes-late box beside an office L only, and no double submit. The page
// works without this script.
(function () {
  const form = document.getElementById("register-form");
  if (!form) return;
  const rows = Array.from(form.querySelectorAll("tr[data-pupil]"));
  const progress = document.getElementById("progress");

  function update() {
    if (!progress) return;
    const marked = rows.filter((r) => r.querySelector("input[type=radio]:checked, select option:checked:not([value=''])") || r.classList.contains("locked")).length;
    progress.textContent = marked + " of " + rows.length + " marked";
  }

  function showMinutes() {
    rows.forEach(function (row) {
      const select = row.querySelector("select");
      const minutes = row.querySelector(".late-minutes");
      if (select && minutes) minutes.hidden = select.value !== "L";
    });
  }

  const allPresent = document.getElementById("all-present");
  if (allPresent) {
    allPresent.addEventListener("click", function (event) {
      event.preventDefault();
      rows.forEach(function (row) {
        const radios = row.querySelectorAll("input[type=radio]");
        if (radios.length && !row.querySelector("input[type=radio]:checked")) radios[0].checked = true;
        const select = row.querySelector("select");
        // A register nobody took: its N's say only that, so they become present too.
        if (select && (!select.value || "heldBack" in row.dataset)) select.value = form.dataset.present;
      });
      showMinutes();
      update();
    });
  }
  form.addEventListener("change", function () { showMinutes(); update(); });
  form.addEventListener("submit", function (event) {
    const save = document.getElementById("save");
    if (event.submitter === save) {
      if (save.dataset.sent) { event.preventDefault(); return; }
      save.dataset.sent = "1";
      save.textContent = "Saving…";
    }
  });
  showMinutes();
  update();
})();
