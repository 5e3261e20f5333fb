/* Live preview for the article editor. The server renders and sanitises the Markdown (the same
   code that stores it) and returns an HTML fragment; this script only posts the form and puts
   that fragment in place. Without this script the "Preview" button does the same. */
(function () {
  "use strict";
  var form = document.getElementById("article-form");
  var region = document.getElementById("preview-region");
  var status = document.getElementById("preview-status");
  if (!form || !region || !window.fetch || !window.FormData) {
    return;
  }
  var url = form.getAttribute("data-preview-url");
  var timer = null;
  var latest = 0;

  function refresh() {
    var ticket = ++latest;
    var data = new FormData(form); // carries the CSRF token from the form
    data.set("action", "preview");
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("preview failed: " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (ticket !== latest) {
          return; // an older answer arriving late
        }
        region.innerHTML = html; // server-sanitised fragment
        if (status) {
          status.textContent = "Preview updated. Nothing is saved until you press “Save draft”.";
        }
      })
      .catch(function () {
        if (status) {
          status.textContent = "The live preview is unavailable. Press “Preview” to see it.";
        }
      });
  }

  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 700);
  });
})();
