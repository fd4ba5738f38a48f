// Register page: "mark all present" without a round trip, a live count, the
// minutes-late box beside an office L only, and no double submit. The page
// works without this script.
//
// Marks not yet saved are kept in this browser (localStorage, one entry per
// register) from the first change until a page says the register was saved:
// a save that fails because the database is out of reach (Rollcall's "not
// saved" page) loses nothing, and the register opened again fills them in.
(function () {
  const KEPT = "rollcall:unsaved-register:";
  const SENT = "rollcall:register-sent";

  function storage(kind) {
    try { return window[kind]; } catch (e) { return null; }  // storage turned off
  }
  const local = storage("localStorage");
  const session = storage("sessionStorage");

  // The page after a successful save (the teacher's list, or the office's
  // register again) says so: forget what was kept for the register just sent.
  if (document.querySelector(".message.register-saved") && local && session) {
    const sent = session.getItem(SENT);
    if (sent) local.removeItem(KEPT + sent);
    session.removeItem(SENT);
  }

  // Nothing kept outlives the school day on a shared machine.
  if (local) {
    Object.keys(local).filter(function (k) { return k.indexOf(KEPT) === 0; }).forEach(function (k) {
      let at = 0;
      try { at = JSON.parse(local.getItem(k)).at; } catch (e) { at = 0; }
      if (!(Date.now() - at < 12 * 60 * 60 * 1000)) local.removeItem(k);
    });
  }

  const form = document.getElementById("register-form");
  if (!form) return;
  const rows = Array.from(form.querySelectorAll("tr[data-pupil]"));
  const progress = document.getElementById("progress");
  const key = KEPT + form.dataset.register;

  function field(row, prefix) {
    return row.querySelector("[name=" + prefix + row.dataset.pupil + "]");
  }

  function chosen(row) {
    const radio = row.querySelector("input[type=radio]:checked");
    if (radio) return radio.value;
    const select = row.querySelector("select");
    return select ? select.value : "";
  }

  function choose(row, code) {
    const select = row.querySelector("select");
    if (select) { select.value = code; return; }
    row.querySelectorAll("input[type=radio]").forEach(function (radio) { radio.checked = radio.value === code; });
  }

  function late(row) {
    const box = field(row, "late_");
    return box ? box.value : "";
  }

  // What the server's page showed, to tell the teacher's own choices from it.
  const shown = {};
  rows.forEach(function (row) { shown[row.dataset.pupil] = chosen(row) + "|" + late(row); });

  function keep() {
    if (!local) return;
    const marks = {};
    rows.forEach(function (row) {
      const code = chosen(row);
      if (!code || code + "|" + late(row) === shown[row.dataset.pupil]) return;
      const version = field(row, "v_");
      marks[row.dataset.pupil] = { code: code, late: late(row), v: version ? version.value : "0" };
    });
    const reason = document.getElementById("reason");
    try {
      if (Object.keys(marks).length) {
        local.setItem(key, JSON.stringify({ at: Date.now(), marks: marks, reason: reason ? reason.value : "" }));
      } else {
        local.removeItem(key);
      }
    } catch (e) { /* storage full: the form still posts */ }
  }

  function restore() {
    let kept = null;
    try { kept = local && JSON.parse(local.getItem(key) || "null"); } catch (e) { kept = null; }
    if (!kept || !kept.marks) return;
    // A page that shows what was just posted and not saved (a validation
    // error) already carries the teacher's marks: keep them stored as they are.
    if ("notSaved" in form.dataset) return;
    let restored = 0;
    rows.forEach(function (row) {
      const mark = kept.marks[row.dataset.pupil];
      if (!mark || row.classList.contains("locked") || !row.querySelector("input[type=radio], select")) return;
      if (mark.code + "|" + mark.late === shown[row.dataset.pupil]) return;  // saved after all
      choose(row, mark.code);
      const box = field(row, "late_");
      if (box) box.value = mark.late;
      // The version the teacher saw: if someone changed the mark since, the
      // save shows the conflict instead of overwriting it.
      const version = field(row, "v_");
      if (version) version.value = mark.v;
      restored += 1;
    });
    const reason = document.getElementById("reason");
    if (restored && reason && !reason.value && kept.reason) reason.value = kept.reason;
    if (!restored) { local.removeItem(key); return; }
    const note = document.createElement("p");
    note.className = "notice unsaved";
    note.setAttribute("role", "alert");
    const at = new Date(kept.at);
    const time = String(at.getHours()).padStart(2, "0") + ":" + String(at.getMinutes()).padStart(2, "0");
    note.textContent = restored + " mark" + (restored > 1 ? "s" : "") + " you chose at " + time +
      " were not saved. They are filled in again below: check them and press Save register.";
    form.parentNode.insertBefore(note, form);
  }

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
      keep();
    });
  }
  form.addEventListener("change", function () { showMinutes(); update(); keep(); });
  form.addEventListener("input", keep);
  form.addEventListener("submit", function (event) {
    const save = document.getElementById("save");
    if (event.submitter === save) {
      if (save.dataset.sent) { event.preventDefault(); return; }
      save.dataset.sent = "1";
      save.textContent = "Saving…";
      keep();
      if (session) session.setItem(SENT, form.dataset.register);
    }
  });
  restore();
  showMinutes();
  update();
})();
