// "Show" buttons next to masked personal fields ([data-reveal] inside .reveal[data-url]): an audited POST to the
// reveal URL, then the plain value replaces the masked one.
(function () {
  function csrf() { var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/); return m ? decodeURIComponent(m[1]) : ""; }
  document.querySelectorAll("[data-reveal]").forEach(function (button) {
    button.addEventListener("click", function () {
      var box = button.closest(".reveal");
      var reason = window.prompt(button.dataset.prompt || "", "");
      if (reason === null) { return; }
      var body = new URLSearchParams({reason: reason});
      fetch(box.dataset.url, {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf()}, body: body})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.value !== undefined) { box.firstElementChild.textContent = data.value || "—"; button.remove(); }
          else { button.textContent = data.error || "×"; button.disabled = true; }
        });
    });
  });
})();
