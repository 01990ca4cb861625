// Moderation pages: keyboard navigation of the queue, selection count, reason templates.
// Progressive enhancement only: every action works with plain forms and links.
(function () {
  "use strict";

  // Picking a reason template copies its text into the reason box, where it can be edited.
  document.querySelectorAll("select[data-reason-target]").forEach(function (select) {
    var target = document.getElementById(select.getAttribute("data-reason-target"));
    if (!target) return;
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      if (option && option.value) {
        target.value = option.textContent.trim();
        target.focus();
      }
    });
  });

  var form = document.querySelector("form[data-queue]");
  if (!form) return;
  var items = Array.prototype.slice.call(form.querySelectorAll("[data-queue-item]"));
  var counter = form.querySelector("[data-selected-count]");
  var selectAll = form.querySelector("input[data-select-all]");
  var boxes = function () { return form.querySelectorAll('input[name="statements"]'); };

  function updateCount() {
    var all = boxes();
    var n = 0;
    all.forEach(function (b) { if (b.checked) n += 1; });
    if (counter) counter.textContent = n ? n + " / " + all.length : "";
    if (selectAll) {
      selectAll.checked = n > 0 && n === all.length;
      selectAll.indeterminate = n > 0 && n < all.length;
    }
    items.forEach(function (item) {
      var box = item.querySelector('input[name="statements"]');
      item.classList.toggle("is-selected", !!(box && box.checked));
    });
  }
  form.addEventListener("change", updateCount);
  updateCount();

  // j/k move between items, x selects, o opens the review, a selects all on the page.
  var current = -1;
  function focusItem(index) {
    if (!items.length) return;
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach(function (item, i) { item.classList.toggle("is-current", i === current); });
    items[current].focus({ preventScroll: false });
    items[current].scrollIntoView({ block: "nearest" });
  }
  items.forEach(function (item, i) {
    item.addEventListener("focusin", function () {
      current = i;
      items.forEach(function (other, j) { other.classList.toggle("is-current", j === i); });
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" && event.target.type !== "checkbox") return;
    if (tag === "textarea" || tag === "select" || event.target.isContentEditable) return;
    var key = event.key;
    if (key === "j") { focusItem(current + 1); event.preventDefault(); }
    else if (key === "k") { focusItem(current - 1); event.preventDefault(); }
    else if (key === "x" && current >= 0) {
      var box = items[current].querySelector('input[name="statements"]');
      if (box) { box.checked = !box.checked; updateCount(); }
      event.preventDefault();
    } else if (key === "o" && current >= 0) {
      var link = items[current].querySelector("a[data-review]");
      if (link) window.location.href = link.href;
    } else if (key === "a" && selectAll) {
      selectAll.checked = !selectAll.checked;
      boxes().forEach(function (b) { b.checked = selectAll.checked; });
      updateCount();
      event.preventDefault();
    }
  });
})();
