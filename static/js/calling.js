// The calling list stays live (reloaded each minute) without disturbing
// someone typing in one of its forms.
setInterval(function () {
  const active = document.activeElement;
  if (active && active.closest && active.closest("form")) return;
  location.reload();
}, 60000);
