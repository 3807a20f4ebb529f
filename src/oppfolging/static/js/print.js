// Print buttons (data-print): a handler here, since the Content Security Policy allows no
// inline onclick.
document.addEventListener("click", function (event) {
  "use strict";
  if (event.target.closest("[data-print]")) { window.print(); }
});
