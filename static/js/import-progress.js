// The import page while a file is checked or imported: polls the progress URL (data-url) and updates the bar;
// reloads the page when the job has finished or its preview is ready.
(function () {
  var box = document.querySelector("[data-testid=import-progress]");
  if (!box) return;
  var bar = box.querySelector(".progress > div"), percent = box.querySelector("[data-testid=progress-percent]");
  var counts = box.querySelector("[data-testid=progress-counts]"), label = box.querySelector("[data-testid=progress-label]");
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (p) {
        bar.style.width = p.percent + "%";
        percent.textContent = p.percent + " %";
        box.querySelector(".progress").setAttribute("aria-valuenow", p.percent);
        if (p.status === "validating") { counts.textContent = p.validated + " / " + p.total; }
        else if (p.status === "importing") { label.textContent = box.dataset.importingLabel; counts.textContent = p.processed + " / " + p.valid; }
        if (p.finished || p.status === "previewed") { window.location.reload(); return; }
        setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 300);
})();
