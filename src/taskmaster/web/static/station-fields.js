// One field of the station's form: label, status, the entry box (a multi-line box for a
// multi-line field), why it is flagged, and the raw reading with its doubtful characters.
"use strict";

export function fieldBox(f) {
  const box = document.createElement("div");
  box.className = "field" + (f.review ? " review" : "");
  box.dataset.name = f.name;
  const label = document.createElement("label");
  label.htmlFor = "f-" + f.name;
  label.textContent = f.label + (f.required ? " *" : "") + (f.format ? ` (${f.format})` : "");
  const conf = document.createElement("span");
  conf.className = "conf";
  conf.textContent = `${f.status.replace("_", " ")} · ${Math.round(f.confidence * 100)}% · ${f.source}`;
  const input = document.createElement(f.multiline ? "textarea" : "input");
  input.className = "entry";
  input.id = "f-" + f.name;
  input.name = f.name;
  if (f.multiline) input.rows = Math.max(3, f.text.split("\n").length);
  input.value = f.text;
  f.orig = input.value;  // as the browser holds it: what "unchanged" compares with
  input.setAttribute("aria-describedby", `why-${f.name} m-${f.name}`);
  if (f.kind === "checkbox") {
    input.setAttribute("aria-roledescription", "checkbox field: Space toggles");
    input.placeholder = f.options.length ? f.options.map((o) => o.value).join(" / ") : "yes / no";
  }
  const why = document.createElement("div");
  why.className = "why"; why.id = "why-" + f.name;
  f.reasons.forEach((r) => {
    const s = document.createElement("span");
    s.className = "reason r-" + r.kind; s.textContent = r.text; why.append(s);
  });
  const m = document.createElement("div");
  m.className = "msg"; m.id = "m-" + f.name;
  box.append(label, conf, input, why, chars(f), m);
  return box;
}

// The raw reading, its doubtful characters marked (under the field's threshold).
function chars(f) {
  const out = document.createElement("div");
  out.className = "chars";
  if (!f.review || !f.chars || !f.chars.some(([, c]) => c < f.threshold)) return out;
  out.append("read: ");
  f.chars.forEach(([ch, c]) => {
    const s = document.createElement(c < f.threshold ? "mark" : "span");
    s.textContent = ch === "\n" ? "⏎" : ch;
    if (c < f.threshold) s.title = `${Math.round(c * 100)}%`;
    out.append(s);
  });
  return out;
}
