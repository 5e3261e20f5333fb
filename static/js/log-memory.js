// The browser remembers the patient's access log: on the access-log page it keeps, in
// localStorage under the log's pseudonym (no name, no health data), the newest link the page
// said it verified (sequence and hash) and the signed checkpoint it was checked against. A later
// view that does not extend that memory (the sequence went back, the same sequence now has
// another hash, or an older checkpoint) shows a warning: the log was rolled back to an older
// copy, or this browser is being shown a different history. The memory is not overwritten then,
// so the evidence stays until the patient has reported it.
(function () {
  "use strict";
  var data = document.getElementById("log-memory");
  var warning = document.getElementById("log-memory-warning");
  if (!data || !warning || !data.dataset.log) {
    return;
  }
  var storage;
  try {
    storage = window.localStorage;
    storage.getItem("rapport-probe"); // throws where storage is blocked
  } catch (error) {
    return;
  }
  var key = "rapport.access-log." + data.dataset.log;
  var now = {
    sequence: parseInt(data.dataset.sequence, 10),
    hash: data.dataset.hash || "",
    checkpoint: parseInt(data.dataset.checkpoint, 10) || 0
  };
  if (isNaN(now.sequence)) {
    return;
  }

  var seen = null;
  try {
    seen = JSON.parse(storage.getItem(key));
  } catch (error) {
    seen = null;
  }
  var valid = seen && typeof seen.sequence === "number" && typeof seen.hash === "string" &&
    typeof seen.checkpoint === "number";

  function short(hash) {
    return hash.slice(0, 8);
  }

  // The sentences come translated from the page (data attributes of the warning).
  function say(name, values) {
    return warning.getAttribute("data-" + name).replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  var problems = [];
  if (valid) {
    if (now.sequence < seen.sequence) {
      problems.push(
        say("went-back", { seen: seen.sequence, seen_hash: short(seen.hash), now: now.sequence })
      );
    } else if (now.sequence === seen.sequence && now.hash !== seen.hash) {
      problems.push(
        say("changed", { now: now.sequence, seen_hash: short(seen.hash), now_hash: short(now.hash) })
      );
    }
    if (now.checkpoint < seen.checkpoint) {
      problems.push(
        say("older-checkpoint", {
          seen_checkpoint: seen.checkpoint,
          now_checkpoint: now.checkpoint,
        })
      );
    }
  }

  if (problems.length) {
    document.getElementById("log-memory-detail").textContent = problems.join(" ");
    warning.hidden = false;
    return;
  }
  try {
    storage.setItem(key, JSON.stringify({
      sequence: now.sequence,
      hash: now.hash,
      checkpoint: now.checkpoint
    }));
  } catch (error) {
    // Storage full or blocked: nothing to remember with, nothing to warn about.
  }
})();
