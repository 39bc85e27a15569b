// The form designer: zones drawn over an application's reference pages, edited with the
// mouse and the keyboard; "try it" reads a filled copy with the unsaved definition;
// saving makes the application's next version. Talks to /api/v1/designer (admin).
// Coordinates in the SVG are reference pixels (its viewBox is the page's size).
"use strict";

(function () {
  const newForm = document.getElementById("new-app");
  if (newForm) {
    newForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const status = document.getElementById("new-app-status");
      status.textContent = "Finding the fields…";
      const body = new FormData(newForm);
      const resp = await fetch("/api/v1/designer/apps", {
        method: "POST", body, credentials: "same-origin",
        headers: {"X-CSRF-Token": csrfToken()}});
      const data = await resp.json().catch(() => null);
      if (!resp.ok) {
        status.textContent = errorText({status: resp.status, data});
        return;
      }
      window.location.assign("/designer/" + encodeURIComponent(data.name));
    });
    return;
  }
  const defNode = document.getElementById("definition");
  if (!defNode) return;

  const def = JSON.parse(defNode.textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const svg = document.getElementById("zones");
  const img = document.getElementById("reference");
  const canvas = document.getElementById("canvas");
  const status = document.getElementById("designer-status");
  const pageSelect = document.getElementById("page-select");
  const form = document.getElementById("field-form");
  const $ = (id) => document.getElementById(id);
  let pageIndex = 0;
  let selected = -1;
  let readings = {};
  let drag = null;

  const page = () => def.page_types[pageIndex];
  const fields = () => page().fields;
  const field = () => fields()[selected];

  def.page_types.forEach((pt, i) => {
    const opt = document.createElement("option");
    opt.value = i; opt.textContent = pt.name;
    pageSelect.appendChild(opt);
  });
  pageSelect.addEventListener("change", () => { pageIndex = +pageSelect.value; select(-1); showPage(); });

  function showPage() {
    const pt = page();
    img.src = `/api/v1/designer/apps/${encodeURIComponent(def.name)}/pages/${encodeURIComponent(pt.name)}.png`;
    const [w, h] = pt.size || [2550, 3300];
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    draw();
  }

  function rect(box, cls) {
    const r = document.createElementNS(SVG, "rect");
    r.setAttribute("x", box[0]); r.setAttribute("y", box[1]);
    r.setAttribute("width", Math.max(1, box[2] - box[0]));
    r.setAttribute("height", Math.max(1, box[3] - box[1]));
    r.setAttribute("class", cls);
    return r;
  }

  function draw() {
    svg.replaceChildren();
    fields().forEach((f, i) => {
      if (!f.bbox) return;
      const g = document.createElementNS(SVG, "g");
      g.dataset.index = i;
      const cls = `zone kind-${f.kind}` + (i === selected ? " selected" : "") + (f.unsure ? " unsure" : "");
      g.appendChild(rect(f.bbox, cls));
      for (const b of f.boxes || []) g.appendChild(rect(b, "cell"));
      for (const o of f.options || []) g.appendChild(rect(o.bbox, "cell"));
      const t = document.createElementNS(SVG, "text");
      t.setAttribute("x", f.bbox[0]); t.setAttribute("y", f.bbox[1] - 6);
      t.setAttribute("class", "zone-name");
      const read = readings[f.name];
      t.textContent = read ? `${f.name} = ${JSON.stringify(read.value)}` : f.name;
      if (read) t.classList.add(read.status === "ok" ? "read-ok" : "read-doubt");
      g.appendChild(t);
      if (i === selected) {
        const hnd = rect([f.bbox[2] - 12, f.bbox[3] - 12, f.bbox[2] + 12, f.bbox[3] + 12], "handle");
        hnd.dataset.handle = "1";
        g.appendChild(hnd);
      }
      svg.appendChild(g);
    });
    const list = $("field-list");
    list.replaceChildren();
    fields().forEach((f, i) => {
      const li = document.createElement("li");
      li.textContent = `${f.name} (${f.kind}${f.unsure ? ", unsure" : ""})`;
      li.dataset.index = i;
      if (i === selected) li.className = "selected";
      li.addEventListener("click", () => select(i));
      list.appendChild(li);
    });
  }

  function select(i) {
    selected = i;
    form.hidden = i < 0;
    if (i >= 0) {
      const f = field();
      $("f-name").value = f.name; $("f-label").value = f.label || "";
      $("f-kind").value = f.kind; $("f-type").value = f.type || "string";
      $("f-required").checked = !!f.required; $("f-pattern").value = f.pattern || "";
      $("f-options").value = (f.options || []).map((o) => `${o.value} | ${o.label || ""}`).join("\n");
      $("f-cells").value = (f.boxes || []).length || "";
      $("f-unsure").textContent = f.unsure ? `Unsure: ${f.unsure}` : "";
    }
    draw();
    showBox();
  }

  function showBox() {
    if (selected >= 0) $("f-box").textContent = `bbox ${JSON.stringify(field().bbox)}`;
  }

  // Moving or resizing a zone carries its cells and option boxes along.
  function setBox(f, box) {
    const [x0, y0, x1, y1] = f.bbox;
    const sx = (box[2] - box[0]) / Math.max(1, x1 - x0), sy = (box[3] - box[1]) / Math.max(1, y1 - y0);
    const map = (b) => [Math.round(box[0] + (b[0] - x0) * sx), Math.round(box[1] + (b[1] - y0) * sy),
                        Math.round(box[0] + (b[2] - x0) * sx), Math.round(box[1] + (b[3] - y0) * sy)];
    f.boxes = (f.boxes || []).map(map);
    f.parts = (f.parts || []).map(map);
    (f.options || []).forEach((o) => { o.bbox = map(o.bbox); });
    f.bbox = box.map(Math.round);
    delete f.unsure;
  }

  function combCells(f, n) {
    const [x0, y0, x1, y1] = f.bbox, step = (x1 - x0) / n;
    f.boxes = Array.from({length: n}, (_, i) => [Math.round(x0 + i * step), y0, Math.round(x0 + (i + 1) * step), y1]);
  }

  function changed() {
    const f = field();
    if (!f) return;
    f.name = $("f-name").value.trim(); f.label = $("f-label").value;
    f.kind = $("f-kind").value; f.type = $("f-type").value;
    f.required = $("f-required").checked; f.pattern = $("f-pattern").value || null;
    const lines = $("f-options").value.split("\n").map((l) => l.trim()).filter(Boolean);
    const old = f.options || [];
    f.options = lines.map((line, i) => {
      const [value, label] = line.split("|").map((s) => s.trim());
      const bbox = old[i] ? old[i].bbox : (old.length ? old[old.length - 1].bbox.map((v, k) => k % 2 ? v : v + 60 * (i - old.length + 1)) : f.bbox.slice());
      return {value, label: label || "", bbox};
    });
    if (f.kind === "checkbox" && !f.options.length) f.options = [{value: "X", label: "", bbox: f.bbox.slice()}];
    if (f.kind === "comb") {
      const n = +$("f-cells").value || (f.boxes || []).length || Math.max(1, Math.round((f.bbox[2] - f.bbox[0]) / (f.bbox[3] - f.bbox[1])));
      if (n !== (f.boxes || []).length) combCells(f, n);
    }
    delete f.unsure;
    draw();
  }
  form.addEventListener("input", changed);

  function point(ev) {
    const m = svg.getScreenCTM().inverse();
    const p = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(m);
    return [p.x, p.y];
  }

  svg.addEventListener("pointerdown", (ev) => {
    const g = ev.target.closest("g");
    if (!g) {  // on paper: draw a new zone
      const [x, y] = point(ev);
      addZone([x, y, x + 1, y + 1]);
      drag = {start: [x, y], box: field().bbox.slice(), resize: true, drawn: true};
      svg.setPointerCapture(ev.pointerId);
      canvas.focus();
      ev.preventDefault();
      return;
    }
    const i = +g.dataset.index;
    if (i !== selected) select(i);
    drag = {start: point(ev), box: field().bbox.slice(), resize: !!ev.target.dataset.handle};
    svg.setPointerCapture(ev.pointerId);
    canvas.focus();
    ev.preventDefault();
  });
  svg.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const [x, y] = point(ev), dx = x - drag.start[0], dy = y - drag.start[1];
    const b = drag.box;
    setBox(field(), drag.resize ? [b[0], b[1], Math.max(b[0] + 8, b[2] + dx), Math.max(b[1] + 8, b[3] + dy)]
                                : [b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy]);
    draw(); showBox();
  });
  svg.addEventListener("pointerup", () => {
    if (drag && drag.drawn) {
      const b = field().bbox;
      if (b[2] - b[0] < 10 || b[3] - b[1] < 10) deleteZone();  // a click, not a drag
    }
    drag = null;
  });

  function addZone(box) {
    const [w, h] = page().size || [2550, 3300];
    const taken = new Set(fields().map((f) => f.name));
    let n = 1;
    while (taken.has(`field_${n}`)) n += 1;
    const at = box || [w / 2 - 300, h / 3, w / 2 + 300, h / 3 + 60];
    fields().push({name: `field_${n}`, label: "", kind: "text", type: "string", required: false,
                   bbox: at.map(Math.round)});
    select(fields().length - 1);
  }

  function deleteZone() {
    if (selected < 0) return;
    fields().splice(selected, 1);
    select(Math.min(selected, fields().length - 1));
  }

  canvas.addEventListener("keydown", (ev) => {
    const keys = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]};
    if (ev.key === "Tab") {
      ev.preventDefault();
      const n = fields().length;
      if (n) select(((selected < 0 ? -1 : selected) + (ev.shiftKey ? n - 1 : 1)) % n);
    } else if (ev.key === "a" || ev.key === "A") {
      addZone(null);
    } else if (ev.key === "Delete" || ev.key === "Backspace") {
      ev.preventDefault(); deleteZone();
    } else if (ev.key === "Escape") {
      select(-1);
    } else if (keys[ev.key] && selected >= 0) {
      ev.preventDefault();
      const [dx, dy] = keys[ev.key].map((v) => v * (ev.shiftKey ? 1 : 5));
      const b = field().bbox;
      setBox(field(), ev.altKey ? [b[0], b[1], Math.max(b[0] + 8, b[2] + dx), Math.max(b[1] + 8, b[3] + dy)]
                                : [b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy]);
      draw(); showBox();
    }
  });

  $("add-zone").addEventListener("click", () => { addZone(null); canvas.focus(); });
  $("delete-zone").addEventListener("click", () => { deleteZone(); canvas.focus(); });

  // A checkbox group's box is the union of its boxes.
  function tidy() {
    for (const pt of def.page_types) {
      for (const f of pt.fields) {
        if (f.options && f.options.length && f.kind === "checkbox") {
          const bs = f.options.map((o) => o.bbox);
          f.bbox = [Math.min(...bs.map((b) => b[0])), Math.min(...bs.map((b) => b[1])),
                    Math.max(...bs.map((b) => b[2])), Math.max(...bs.map((b) => b[3]))];
        }
      }
    }
    return def;
  }

  $("try-it").addEventListener("click", async () => {
    const file = $("try-file").files[0];
    if (!file) { status.textContent = "Choose a filled copy first."; return; }
    status.textContent = "Reading…";
    const body = new FormData();
    body.append("file", file);
    body.append("definition", JSON.stringify(tidy()));
    const resp = await fetch(`/api/v1/designer/apps/${encodeURIComponent(def.name)}/try`, {
      method: "POST", body, credentials: "same-origin", headers: {"X-CSRF-Token": csrfToken()}});
    const data = await resp.json().catch(() => null);
    if (!resp.ok) { status.textContent = errorText({status: resp.status, data}); return; }
    readings = {};
    const tbody = document.querySelector("#try-results tbody");
    tbody.replaceChildren();
    for (const p of data.pages) {
      if (!p.type) { status.textContent = `${p.source}: matches no page of this form (score ${p.score})`; continue; }
      status.textContent = `${p.source}: page ${p.type} (score ${p.score})`;
      for (const [name, r] of Object.entries(p.fields)) {
        readings[name] = r;
        const tr = document.createElement("tr");
        tr.dataset.field = name;
        for (const v of [name, JSON.stringify(r.value), r.confidence, r.status]) {
          const td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
        }
        tbody.appendChild(tr);
      }
    }
    draw();
  });

  $("save").addEventListener("click", async () => {
    status.textContent = "Saving…";
    const res = await api("PUT", `/api/v1/designer/apps/${encodeURIComponent(def.name)}`, {definition: tidy()});
    if (!res.ok) { status.textContent = errorText(res); return; }
    def.version = res.data.version;
    $("version").textContent = res.data.version;
    status.textContent = `Saved as version ${res.data.version}.`;
  });

  showPage();
})();
