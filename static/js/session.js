// Idle sign-out warning (WCAG 2.2.1): two minutes before the portal signs someone out for
// inactivity, say so and offer "Stay signed in". When the time is up, reload the page: the
// server signs the person out and says why, so health data does not stay on an unattended
// screen. Without JavaScript nothing shows and the server's idle sign-out works as before.
// A form the person has typed into (marked data-keep-typed) is not lost: instead of reloading,
// the script posts it with "rapport_keep_typed", which the server keeps and never saves
// (keptforms/); after signing in again the same person finds it filled in.
(function () {
  "use strict";
  var box = document.getElementById("idle-warning");
  if (!box) {
    return;
  }
  var idleMs = parseInt(box.getAttribute("data-idle-seconds"), 10) * 1000;
  var warningMs = parseInt(box.getAttribute("data-warning-seconds"), 10) * 1000;
  if (!(idleMs > 0)) {
    return;
  }
  var form = box.querySelector("form");
  var button = box.querySelector("button");
  var warnTimer = null;
  var endTimer = null;
  var lastFocus = null;
  var typedInto = null;

  Array.prototype.forEach.call(document.querySelectorAll("form[data-keep-typed]"), function (f) {
    f.addEventListener("input", function () {
      typedInto = f;
    });
    f.addEventListener("change", function () {
      typedInto = f;
    });
    f.addEventListener("submit", function () {
      typedInto = null;
    });
  });

  function end() {
    if (!typedInto) {
      window.location.reload();
      return;
    }
    var marker = document.createElement("input");
    marker.type = "hidden";
    marker.name = "rapport_keep_typed";
    marker.value = "1";
    typedInto.appendChild(marker);
    // The form's own submit(), not a field named "submit"; no submit event, so no handler.
    HTMLFormElement.prototype.submit.call(typedInto);
  }

  function start() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(warn, idleMs - warningMs);
    // A few seconds past the limit, so the server agrees the session is over.
    endTimer = window.setTimeout(end, idleMs + 5000);
  }

  function warn() {
    lastFocus = document.activeElement;
    var kept = document.getElementById("idle-warning-kept");
    if (kept) {
      // Said only when true: a form was typed into, and it will be posted to be kept.
      kept.hidden = !typedInto;
    }
    box.hidden = false;
    button.focus();
  }

  function stay(event) {
    if (!window.fetch) {
      return; // the form posts and comes back to this page
    }
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "rapport-session" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("not kept");
        }
        box.hidden = true;
        if (lastFocus && lastFocus.focus) {
          lastFocus.focus();
        }
        start();
      })
      .catch(function () {
        form.submit();
      });
  }

  form.addEventListener("submit", stay);
  start();
})();
