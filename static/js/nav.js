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
