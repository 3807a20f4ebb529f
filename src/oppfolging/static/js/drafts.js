// Keep what people type in the browser until it is sent, so nothing is lost when a session
// times out or a page is closed by mistake. Fields opt in with data-draft-key.
(function () {
  "use strict";
  const prefix = "oppfolging-draft:" + location.pathname + ":";

  function forgetAll() {
    Object.keys(localStorage)
      .filter(function (key) { return key.startsWith(prefix); })
      .forEach(function (key) { localStorage.removeItem(key); });
  }

  function restore(field) {
    const saved = localStorage.getItem(prefix + field.dataset.draftKey);
    if (!saved || field.value) { return; }
    field.value = saved;
    const note = document.createElement("p");
    note.className = "draft-note";
    note.setAttribute("role", "status");
    note.textContent = document.documentElement.lang === "en"
      ? "We kept what you wrote last time. It has not been sent yet."
      : "Vi tok vare på det du skrev sist. Det er ikke sendt ennå.";
    field.insertAdjacentElement("afterend", note);
  }

  document.addEventListener("DOMContentLoaded", function () {
    // A success message means the last form went through: its drafts are no longer needed.
    if (document.querySelector(".message-success")) { forgetAll(); }
    document.querySelectorAll("[data-draft-key]").forEach(function (field) {
      restore(field);
      field.addEventListener("input", function () {
        localStorage.setItem(prefix + field.dataset.draftKey, field.value);
      });
    });
  });
})();
