// Drop-down groups of the top navigation (<details class="navgroup">): one open at a time, closed by a click
// elsewhere or Escape. Without JavaScript the menus still open and close on their own.
(function () {
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.navgroup"));
  groups.forEach(function (group) {
    group.addEventListener("toggle", function () {
      if (group.open) groups.forEach(function (other) { if (other !== group) other.open = false; });
    });
  });
  document.addEventListener("click", function (event) {
    groups.forEach(function (group) { if (!group.contains(event.target)) group.open = false; });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") groups.forEach(function (group) { group.open = false; });
  });
})();

// The menu button of narrow screens (<button class="navtoggle" aria-controls="mainnav">): opens and closes the
// navigation, keeps aria-expanded in step; Escape closes it and gives the focus back to the button. On wide
// screens the button is not shown and the navigation is always open.
(function () {
  var button = document.querySelector("button.navtoggle");
  var nav = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!nav) return;
  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("open", open);
  }
  button.addEventListener("click", function () { set(button.getAttribute("aria-expanded") !== "true"); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      set(false);
      button.focus();
    }
  });
})();

// The filter form of a list (<details class="filterbox" open>, templates/includes/filterbox.html): on a narrow
// screen it starts closed, so that the first rows of the list are on the first screen, unless a filter is set
// (data-active: it stays open and its summary names the filters); on a wide screen it is always open (the summary
// is hidden). Without JavaScript it stays open and the summary closes it.
(function () {
  var boxes = Array.prototype.slice.call(document.querySelectorAll("details.filterbox"));
  if (!boxes.length) return;
  var narrow = window.matchMedia("(max-width: 800px)");
  function fit() {
    boxes.forEach(function (box) { box.open = !narrow.matches || box.hasAttribute("data-active"); });
  }
  fit();
  boxes.forEach(function (box) { box.classList.add("settled"); });
  if (narrow.addEventListener) narrow.addEventListener("change", fit);
})();
