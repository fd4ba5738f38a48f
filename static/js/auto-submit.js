// A <select data-auto-submit> sends its form when changed (the form keeps a
// button for browsers without script).
document.querySelectorAll("select[data-auto-submit]").forEach(function (select) {
  select.addEventListener("change", function () {
    select.form.submit();
  });
});
