// Small page behaviours wired by data attributes, so that no template needs inline script or on* handlers
// (the Content-Security-Policy allows scripts from this site's static files only):
//   <select data-autosubmit>                 submits its form when changed (the language switch)
//   <input type=checkbox data-check-all=N>   ticks / unticks every checkbox named N
//   <button data-confirm="question">         asks before the click goes on (submitting a form)
//   <button data-print>                      prints the page
//   <iframe data-autoheight>                 grows to the height of its document once loaded
//   <div class="table-wrap">               a table wider than its box scrolls; while it does, the box takes the
//                                            keyboard focus (tabindex=0) so that it can be scrolled with the arrows
//   <select data-filter-by=NAME>             offers only the options whose data-kinds list the data-kind of the
//                                            option chosen in the form's field NAME (事由 by the target's kind)
(function () {
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }

  each("[data-autosubmit]", function (field) {
    field.addEventListener("change", function () { if (field.form) field.form.submit(); });
  });
  each("[data-check-all]", function (box) {
    box.addEventListener("click", function () {
      each("input[type=checkbox][name='" + box.dataset.checkAll + "']", function (c) { c.checked = box.checked; });
    });
  });
  each("[data-confirm]", function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.dataset.confirm)) { event.preventDefault(); }
    });
  });
  each("[data-print]", function (el) {
    el.addEventListener("click", function () { window.print(); });
  });
  function fit(frame) {
    try { frame.style.height = (frame.contentWindow.document.documentElement.scrollHeight + 20) + "px"; }
    catch (e) { /* a document of another origin keeps its CSS height */ }
  }
  each("iframe[data-autoheight]", function (frame) {
    frame.addEventListener("load", function () { fit(frame); });
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") { fit(frame); }
  });
  function focusableWhenScrolling() {
    each(".table-wrap", function (wrap) {
      if (wrap.dataset.ownTabindex === undefined) { wrap.dataset.ownTabindex = wrap.hasAttribute("tabindex") ? "1" : ""; }
      if (wrap.dataset.ownTabindex) { return; }
      if (wrap.scrollWidth > wrap.clientWidth + 1) { wrap.setAttribute("tabindex", "0"); }
      else { wrap.removeAttribute("tabindex"); }
    });
  }
  focusableWhenScrolling();
  window.addEventListener("resize", focusableWhenScrolling);
  each("select[data-filter-by]", function (select) {
    var source = select.form && select.form.elements[select.dataset.filterBy];
    if (!source || !source.options) { return; }
    function apply() {
      var chosen = source.options[source.selectedIndex];
      var kind = chosen && chosen.dataset.kind ? chosen.dataset.kind : "";
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) { return; }
        var fits = !kind || (" " + (option.dataset.kinds || "") + " ").indexOf(" " + kind + " ") >= 0;
        option.hidden = !fits;
        option.disabled = !fits;
        if (!fits && option.selected) { select.value = ""; }
      });
    }
    source.addEventListener("change", apply);
    apply();
  });
})();
