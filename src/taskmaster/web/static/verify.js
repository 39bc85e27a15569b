// The verify station: keyboard-first review of the fields the machine was unsure of.
// Keys (docs/verify.md): Enter accept + next needing review (submit after the last),
// typing replaces, Tab/Shift+Tab next/previous, Ctrl+J next low-confidence field,
// Space toggles a checkbox field, Ctrl+U unreadable/override, Ctrl+Enter submit,
// Ctrl+R rotate page, Ctrl+Shift+F not this form, Esc restore the machine's value.
"use strict";

(function () {
  const root = document.getElementById("station");
  if (!root) return;
  const batchId = root.dataset.batch;
  const $ = (id) => document.getElementById(id);
  const form = $("fields"), img = $("page-img"), svg = $("zones"), zoom = $("zoom");
  const view = $("page-view"), msg = $("station-msg");
  const PAGE_W = 1600;  // served width of the page picture (zoom uses it as well)
  let docs = [], doc = null, fields = [], cur = -1, pageId = null, busy = false;

  function say(text, bad) { msg.textContent = text || ""; msg.className = bad ? "error" : ""; }

  // ---- data ----------------------------------------------------------------------
  async function load() {
    const res = await api("GET", `/api/v1/verify/batches/${batchId}`);
    if (!res.ok) { say(errorText(res), true); return; }
    docs = res.data.documents;
    if (!docs.length) { nextBatch("Nothing left to verify in this batch."); return; }
    show(0);
  }

  function nextBatch(text) {
    say(text || "Batch verified; taking the next one…");
    window.location.assign("/verify");
  }

  function show(i) {
    doc = docs[i];
    fields = doc.fields.map((f) => ({...f, orig: f.text, accepted: false,
                                     problems: f.status === "invalid" ? invalidMsgs(f) : [],
                                     seq: 0}));
    $("doc-title").textContent = `${doc.type} · ${doc.id}`;
    $("doc-progress").textContent =
      `document ${i + 1} of ${docs.length} to verify · ${fields.filter((f) => f.review).length} field(s) need review`;
    render();
    const first = fields.findIndex((f) => f.review);
    focusField(first >= 0 ? first : 0);
  }

  function invalidMsgs(f) {
    return f.messages.filter((m) => m.startsWith("invalid: ")).map((m) => m.slice(9));
  }

  // ---- rendering -----------------------------------------------------------------
  function render() {
    form.textContent = "";
    let sep = false;
    fields.forEach((f, i) => {
      const box = document.createElement("div");
      box.className = "field" + (f.review ? " review" : "");
      if (!f.review && !sep && i > 0) { box.classList.add("sep"); sep = true; }
      box.dataset.name = f.name;
      const label = document.createElement("label");
      label.htmlFor = "f-" + f.name;
      label.textContent = f.label + (f.required ? " *" : "");
      const conf = document.createElement("span");
      conf.className = "conf";
      conf.textContent = `${f.status.replace("_", " ")} · ${Math.round(f.confidence * 100)}% · ${f.source}`;
      const input = document.createElement("input");
      input.id = "f-" + f.name;
      input.name = f.name;
      input.value = f.text;
      input.dataset.index = i;
      input.setAttribute("aria-describedby", "m-" + f.name);
      if (f.kind === "checkbox") {
        input.setAttribute("aria-roledescription", "checkbox field: Space toggles");
        input.placeholder = f.options.length ? f.options.map((o) => o.value).join(" / ") : "yes / no";
      }
      const m = document.createElement("div");
      m.className = "msg";
      m.id = "m-" + f.name;
      box.append(label, conf, input, m);
      form.append(box);
      input.addEventListener("focus", () => setCurrent(i));
      input.addEventListener("input", () => { f.accepted = false; queueCheck(i); paint(i); });
      paint(i);
    });
    drawZones();
  }

  function paint(i) {
    const f = fields[i], box = form.children[i];
    if (!box) return;
    box.classList.toggle("accepted", f.accepted);
    box.classList.toggle("override", f.override);
    box.classList.toggle("invalid", f.problems.length > 0 && !f.override);
    box.querySelector(".msg").textContent = f.override
      ? "marked unreadable / accepted as is" + (f.problems.length ? ` (${f.problems.join("; ")})` : "")
      : f.problems.join("; ");
    const rect = svg.querySelector(`rect[data-field="${f.name}"]`);
    if (rect) rect.classList.toggle("review", f.review && !f.accepted);
  }

  function drawZones() {
    svg.textContent = "";
    const page = doc.pages.find((p) => p.id === pageId) || doc.pages[0];
    if (!page) return;
    svg.setAttribute("viewBox", `0 0 ${page.width} ${page.height}`);
    svg.setAttribute("preserveAspectRatio", "none");
    fields.forEach((f) => {
      if (!f.bbox || f.page_id !== page.id) return;
      const r = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      const [x0, y0, x1, y1] = f.bbox;
      r.setAttribute("x", x0); r.setAttribute("y", y0);
      r.setAttribute("width", x1 - x0); r.setAttribute("height", y1 - y0);
      r.dataset.field = f.name;
      r.setAttribute("class", "zone" + (f.review && !f.accepted ? " review" : "") +
                     (fields[cur] && fields[cur].name === f.name ? " current" : ""));
      svg.append(r);
    });
  }

  function showPage(id) {
    if (id == null || id === pageId) return;
    pageId = id;
    img.src = `/ui/pages/${id}.jpg?w=${PAGE_W}`;
    drawZones();
  }

  function setCurrent(i) {
    if (cur >= 0 && form.children[cur]) form.children[cur].classList.remove("current");
    cur = i;
    const f = fields[i];
    form.children[i].classList.add("current");
    showPage(f.page_id || (doc.pages[0] && doc.pages[0].id));
    svg.querySelectorAll("rect.current").forEach((r) => r.classList.remove("current"));
    const rect = svg.querySelector(`rect[data-field="${f.name}"]`);
    if (rect) rect.classList.add("current");
    showZoom(f);
  }

  function showZoom(f) {
    zoom.dataset.field = f.name;
    zoom.dataset.bbox = f.bbox ? f.bbox.join(",") : "";
    const page = doc.pages.find((p) => p.id === f.page_id);
    if (!f.bbox || !page) { zoom.style.backgroundImage = "none"; zoom.title = "no zone"; return; }
    const [x0, y0, x1, y1] = f.bbox, pad = 24;
    const bw = x1 - x0 + 2 * pad, bh = y1 - y0 + 2 * pad;
    const W = zoom.clientWidth, H = zoom.clientHeight;
    const s = Math.min(W / bw, H / bh, 2.0);
    zoom.style.backgroundImage = `url("/ui/pages/${page.id}.jpg?w=${PAGE_W}")`;
    zoom.style.backgroundSize = `${page.width * s}px ${page.height * s}px`;
    zoom.style.backgroundPosition =
      `${-(x0 - pad) * s + (W - bw * s) / 2}px ${-(y0 - pad) * s + (H - bh * s) / 2}px`;
    zoom.setAttribute("aria-label", `${f.label}, magnified`);
    // Keep the zone in sight on the page as well.
    const frameH = $("page-frame").clientHeight;
    if (frameH && page.height) {
      const y = (y0 / page.height) * frameH;
      if (y < view.scrollTop + 20 || y > view.scrollTop + view.clientHeight - 60) {
        view.scrollTop = Math.max(0, y - view.clientHeight / 3);
      }
    }
  }

  function focusField(i) {
    if (i < 0 || i >= fields.length) return;
    const input = form.children[i].querySelector("input");
    input.focus();
    input.select();  // typing replaces the value
  }

  // ---- validation while typing ---------------------------------------------------
  const timers = {};
  function queueCheck(i) {
    clearTimeout(timers[i]);
    timers[i] = setTimeout(() => check(i), 150);
  }

  async function check(i) {
    clearTimeout(timers[i]);
    const f = fields[i], seq = ++f.seq;
    const entry = form.children[i].querySelector("input").value;
    const res = await api("POST", `/api/v1/verify/documents/${doc.id}/check`, {field: f.name, entry});
    if (seq !== f.seq || !res.ok) return f.problems;
    f.problems = res.data.problems;
    paint(i);
    return f.problems;
  }

  // ---- actions -------------------------------------------------------------------
  function pending(from) {
    for (let k = 1; k <= fields.length; k++) {
      const j = (from + k) % fields.length;
      if (fields[j].review && !fields[j].accepted) return j;
    }
    return -1;
  }

  async function accept() {
    const i = cur, f = fields[i];
    const problems = await check(i);
    if (problems.length && !f.override) {
      say(`${f.label}: ${problems.join("; ")} — correct it, or Ctrl+U to mark it unreadable`, true);
      return;
    }
    f.accepted = true;
    paint(i);
    say("");
    const next = pending(i);
    if (next < 0) await submit(); else focusField(next);
  }

  function toggleOverride() {
    const f = fields[cur];
    f.override = !f.override;
    say(f.override ? `${f.label}: marked unreadable / accepted as is` : "");
    // Like Enter: move on to the next field needing review, or submit after the last one.
    if (f.override) { f.accepted = true; paint(cur); const n = pending(cur); if (n >= 0) focusField(n); else submit(); }
    else paint(cur);
  }

  function toggleCheckbox() {
    const f = fields[cur], input = form.children[cur].querySelector("input");
    const cycle = f.options.length ? f.options.map((o) => String(o.value)) : ["yes", "no"];
    if (!f.required || f.options.length) cycle.push("");
    const at = cycle.indexOf(input.value);
    input.value = cycle[(at + 1) % cycle.length];
    f.accepted = false;
    queueCheck(cur);
    paint(cur);
  }

  async function submit() {
    if (busy) return;
    const edits = {};
    let firstBad = -1;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i], text = form.children[i].querySelector("input").value;
      if (f.review || text !== f.orig || f.override) {
        edits[f.name] = {value: text, override: f.override, touched: true};
      }
      if (f.problems.length && !f.override && firstBad < 0) firstBad = i;
    }
    if (firstBad >= 0) {
      focusField(firstBad);
      say(`${fields[firstBad].label}: ${fields[firstBad].problems.join("; ")} — Ctrl+U marks it unreadable`, true);
      return;
    }
    busy = true;
    say("Submitting…");
    const res = await api("POST", `/api/v1/verify/documents/${doc.id}/submit`, {fields: edits});
    busy = false;
    if (!res.ok) {
      const bad = (res.data && res.data.error && res.data.error.fields) || {};
      let first = -1;
      fields.forEach((f, i) => {
        if (bad[f.name]) { f.problems = bad[f.name]; f.accepted = false; paint(i); if (first < 0) first = i; }
      });
      say(errorText(res), true);
      if (first >= 0) focusField(first);
      return;
    }
    afterDocument(res.data.batch_released, "Document submitted.");
  }

  function afterDocument(released, text) {
    const i = docs.indexOf(doc);
    docs.splice(i, 1);
    if (released || !docs.length) { nextBatch(text + " Batch verified; taking the next one…"); return; }
    say(text);
    show(Math.min(i, docs.length - 1));
  }

  async function notThisForm() {
    if (!window.confirm("Not this form: reject this document instead of reading it as " + doc.type + "?")) return;
    const res = await api("POST", `/api/v1/verify/documents/${doc.id}/reidentify`);
    if (!res.ok) { say(errorText(res), true); return; }
    afterDocument(res.data.batch_released, "Document rejected (not this form).");
  }

  async function rotate() {
    const res = await api("POST", `/api/v1/verify/pages/${pageId}/rotate`, {quarter_turns: 1});
    if (!res.ok) { say(errorText(res), true); return; }
    nextBatch("Page rotated; the batch is read again and comes back for review if needed.");
  }

  async function releaseBatch() {
    await api("POST", `/api/v1/verify/batches/${batchId}/release`);
    window.location.assign("/");
  }

  document.addEventListener("keydown", (ev) => {
    if (!doc || cur < 0 || busy) return;
    const ctrl = ev.ctrlKey || ev.metaKey, f = fields[cur];
    let handled = true;
    if (ev.key === "Enter" && ctrl) submit();
    else if (ev.key === "Enter" && !ev.shiftKey && !ev.altKey) accept();
    else if (ev.key === "Tab" && !ctrl) focusField((cur + (ev.shiftKey ? fields.length - 1 : 1)) % fields.length);
    else if (ctrl && !ev.shiftKey && (ev.key === "j" || ev.key === "J")) { const n = pending(cur); if (n >= 0) focusField(n); }
    else if (ctrl && !ev.shiftKey && (ev.key === "u" || ev.key === "U")) toggleOverride();
    else if (ctrl && !ev.shiftKey && (ev.key === "r" || ev.key === "R")) rotate();
    else if (ctrl && ev.shiftKey && (ev.key === "f" || ev.key === "F")) notThisForm();
    else if (ev.key === " " && !ctrl && f.kind === "checkbox") toggleCheckbox();
    else if (ev.key === "Escape") {
      const input = form.children[cur].querySelector("input");
      input.value = f.orig; f.accepted = false; queueCheck(cur); paint(cur); input.select();
    } else handled = false;
    if (handled) { ev.preventDefault(); ev.stopPropagation(); }
  }, true);

  $("btn-submit").addEventListener("click", submit);
  $("btn-unreadable").addEventListener("click", () => { toggleOverride(); });
  $("btn-rotate").addEventListener("click", rotate);
  $("btn-notform").addEventListener("click", notThisForm);
  $("btn-release").addEventListener("click", releaseBatch);
  window.addEventListener("resize", () => { if (cur >= 0) showZoom(fields[cur]); });

  // Keep the lease while the station is open; say so at once if it was lost.
  setInterval(async () => {
    const res = await api("POST", `/api/v1/verify/batches/${batchId}/renew`);
    if (!res.ok) say("This batch is no longer yours: " + errorText(res), true);
  }, 120000);

  load();
})();
