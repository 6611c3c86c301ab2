// The school box of the application form, enhanced into an ARIA 1.2 combobox
// (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/): a text input that owns a
// listbox popup of schools found by name, URN or postcode. Focus stays in the input;
// aria-activedescendant points at the highlighted option. Keys: Down/Up move (Down
// opens the list), Enter picks, Escape closes, Tab leaves. Picking a school fills
// the hidden URN field; typing again clears it. Without this script the input is a
// plain text box and the server resolves what was typed.
(function () {
  "use strict";

  var MIN_CHARS = 2;
  var DELAY_MS = 200;

  function setup(wrapper) {
    var input = wrapper.querySelector("input");
    var urnInput = document.getElementById(wrapper.getAttribute("data-urn-input"));
    var searchUrl = wrapper.getAttribute("data-search-url");
    if (!input || !urnInput || !searchUrl || !window.fetch) {
      return;
    }
    var listId = input.id + "-listbox";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "combobox__list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Schools found");
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    wrapper.appendChild(list);
    wrapper.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var results = [];
    var active = -1;
    var timer = null;
    var latest = 0;

    function announce(text) {
      status.textContent = text;
    }

    function open() {
      if (!results.length) {
        return;
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
      highlight();
    }

    function highlight() {
      var options = list.querySelectorAll("[role=option]");
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === active ? "true" : "false");
      }
      if (active >= 0 && options[active]) {
        input.setAttribute("aria-activedescendant", options[active].id);
        options[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function describe(school) {
      return [school.town, school.postcode, "URN " + school.urn].filter(Boolean).join(", ");
    }

    function render() {
      list.textContent = "";
      results.forEach(function (school, index) {
        var option = document.createElement("li");
        option.id = listId + "-" + index;
        option.className = "combobox__option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.textContent = school.name;
        var details = document.createElement("small");
        details.textContent = describe(school);
        option.appendChild(name);
        option.appendChild(details);
        // Keep focus in the input when the pointer presses an option.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
        });
        option.addEventListener("click", function () {
          choose(index);
        });
        list.appendChild(option);
      });
    }

    function choose(index) {
      var school = results[index];
      if (!school) {
        return;
      }
      input.value = school.name + " (" + school.urn + ")";
      urnInput.value = String(school.urn);
      close();
      announce(school.name + " chosen.");
    }

    function search() {
      var text = input.value.trim();
      if (text.length < MIN_CHARS) {
        results = [];
        render();
        close();
        return;
      }
      var ticket = ++latest;
      fetch(searchUrl + "?q=" + encodeURIComponent(text), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (ticket !== latest) {
            return; // an answer to an older query
          }
          results = data.results || [];
          active = -1;
          render();
          if (results.length) {
            open();
            announce(
              results.length + (results.length === 1 ? " school" : " schools") +
                " found. Use the up and down arrows to choose, then press Enter."
            );
          } else {
            close();
            announce("No school found. If your school is not listed, type its full name and give its postcode below.");
          }
        })
        .catch(function () {
          announce("");
        });
    }

    input.addEventListener("input", function () {
      urnInput.value = "";
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      var expanded = !list.hidden;
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (!expanded) {
            open();
          }
          if (results.length) {
            active = event.altKey && !expanded ? -1 : (active + 1) % results.length;
            highlight();
          }
          break;
        case "ArrowUp":
          event.preventDefault();
          if (!expanded) {
            open();
          }
          if (results.length) {
            active = active <= 0 ? results.length - 1 : active - 1;
            highlight();
          }
          break;
        case "Enter":
          if (expanded && active >= 0) {
            event.preventDefault(); // pick the school; do not submit the form
            choose(active);
          }
          break;
        case "Escape":
          if (expanded) {
            event.preventDefault();
            close();
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    input.addEventListener("blur", function () {
      close();
    });
  }

  var boxes = document.querySelectorAll("[data-school-combobox]");
  for (var i = 0; i < boxes.length; i++) {
    setup(boxes[i]);
  }
})();
