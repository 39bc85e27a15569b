// The station's page pane: the page picture with the fields' zones, the magnified
// current zone, zoom and pan, the document's page thumbnails and the batch's documents.
// Zoom: Alt+= / Alt+- / Alt+0 (fit) or the buttons; pan: drag the page, or focus it
// (Tab, or click) and use the arrow keys.
"use strict";

export const PAGE_W = 1600;  // served width of the page picture (the zoom uses it too)
const $ = (id) => document.getElementById(id);

export class PagePane {
  constructor() {
    this.img = $("page-img"); this.svg = $("zones"); this.zoom = $("zoom");
    this.view = $("page-view"); this.frame = $("page-frame");
    this.doc = null; this.fields = []; this.pageId = null; this.scale = 1;
    this.onPick = () => {};  // (page id) when a thumbnail is chosen
    this.onDocument = () => {};  // (document id) when a document of the list is chosen
    $("zoom-in").addEventListener("click", () => this.setScale(this.scale * 1.25));
    $("zoom-out").addEventListener("click", () => this.setScale(this.scale / 1.25));
    $("zoom-fit").addEventListener("click", () => this.setScale(1));
    this._dragToPan();
  }

  show(doc, fields) {
    this.doc = doc; this.fields = fields; this.pageId = null;
    this._thumbs();
  }

  // ---- the picture and its zones ----------------------------------------------------
  showPage(id) {
    if (id == null || id === this.pageId) return;
    this.pageId = id;
    this.img.src = `/ui/pages/${id}.jpg?w=${PAGE_W}`;
    $("thumbs").querySelectorAll("button").forEach((b) =>
      b.setAttribute("aria-current", String(Number(b.dataset.page) === id)));
    this.drawZones(null);
  }

  drawZones(current) {
    const svg = this.svg;
    svg.textContent = "";
    const page = this.doc.pages.find((p) => p.id === this.pageId) || this.doc.pages[0];
    if (!page) return;
    svg.setAttribute("viewBox", `0 0 ${page.width} ${page.height}`);
    svg.setAttribute("preserveAspectRatio", "none");
    this.fields.forEach((f) => {
      if (!f.bbox || f.page_id !== page.id) return;
      const r = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      const [x0, y0, x1, y1] = f.bbox;
      r.setAttribute("x", x0); r.setAttribute("y", y0);
      r.setAttribute("width", x1 - x0); r.setAttribute("height", y1 - y0);
      r.dataset.field = f.name;
      r.setAttribute("class", "zone" + (f.review && !f.accepted ? " review" : "") +
                     (current && current.name === f.name ? " current" : ""));
      svg.append(r);
    });
  }

  markZone(f) {
    const rect = this.svg.querySelector(`rect[data-field="${f.name}"]`);
    if (rect) rect.classList.toggle("review", f.review && !f.accepted);
  }

  focusZone(f) {
    this.showPage(f.page_id || (this.doc.pages[0] && this.doc.pages[0].id));
    this.svg.querySelectorAll("rect.current").forEach((r) => r.classList.remove("current"));
    const rect = this.svg.querySelector(`rect[data-field="${f.name}"]`);
    if (rect) rect.classList.add("current");
    this.magnify(f);
  }

  magnify(f) {
    const zoom = this.zoom;
    zoom.dataset.field = f.name;
    zoom.dataset.bbox = f.bbox ? f.bbox.join(",") : "";
    const page = this.doc.pages.find((p) => p.id === f.page_id);
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
    this._keepInSight(page, f.bbox);
  }

  _keepInSight(page, [x0, y0]) {
    const frameH = this.frame.clientHeight, frameW = this.frame.clientWidth, view = this.view;
    if (!frameH || !page.height) return;
    const y = (y0 / page.height) * frameH, x = (x0 / page.width) * frameW;
    if (y < view.scrollTop + 20 || y > view.scrollTop + view.clientHeight - 60) {
      view.scrollTop = Math.max(0, y - view.clientHeight / 3);
    }
    if (x < view.scrollLeft || x > view.scrollLeft + view.clientWidth - 40) {
      view.scrollLeft = Math.max(0, x - 40);
    }
  }

  // ---- zoom and pan ---------------------------------------------------------------------
  setScale(s) {
    this.scale = Math.min(4, Math.max(1, s));
    this.frame.style.width = `${this.scale * 100}%`;
    this.frame.style.maxWidth = this.scale === 1 ? "" : "none";
    this.view.dataset.scale = this.scale.toFixed(2);
    $("zoom-level").textContent = `${Math.round(this.scale * 100)}%`;
  }

  key(ev) {  // Alt+= / Alt+- / Alt+0; true when handled
    if (!ev.altKey || ev.ctrlKey || ev.metaKey) return false;
    if (ev.code === "Equal" || ev.code === "NumpadAdd") this.setScale(this.scale * 1.25);
    else if (ev.code === "Minus" || ev.code === "NumpadSubtract") this.setScale(this.scale / 1.25);
    else if (ev.code === "Digit0" || ev.code === "Numpad0") this.setScale(1);
    else return false;
    return true;
  }

  _dragToPan() {
    let from = null;
    this.view.addEventListener("pointerdown", (ev) => {
      from = {x: ev.clientX, y: ev.clientY, left: this.view.scrollLeft, top: this.view.scrollTop};
      this.view.classList.add("panning");
    });
    window.addEventListener("pointermove", (ev) => {
      if (!from) return;
      this.view.scrollLeft = from.left - (ev.clientX - from.x);
      this.view.scrollTop = from.top - (ev.clientY - from.y);
    });
    window.addEventListener("pointerup", () => { from = null; this.view.classList.remove("panning"); });
  }

  // ---- thumbnails and the batch's documents ---------------------------------------------
  _thumbs() {
    const list = $("thumbs");
    list.textContent = "";
    this.doc.pages.forEach((p) => {
      const li = document.createElement("li"), b = document.createElement("button");
      b.type = "button"; b.dataset.page = p.id;
      b.title = `page ${p.number} (${p.source})`;
      b.setAttribute("aria-label", `show page ${p.number}`);
      const im = document.createElement("img");
      im.src = `/ui/pages/${p.id}.jpg?w=240`; im.alt = ""; im.width = 48;
      b.append(im, document.createTextNode(String(p.number)));
      b.addEventListener("click", () => this.onPick(p.id));
      li.append(b); list.append(li);
    });
  }

  documents(all, open, currentId) {
    const list = $("doc-list");
    list.textContent = "";
    all.forEach((d) => {
      const li = document.createElement("li"), b = document.createElement("button");
      b.type = "button"; b.dataset.document = d.id;
      b.textContent = `${d.seq}. ${d.type || "no form"}`;
      const badge = document.createElement("span");
      badge.className = `badge s-${d.status}`; badge.textContent = d.status.replace("_", " ");
      b.append(" ", badge);
      b.disabled = !open.has(d.id);
      if (d.id === currentId) b.setAttribute("aria-current", "true");
      b.addEventListener("click", () => this.onDocument(d.id));
      li.append(b); list.append(li);
    });
  }
}
