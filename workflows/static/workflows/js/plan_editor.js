/*
 * The action plan editor: each action's "Priority" list follows the Priorities panel.
 *
 * An action stores the number of its priority. Here each list shows the
 * priorities' titles as they are typed, and an action stays on its priority
 * (not on its number) when priorities are moved or removed: the list remembers
 * which priority form it points at and renumbers from that.
 */
(function () {
  "use strict";

  var SELECT = "select[data-plan-priority-select]";
  var scheduled = false;

  function priorities() {
    var container = document.getElementById("id_priorities-FORMS");
    if (!container) {
      return [];
    }
    var found = [];
    container.querySelectorAll("input[id$='-title'][id^='id_priorities-']").forEach(function (title) {
      var prefix = title.id.slice(3, -"-title".length);
      var deleted = document.getElementById("id_" + prefix + "-DELETE");
      var child = title.closest("[id^='inline_child_']");
      if ((deleted && deleted.value) || (child && child.hidden)) {
        return;
      }
      var order = document.getElementById("id_" + prefix + "-ORDER");
      found.push({
        prefix: prefix,
        title: title.value.trim(),
        order: order && order.value !== "" ? Number(order.value) : found.length + 1000,
      });
    });
    found.sort(function (a, b) {
      return a.order - b.order;
    });
    return found;
  }

  function rebuild() {
    scheduled = false;
    var list = priorities();
    if (!list.length) {
      return;
    }
    document.querySelectorAll(SELECT).forEach(function (select) {
      if (!select.dataset.priorityKey) {
        var current = list[Number(select.value) - 1];
        select.dataset.priorityKey = current ? current.prefix : list[0].prefix;
      }
      var keep = select.dataset.priorityKey;
      var chosen = list.findIndex(function (p) {
        return p.prefix === keep;
      });
      while (select.options.length) {
        select.remove(0);
      }
      list.forEach(function (p, index) {
        var number = index + 1;
        var label = p.title ? number + ". " + p.title : "Priority " + number;
        select.add(new Option(label, String(number), false, index === chosen));
      });
      if (chosen === -1) {
        // Its priority was removed: the editor chooses again before saving.
        select.selectedIndex = 0;
        select.dataset.priorityKey = list[0].prefix;
      }
    });
  }

  function schedule() {
    if (!scheduled) {
      scheduled = true;
      window.requestAnimationFrame(rebuild);
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches(SELECT)) {
      var list = priorities();
      var chosen = list[Number(event.target.value) - 1];
      if (chosen) {
        event.target.dataset.priorityKey = chosen.prefix;
      }
    }
  });
  document.addEventListener("input", function (event) {
    if (event.target.matches("input[id^='id_priorities-'][id$='-title']")) {
      schedule();
    }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches(SELECT)) {
      rebuild();
    }
  });

  function start() {
    var form = document.querySelector("form[data-edit-form]") || document.querySelector("main form");
    if (form) {
      new MutationObserver(function (mutations) {
        // Our own rebuilding of the lists changes the form too: only other changes count.
        var outside = mutations.some(function (m) {
          return !(m.target.matches && (m.target.matches(SELECT) || m.target.closest(SELECT)));
        });
        if (outside) {
          schedule();
        }
      }).observe(form, {
        childList: true,
        subtree: true,
        attributes: true,
        attributeFilter: ["hidden", "class", "style"],
      });
    }
    rebuild();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
