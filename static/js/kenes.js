// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  // Vote without a page reload; the form still posts normally without JS.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.vote-form[data-api]")) return;
    var button = event.submitter;
    if (!button || !button.value) return;
    event.preventDefault();
    // form.submit() sends no submitter: carry the chosen value in a hidden field.
    var fallback = function () {
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = button.name;
      field.value = button.value;
      form.appendChild(field);
      form.submit();
    };
    fetch(form.getAttribute("data-api"), {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify({ value: button.value })
    }).then(function (response) {
      if (!response.ok) { fallback(); return null; }
      return response.json();
    }).then(function (data) {
      if (!data) return;
      var counts = data.votes || null;
      form.querySelectorAll("button.vote-button").forEach(function (b) {
        b.setAttribute("aria-pressed", b.value === data.value ? "true" : "false");
        if (counts && b.querySelector(".count")) {
          b.querySelector(".count").textContent = counts[b.value];
        }
      });
      // Redraw the agree / disagree / pass bar of this statement, if it has one.
      var block = form.closest(".vote-block");
      var bar = block ? block.querySelector("svg[data-vote-bar]") : null;
      if (bar && counts) {
        var total = (counts.agree || 0) + (counts.disagree || 0) + (counts.pass || 0);
        var x = 0;
        ["agree", "disagree", "pass"].forEach(function (part) {
          var rect = bar.querySelector('rect[data-part="' + part + '"]');
          var width = total ? 100 * (counts[part] || 0) / total : 0;
          if (rect) { rect.setAttribute("x", x.toFixed(2)); rect.setAttribute("width", width.toFixed(2)); }
          x += width;
        });
      }
      var status = form.querySelector(".vote-status");
      if (status) status.textContent = form.getAttribute("data-saved") || "Saved";
    }).catch(fallback);
  });

  // Character counters for textareas with a maxlength.
  document.querySelectorAll("textarea[maxlength]").forEach(function (area) {
    var counter = document.createElement("p");
    counter.className = "help";
    counter.setAttribute("aria-live", "polite");
    var update = function () { counter.textContent = area.value.length + " / " + area.getAttribute("maxlength"); };
    area.insertAdjacentElement("afterend", counter);
    area.addEventListener("input", update);
    update();
  });

  // Select-all checkboxes for bulk actions (moderation queue).
  document.querySelectorAll("input[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll('input[name="' + box.getAttribute("data-select-all") + '"]').forEach(function (item) {
        item.checked = box.checked;
      });
    });
  });
})();

// Moderation: similar statements while writing. Textareas with data-similar-url ask the API
// which visible statements already say much the same, so people can vote instead of repeating.
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-similar-url]").forEach(function (area) {
    var box = document.createElement("div");
    box.className = "similar-box";
    box.setAttribute("aria-live", "polite");
    box.hidden = true;
    area.insertAdjacentElement("afterend", box);
    var timer = null;
    var last = "";
    function show(items) {
      box.textContent = "";
      if (!items || !items.length) { box.hidden = true; return; }
      var title = document.createElement("p");
      title.className = "similar-title";
      title.textContent = area.getAttribute("data-similar-title") || "Similar statements:";
      var list = document.createElement("ul");
      items.forEach(function (item) {
        var entry = document.createElement("li");
        var link = document.createElement("a");
        link.href = item.url;
        link.textContent = "#" + item.id;
        entry.appendChild(link);
        entry.appendChild(document.createTextNode(" " + item.text));
        list.appendChild(entry);
      });
      box.appendChild(title);
      box.appendChild(list);
      box.hidden = false;
    }
    function check() {
      var text = area.value.trim();
      if (text.length < 15) { last = ""; show([]); return; }
      if (text === last) return;
      last = text;
      var url = area.getAttribute("data-similar-url") + "?limit=3&text=" + encodeURIComponent(text.slice(0, 2000));
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { show(data && data.items); })
        .catch(function () { show([]); });
    }
    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 500);
    });
  });

  // The thread page shows the strongest replies first; "Show N more replies" loads the rest in
  // place (the statement's own page without JavaScript: /statements/<id>/branch).
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-thread-expand], a[data-thread-next]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    var url = link.getAttribute("href");
    if (url.indexOf("fragment=1") < 0) url += (url.indexOf("?") < 0 ? "?" : "&") + "fragment=1";
    link.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { window.location.href = link.href; return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var list = holder.querySelector("ol.thread");
        if (!list) return;
        if (link.hasAttribute("data-thread-next")) {
          var entry = link.closest("li");
          while (list.firstElementChild) entry.parentNode.insertBefore(list.firstElementChild, entry);
          entry.remove();
          return;
        }
        var item = link.closest("li.thread-item");
        var shown = item ? item.querySelector(":scope > details.branch > ol.thread, :scope > ol.thread") : null;
        if (shown) shown.replaceWith(list); else link.parentNode.parentNode.insertBefore(list, link.parentNode);
        link.parentNode.remove();
      })
      .catch(function () { window.location.href = link.href; });
  });
})();

// Folded sections and branches (details/summary): a link to one, or to something inside one, opens it,
// and printing opens them all (closed again afterwards).
(function () {
  "use strict";
  var openAround = function () {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && !node.open) node.open = true;
    }
    // A link to a folded section (its id is on the section around the fold) opens the fold.
    var fold = target ? target.querySelector(":scope > details") : null;
    if (fold && !fold.open) fold.open = true;
    if (target) target.scrollIntoView();
  };
  window.addEventListener("hashchange", openAround);
  if (window.location.hash) openAround();
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      d.open = true;
      d.setAttribute("data-print-opened", "");
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-print-opened]").forEach(function (d) {
      d.open = false;
      d.removeAttribute("data-print-opened");
    });
  });
})();

// Insights on a wide screen: its sections open (a phone keeps the one-screen summary and folds).
// Without script they stay folded; printing opens them all (above).
(function () {
  "use strict";
  if (!window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 960px)");
  var openAll = function () {
    if (!wide.matches) return;
    document.querySelectorAll("details.insights-fold:not([open])").forEach(function (d) {
      d.open = true;
    });
  };
  openAll();
  if (wide.addEventListener) wide.addEventListener("change", openAll);
})();
