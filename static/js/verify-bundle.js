// Checks a Rapport access-log proof bundle in this browser: WebCrypto Ed25519 and SHA-256, no
// network call, works from a saved copy of the page. The same spec as verifier/rapport_verify.py
// (see /transparency/). Remembers, in this browser only, the newest head and checkpoint it
// verified, and warns when a later bundle does not continue them.
(function () {
  "use strict";

  const FORMAT = "rapport-access-log-proof/1";
  const GENESIS = "0".repeat(64);
  const LEAF_VERSION = "rapport-access-log-leaf/1";
  const CANONICAL_FIELDS = {
    1: ["patient_id", "sequence", "occurred_at", "actor_id", "actor_role", "actor_name", "action",
      "target", "entry_id", "category", "purpose", "basis", "grant_id", "emergency_id",
      "prev_hash"],
  };
  // Version 2: who acted for the patient (a carer, a parent, an attorney) and how they are named.
  CANONICAL_FIELDS[2] = [...CANONICAL_FIELDS[1], "proxy_access_id", "actor_relationship"];
  const encoder = new TextEncoder();

  function hex(bytes) {
    return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function fromHex(text) {
    if (typeof text !== "string" || !/^([0-9a-f]{2})*$/.test(text)) throw new Error("not hex");
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
    return out;
  }
  function fromBase64(text) {
    const raw = atob(text);
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) { out.set(part, offset); offset += part.length; }
    return out;
  }
  function equal(a, b) {
    return a.length === b.length && a.every((value, i) => value === b[i]);
  }
  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }
  const leafHash = (data) => sha256(concat(new Uint8Array([0]), data));
  const nodeHash = (left, right) => sha256(concat(new Uint8Array([1]), left, right));

  async function rootFromInclusionProof(index, size, leaf, proof) {
    if (!(index >= 0 && index < size)) return null;
    let fn = index, sn = size - 1, digest = leaf;
    for (const sibling of proof) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        digest = await nodeHash(sibling, digest);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        digest = await nodeHash(digest, sibling);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 ? digest : null;
  }

  async function eventHash(event) {
    const fields = CANONICAL_FIELDS[event.hash_version];
    if (!fields || fields.some((name) => !(name in event))) return null;
    const sorted = {};
    for (const name of [...fields].sort()) sorted[name] = event[name];
    return hex(await sha256(encoder.encode(JSON.stringify(sorted))));
  }

  async function keyId(name, publicRaw) {
    const digest = await sha256(concat(encoder.encode(name + "\n"), new Uint8Array([1]), publicRaw));
    return digest.slice(0, 4);
  }
  async function fingerprint(publicRaw) {
    const digest = hex(await sha256(publicRaw)).slice(0, 32);
    return digest.match(/.{4}/g).join(" ");
  }

  async function openNote(note, name, publicRaw) {
    const at = note.lastIndexOf("\n\n");
    if (at <= 0) return null;
    const body = note.slice(0, at + 1);
    const key = await crypto.subtle.importKey("raw", publicRaw, { name: "Ed25519" }, false, ["verify"]);
    const wantedId = await keyId(name, publicRaw);
    for (const line of note.slice(at + 2).split("\n")) {
      if (!line.startsWith("\u2014 ")) continue;
      const [signer, encoded] = line.slice(2).split(" ");
      if (signer !== name || !encoded) continue;
      let raw;
      try { raw = fromBase64(encoded); } catch (error) { continue; }
      if (raw.length !== 68 || !equal(raw.slice(0, 4), wantedId)) continue;
      if (await crypto.subtle.verify({ name: "Ed25519" }, key, raw.slice(4), encoder.encode(body))) {
        return body;
      }
    }
    return null;
  }

  function parseCheckpoint(body) {
    const lines = body.split("\n");
    if (lines.length < 4 || lines[lines.length - 1] !== "" || !/^\d+$/.test(lines[1])) return null;
    let root;
    try { root = fromBase64(lines[2]); } catch (error) { return null; }
    if (root.length !== 32) return null;
    const parsed = { origin: lines[0], size: Number(lines[1]), root: root };
    for (const line of lines.slice(3, -1)) {
      const space = line.indexOf(" ");
      parsed[line.slice(0, space)] = line.slice(space + 1);
    }
    return parsed;
  }

  async function verifyBundle(bundle, wantedFingerprint, remembered) {
    const result = { ok: true, problems: [], notes: [], state: null };
    const fail = (message) => { result.ok = false; result.problems.push(message); return result; };
    if (!bundle || bundle.format !== FORMAT) return fail("this is not a " + FORMAT + " bundle");
    const events = Array.isArray(bundle.events) ? bundle.events : [];

    let previous = GENESIS;
    const hashes = new Map();
    for (let i = 0; i < events.length; i++) {
      const expected = i + 1, event = events[i];
      if (event.sequence !== expected) { fail("link " + expected + ": missing (the next event is " + event.sequence + ")"); break; }
      if (event.prev_hash !== previous) { fail("link " + expected + ": prev_hash does not match the link before"); break; }
      if (await eventHash(event) !== event.hash) { fail("link " + expected + ": its fields were changed after writing"); break; }
      previous = event.hash;
      hashes.set(expected, previous);
    }
    if (result.ok) result.notes.push(events.length + " events chain correctly");

    let publicRaw;
    try { publicRaw = fromBase64(bundle.public_key.base64); } catch (error) { return fail("the bundle has no readable public key"); }
    if (publicRaw.length !== 32) return fail("the bundle has no readable public key");
    if (wantedFingerprint) {
      if ((await fingerprint(publicRaw)).replace(/ /g, "") !== wantedFingerprint.replace(/\s/g, "").toLowerCase()) {
        return fail("the bundle's key is not the key on your handout");
      }
    } else {
      result.notes.push("no fingerprint given: the signature was checked with the key inside the bundle");
    }
    let checkpointState = null;
    if (bundle.checkpoint && bundle.leaf) {
      const body = await openNote(String(bundle.checkpoint.note || ""), String(bundle.origin || ""), publicRaw);
      if (body === null) return fail("the checkpoint's signature does not verify");
      const parsed = parseCheckpoint(body);
      if (parsed === null || parsed.origin !== bundle.origin) return fail("the checkpoint is not a checkpoint of this log");
      const sequence = bundle.leaf.sequence, head = bundle.leaf.head_hash;
      if (!hashes.has(sequence)) {
        const first = result.ok ? hashes.size + 1 : sequence;
        return fail("link " + first + ": the signed checkpoint holds link " + sequence + ", the log now ends before it (log truncated)");
      }
      if (hashes.get(sequence) !== head) return fail("link " + sequence + ": it differs from the signed checkpoint (log rewritten)");
      let proof;
      try { proof = (bundle.inclusion_proof || []).map(fromHex); } catch (error) { return fail("the inclusion proof is not readable"); }
      const data = encoder.encode(LEAF_VERSION + "\n" + bundle.pseudonym + "\n" + sequence + "\n" + head + "\n");
      const root = await rootFromInclusionProof(bundle.leaf.index, parsed.size, await leafHash(data), proof);
      if (root === null || !equal(root, parsed.root)) return fail("your log's head is not in the signed checkpoint's tree");
      result.notes.push("links 1–" + sequence + " are in signed checkpoint " + parsed["rapport-checkpoint"] + " of " + parsed["rapport-time"] + "; " + (events.length - sequence) + " newer link(s) chain on");
      checkpointState = { number: Number(parsed["rapport-checkpoint"]), size: parsed.size, root: hex(parsed.root) };
    } else if (events.length) {
      result.notes.push("your log is not in a signed checkpoint yet (it is too recent)");
    }

    const head = hashes.size;
    if (remembered && result.ok) {
      const seen = remembered.head || {};
      if (seen.sequence && hashes.get(seen.sequence) !== seen.hash) {
        fail("link " + seen.sequence + ": last time your log reached it with another hash, or it is gone now (rolled back or a different history)");
      }
      const old = remembered.checkpoint;
      if (old && old.number && checkpointState === null) {
        fail("last time your log was in a signed checkpoint; now it is not (rolled back)");
      } else if (old && old.number && checkpointState) {
        if (checkpointState.number < old.number || checkpointState.size < old.size) {
          fail("this checkpoint (" + checkpointState.number + ") is older than the one you checked last time (" + old.number + "): rolled back");
        } else if (checkpointState.number === old.number && checkpointState.root !== old.root) {
          fail("checkpoint " + old.number + " has a different root than last time");
        }
      }
    }
    if (result.ok) {
      result.state = {
        head: { sequence: head, hash: hashes.get(head) || GENESIS },
        checkpoint: checkpointState || (remembered && remembered.checkpoint) || null,
      };
    }
    return result;
  }

  // --- the page ------------------------------------------------------------------------------
  const form = document.getElementById("verify-form");
  if (!form) return;
  const output = document.getElementById("verify-result");

  function storageKey(bundle) { return "rapport-access-log:" + String(bundle.pseudonym || ""); }
  function remembered(bundle) {
    try { return JSON.parse(localStorage.getItem(storageKey(bundle)) || "null"); } catch (error) { return null; }
  }

  function show(result) {
    output.replaceChildren();
    const heading = document.createElement("h2");
    heading.textContent = result.ok ? "Verified: your access log is intact" : "Warning: this bundle failed verification";
    output.className = result.ok ? "status-ok" : "error-summary";
    output.setAttribute("role", result.ok ? "status" : "alert");
    output.appendChild(heading);
    const list = document.createElement("ul");
    for (const line of result.problems.concat(result.notes)) {
      const item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    }
    output.appendChild(list);
    output.hidden = false;
    output.focus();
  }

  form.addEventListener("submit", async function (submitted) {
    submitted.preventDefault();
    const file = document.getElementById("bundle-file").files[0];
    const wanted = document.getElementById("key-fingerprint").value.trim();
    if (!file) { show({ ok: false, problems: ["Choose the proof bundle file first."], notes: [] }); return; }
    let bundle;
    try { bundle = JSON.parse(await file.text()); } catch (error) {
      show({ ok: false, problems: ["This file is not a proof bundle (it is not JSON)."], notes: [] });
      return;
    }
    if (!window.crypto || !crypto.subtle) {
      show({ ok: false, problems: ["This browser cannot check signatures here: open the page over https or from a saved copy."], notes: [] });
      return;
    }
    let result;
    try { result = await verifyBundle(bundle, wanted, remembered(bundle)); } catch (error) {
      result = { ok: false, problems: ["The bundle could not be checked: " + error.message], notes: [] };
    }
    if (result.ok && result.state) {
      try { localStorage.setItem(storageKey(bundle), JSON.stringify(result.state)); } catch (error) { /* private mode */ }
    }
    show(result);
  });
})();
