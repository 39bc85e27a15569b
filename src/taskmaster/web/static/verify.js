// The verify station: keyboard-first review of the fields the machine was unsure of.
// Keys (docs/verify.md): Enter accept + next needing review (submit after the last),
// typing replaces, Tab/Shift+Tab next/previous field (past the last: the buttons),
// Ctrl+J next field needing review, Space toggles a checkbox field, Ctrl+U unreadable /
// override, Ctrl+Enter submit, Ctrl+R rotate page, Ctrl+Shift+F not this form / another
// form, Esc restore the machine's value, Alt+= / Alt+- / Alt+0 zoom.
// In a multi-line box (medications) Enter inserts a line; Ctrl+Enter accepts the box and
// moves on as Enter does elsewhere; Tab moves on without accepting.
//
// Only what the operator changed or explicitly accepted is sent: an untouched field is
// not part of the submit, and an accepted field the operator left as shown is sent
// without a value, so the server confirms it and never rewrites it.
import {chooseForm} from "./station-dialogs.js";
import {fieldBox} from "./station-fields.js";
import {keepLease} from "./station-lease.js";
import {PagePane} from "./station-page.js";

const $ = (id) => document.getElementById(id);
const root = $("station");
const batchId = root.dataset.batch;
const form = $("fields"), msg = $("station-msg"), pane = new PagePane();
let docs = [], all = [], types = [], doc = null, fields = [], cur = -1, busy = false;

function say(text, bad) { msg.textContent = text || ""; msg.className = bad ? "error" : ""; }
const entry = (i) => form.children[i].querySelector(".entry");
const edited = (i) => entry(i).value !== fields[i].orig;

// ---- data ------------------------------------------------------------------------------
async function load() {
  const res = await api("GET", `/api/v1/verify/batches/${batchId}`);
  if (!res.ok) { say(errorText(res), true); return; }
  docs = res.data.documents; all = res.data.batch_documents; types = res.data.types;
  if (!docs.length) { nextBatch("Nothing left to verify in this batch."); return; }
  show(0);
}

function nextBatch(text) {
  say(text || "Batch verified; taking the next one…");
  window.location.assign("/verify");
}

function show(i) {
  doc = docs[i];
  fields = doc.fields.map((f) => ({...f, accepted: false, seq: 0,
                                   problems: f.status === "invalid" ? invalidMsgs(f) : []}));
  $("doc-title").textContent = `${doc.type} · ${doc.id}`;
  $("doc-progress").textContent = `document ${i + 1} of ${docs.length} to verify · ` +
    `${fields.filter((f) => f.review).length} field(s) need review`;
  pane.show(doc, fields);
  pane.documents(all, new Set(docs.map((d) => d.id)), doc.id);
  render();
  const first = fields.findIndex((f) => f.review);
  focusField(first >= 0 ? first : 0);
}

function invalidMsgs(f) {
  return f.messages.filter((m) => m.startsWith("invalid: ")).map((m) => m.slice(9));
}

// ---- rendering -------------------------------------------------------------------------
function render() {
  form.textContent = "";
  let sep = false;
  fields.forEach((f, i) => {
    const box = fieldBox(f);
    if (!f.review && !sep && i > 0) { box.classList.add("sep"); sep = true; }
    form.append(box);
    const input = box.querySelector(".entry");
    input.addEventListener("focus", () => setCurrent(i));
    input.addEventListener("input", () => { f.accepted = false; queueCheck(i); paint(i); });
    paint(i);
  });
  pane.drawZones(null);
}

function paint(i) {
  const f = fields[i], box = form.children[i];
  if (!box) return;
  box.classList.toggle("accepted", f.accepted);
  box.classList.toggle("edited", edited(i));
  box.classList.toggle("override", f.override);
  box.classList.toggle("invalid", f.problems.length > 0 && !f.override);
  box.querySelector(".msg").textContent = f.override
    ? "marked unreadable / accepted as is" + (f.problems.length ? ` (${f.problems.join("; ")})` : "")
    : f.problems.join("; ");
  pane.markZone(f);
}

function setCurrent(i) {
  if (cur >= 0 && form.children[cur]) form.children[cur].classList.remove("current");
  cur = i;
  form.children[i].classList.add("current");
  pane.focusZone(fields[i]);
}

function focusField(i) {
  if (i < 0 || i >= fields.length) return;
  const input = entry(i);
  input.focus();
  input.select();  // typing replaces the value
}

// ---- validation while typing -----------------------------------------------------------
const timers = {};
function queueCheck(i) {
  clearTimeout(timers[i]);
  timers[i] = setTimeout(() => check(i), 150);
}

async function check(i) {
  clearTimeout(timers[i]);
  const f = fields[i], seq = ++f.seq;
  const res = await api("POST", `/api/v1/verify/documents/${doc.id}/check`,
                        {field: f.name, entry: entry(i).value});
  if (seq !== f.seq || !res.ok) return f.problems;
  f.problems = res.data.problems;
  paint(i);
  return f.problems;
}

// ---- actions ---------------------------------------------------------------------------
const settled = (j) => !fields[j].review || fields[j].accepted || fields[j].override || edited(j);

