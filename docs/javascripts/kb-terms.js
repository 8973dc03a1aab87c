// Glossary terms in running text (a.kb-term) on touch screens. Material's tooltip opens on hover
// and on focus; a finger has no hover, so the first tap on a term shows its short definition
// (by focusing it) and a second tap on the same term follows the link to its glossary entry.
// Mouse and keyboard are left as they are. Delegated on document: survives instant navigation.
(function () {
  "use strict";
  var tapped = null;
  var wasFocused = false;
  window.addEventListener("pointerdown", function (e) {
    var term = e.pointerType === "touch" && e.target.closest ? e.target.closest("a.kb-term") : null;
    tapped = term;
    wasFocused = !!term && document.activeElement === term;
  }, true);
  // On window, capturing: before Material's instant navigation sees the click.
  window.addEventListener("click", function (e) {
    var term = e.target.closest ? e.target.closest("a.kb-term") : null;
    if (!term || term !== tapped) return;
    tapped = null;
    if (!wasFocused) {
      e.preventDefault();
      e.stopPropagation();
      term.focus();
    }
  }, true);
})();
