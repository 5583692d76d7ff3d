// The public report page: choosing a situation in the hotline guide fills in the category and the hotline of the
// form below and scrolls to it (works without JavaScript too: the links carry ?category=).
(function () {
  document.querySelectorAll("[data-testid=hotline-guide] a").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      var form = document.querySelector("[data-testid=report-form]");
      form.querySelector("select[name=category]").value = a.dataset.category;
      var radio = form.querySelector("input[name=hotline][value='" + a.dataset.hotline + "']");
      if (radio) { radio.checked = true; }
      document.querySelectorAll("[data-testid=hotline-guide] a").forEach(function (b) { b.classList.toggle("selected", b === a); });
      document.getElementById("report-form").scrollIntoView();
    });
  });
})();
