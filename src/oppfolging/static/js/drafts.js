// Keep what people type in the browser until it is sent, so nothing is lost when a session
// times out or a page is closed by mistake. Fields opt in with data-draft-key.
//
// A device may be shared (a person and their next of kin on one tablet): drafts are kept per
// signed-in user (the <body>'s data-draft-owner), a page shows only its own user's drafts and
// removes anyone else's, and signing out removes every draft on the device (the sign-out
// response also sends Clear-Site-Data for browsers that honour it).
(function () {
  "use strict";
  const root = "oppfolging-draft:";

  function keys() {
    return Object.keys(localStorage).filter(function (key) { return key.startsWith(root); });
  }

  function forget(startingWith) {
    keys().filter(function (key) { return key.startsWith(startingWith); })
      .forEach(function (key) { localStorage.removeItem(key); });
  }

  function restore(field, prefix) {
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
    document.querySelectorAll("form[data-draft-clear]").forEach(function (form) {
      form.addEventListener("submit", function () { forget(root); });
    });
    const owner = document.body.dataset.draftOwner;
    if (!owner) { return; }  // Signed out: no drafts are shown or kept.
    const mine = root + owner + ":";
    // Drafts of anyone else who used this browser are not this user's to see.
    keys().filter(function (key) { return !key.startsWith(mine); })
      .forEach(function (key) { localStorage.removeItem(key); });
    const prefix = mine + location.pathname + ":";
    // A success message means the last form went through: its drafts are no longer needed.
    if (document.querySelector(".message-success")) { forget(prefix); }
    document.querySelectorAll("[data-draft-key]").forEach(function (field) {
      restore(field, prefix);
      field.addEventListener("input", function () {
        localStorage.setItem(prefix + field.dataset.draftKey, field.value);
      });
    });
  });
})();
