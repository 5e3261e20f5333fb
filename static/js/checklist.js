// The tools checklist at the first visit: each "Explained" / "Declined" / "Clear" saves without
// reloading the page. Without JavaScript (or if this fails) the forms post and the page reloads,
// which does the same. No inline script: this file is loaded under the strict CSP.
(function () {
  "use strict";
  var status = document.getElementById("checklist-status");
  var missing = document.getElementById("completion-missing");

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function submitNormally(form, submitter) {
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = submitter.name;
    field.value = submitter.value;
    form.appendChild(field);
    form.submit();
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("checklist-actions") || !window.fetch) {
      return;
    }
    var submitter = event.submitter;
    if (!submitter || !submitter.name) {
      return;
    }
    event.preventDefault();
    var data = new FormData(form);
    data.append(submitter.name, submitter.value);
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) {
      button.disabled = true;
    });
    say("Saving…");
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "rapport-checklist", Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        if (!answer.ok) {
          buttons.forEach(function (button) {
            button.disabled = false;
          });
          say(answer.body.error || "That was not saved. Please try again.");
          return;
        }
        var row = document.getElementById("checklist-" + answer.body.item);
        if (row) {
          row.outerHTML = answer.body.row;
          var focusTarget = document.querySelector(
            "#checklist-" + answer.body.item + " button[value='" + submitter.value + "']"
          ) || document.querySelector("#checklist-" + answer.body.item + " button");
          if (focusTarget) {
            focusTarget.focus();
          }
        }
        if (missing) {
          missing.innerHTML = answer.body.missing;
        }
        say(answer.body.status);
      })
      .catch(function () {
        submitNormally(form, submitter);
      });
  }

  document.addEventListener("submit", onSubmit);
})();
