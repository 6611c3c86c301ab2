// Move focus to the error summary when the form comes back with errors, so a
// screen reader announces it and keyboard users start at the list of problems.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
