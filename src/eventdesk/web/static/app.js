// eventdesk pages: a little progressive enhancement. Pages work without it.
// Loaded from /static (CSP: script-src 'self'); no inline scripts anywhere.
(function () {
  "use strict";

  // Filter forms: leave empty fields out of the URL.
  function tidyForms() {
    document.querySelectorAll("form.filters").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("input, select").forEach(function (field) {
          if (!field.value) { field.disabled = true; }
        });
      });
    });
  }

  // Article page: flash the element a link points at (evidence sentence or event row).
  function flashTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) { return; }
    var target = document.getElementById(id);
    if (!target) { return; }
    document.querySelectorAll(".flash").forEach(function (el) { el.classList.remove("flash"); });
    target.classList.add("flash");
  }

  // Network: hovering a node brings out its links.
  function networkHover() {
    var svg = document.querySelector(".network svg");
    if (!svg) { return; }
    svg.querySelectorAll("[data-node]").forEach(function (node) {
      var id = node.getAttribute("data-node");
      node.addEventListener("mouseenter", function () {
        svg.classList.add("focus");
        svg.querySelectorAll(".edge").forEach(function (edge) {
          var ends = (edge.getAttribute("data-ends") || "").split(" ");
          edge.classList.toggle("on", ends.indexOf(id) >= 0);
        });
      });
      node.addEventListener("mouseleave", function () {
        svg.classList.remove("focus");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tidyForms();
    networkHover();
    flashTarget();
  });
  window.addEventListener("hashchange", flashTarget);
})();
