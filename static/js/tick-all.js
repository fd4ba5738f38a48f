// A checkbox with data-tick-all ticks or clears every row of its table (the
// head's queue: many rows decided at once). Without script, tick each row.
document.querySelectorAll("input[data-tick-all]").forEach(function (all) {
  all.addEventListener("change", function () {
    all
      .closest("table")
      .querySelectorAll('tbody input[type="checkbox"][name="row"]')
      .forEach(function (box) {
        box.checked = all.checked;
      });
  });
});