function pending(from) {
  for (let k = 1; k <= fields.length; k++) {
    const j = (from + k) % fields.length;
    if (!settled(j)) return j;
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
  const f = fields[cur], input = entry(cur);
  const cycle = f.options.length ? f.options.map((o) => String(o.value)) : ["yes", "no"];
  if (!f.required || f.options.length) cycle.push("");
  input.value = cycle[(cycle.indexOf(input.value) + 1) % cycle.length];
  f.accepted = false;
  queueCheck(cur);
  paint(cur);
}

// What the submit sends: fields edited (their text) or accepted (no value: as they are).
function edits() {
  const out = {};
  fields.forEach((f, i) => {
    if (!(edited(i) || f.accepted || f.override)) return;
    out[f.name] = edited(i) ? {value: entry(i).value, override: f.override} : {override: f.override};
  });
  return out;
}

async function submit() {
  if (busy) return;
  const open = fields.map((f, i) => i).filter((i) => !settled(i));
  const bad = fields.findIndex((f) => f.problems.length && !f.override);
  if (open.length) {
    focusField(open[0]);
    say(`${open.length} field(s) still need review: Enter accepts the value shown, Ctrl+U marks it unreadable`, true);
    return;
  }
  if (bad >= 0) {
    focusField(bad);
    say(`${fields[bad].label}: ${fields[bad].problems.join("; ")} — Ctrl+U marks it unreadable`, true);
    return;
  }
  busy = true;
  say("Submitting…");
  const res = await api("POST", `/api/v1/verify/documents/${doc.id}/submit`, {fields: edits()});
  busy = false;
  if (!res.ok) {
    const wrong = (res.data && res.data.error && res.data.error.fields) || {};
    let first = -1;
    fields.forEach((f, i) => {
      if (wrong[f.name]) { f.problems = wrong[f.name]; f.accepted = false; paint(i); if (first < 0) first = i; }
    });
    say(errorText(res), true);
    if (first >= 0) focusField(first);
    return;
  }
  afterDocument(res.data.batch_released, "Document submitted.", res.data.status);
}

function afterDocument(released, text, status) {
  const i = docs.indexOf(doc);
  const row = all.find((d) => d.id === doc.id);
  if (row && status) row.status = status;
  docs.splice(i, 1);
  if (released || !docs.length) { nextBatch(text + " Batch verified; taking the next one…"); return; }
  say(text);
  show(Math.min(i, docs.length - 1));
}

function switchTo(id) {
  const i = docs.findIndex((d) => d.id === id);
  if (i < 0 || docs[i] === doc) return;
  if (fields.some((f, j) => edited(j) || f.accepted || f.override) &&
      !window.confirm("Leave this document? Your entries on it are not submitted and will be lost.")) return;
  show(i);
}

// "Not this form": reject, or read the document as another document type.
async function notThisForm() {
  const choice = await chooseForm(doc, types);
  if (choice === null) { focusField(cur); return; }
  const res = await api("POST", `/api/v1/verify/documents/${doc.id}/reidentify`,
                        choice.type ? choice : undefined);
  if (!res.ok) { say(errorText(res), true); return; }
  if (choice.type) {
    nextBatch(`Document read again as ${choice.type}; it comes back for review if it needs it.`);
    return;
  }
  afterDocument(res.data.batch_released, "Document rejected (not this form).", "rejected");
}

async function rotate() {
  if (!window.confirm("Rotate this page clockwise and read the batch again? Documents already " +
                      "submitted keep their values; entries not yet submitted are lost.")) return;
  const res = await api("POST", `/api/v1/verify/pages/${pane.pageId}/rotate`, {quarter_turns: 1});
  if (!res.ok) { say(errorText(res), true); return; }
  nextBatch("Page rotated; the batch is read again and comes back for review if needed.");
}

async function releaseBatch() {
  await api("POST", `/api/v1/verify/batches/${batchId}/release`);
  window.location.assign("/");
}

// ---- keys ------------------------------------------------------------------------------
document.addEventListener("keydown", (ev) => {
  if (!doc || busy || $("notform").open) return;
  const ctrl = ev.ctrlKey || ev.metaKey;
  const inField = ev.target instanceof Element && ev.target.classList.contains("entry") && cur >= 0;
  const multi = inField && ev.target.tagName === "TEXTAREA";
  let handled = true;
  if (pane.key(ev)) { /* zoom */ }
  else if (ev.key === "Enter" && ctrl && multi) accept();
  else if (ev.key === "Enter" && ctrl) submit();
  else if (ctrl && !ev.shiftKey && (ev.key === "r" || ev.key === "R")) rotate();
  else if (ctrl && ev.shiftKey && (ev.key === "f" || ev.key === "F")) notThisForm();
  else if (ctrl && !ev.shiftKey && (ev.key === "j" || ev.key === "J")) { const n = pending(cur); if (n >= 0) focusField(n); }
  else if (!inField) handled = false;
  else if (ev.key === "Enter" && !multi && !ev.shiftKey && !ev.altKey) accept();
  else if (ev.key === "Tab" && !ctrl && !ev.altKey) {
    const to = cur + (ev.shiftKey ? -1 : 1);
    if (to >= 0 && to < fields.length) focusField(to); else handled = false;  // on to the buttons
  } else if (ctrl && !ev.shiftKey && (ev.key === "u" || ev.key === "U")) toggleOverride();
  else if (ev.key === " " && !ctrl && fields[cur].kind === "checkbox") toggleCheckbox();
  else if (ev.key === "Escape") {
    const input = entry(cur);
    input.value = fields[cur].orig; fields[cur].accepted = false; queueCheck(cur); paint(cur); input.select();
  } else handled = false;
  if (handled) { ev.preventDefault(); ev.stopPropagation(); }
}, true);

$("btn-submit").addEventListener("click", submit);
$("btn-unreadable").addEventListener("click", () => { if (cur >= 0) toggleOverride(); });
$("btn-rotate").addEventListener("click", rotate);
$("btn-notform").addEventListener("click", notThisForm);
$("btn-release").addEventListener("click", releaseBatch);
window.addEventListener("resize", () => { if (cur >= 0) pane.magnify(fields[cur]); });
pane.onPick = (id) => pane.showPage(id);
pane.onDocument = switchTo;

keepLease(batchId, root.dataset.until || "",
          (why) => say("This batch is no longer yours: " + why, true));

load();
