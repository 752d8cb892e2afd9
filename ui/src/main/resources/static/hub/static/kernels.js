// Filters the module list of the Kernels page as the user types.
(function () {
  "use strict";
  var filter = document.getElementById("module-filter");
  if (!filter) {
    return;
  }
  filter.addEventListener("input", function () {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    document.querySelectorAll("#module-list label").forEach(function (label) {
      var text = label.textContent.toLowerCase();
      label.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
    });
  });
})();
