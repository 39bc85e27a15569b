// The dashboard's exceptions queue: assign a rejected or failed document to a form.
// The document is read again as that form and comes back for review if it needs it.
"use strict";

(function () {
  document.querySelectorAll("form.assign").forEach((form) => {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const [app, type] = form.type.value.split("/");
      const out = form.querySelector(".msg");
      out.textContent = "…";
      const res = await api("POST", `/api/v1/documents/${form.dataset.document}/assign`, {app, type});
      out.textContent = res.ok ? `read again as ${type}` : errorText(res);
      out.className = "msg" + (res.ok ? "" : " error");
      if (res.ok) form.querySelector("button").disabled = true;
    });
  });
})();
