// The station's questions: "not this form" (reject, or which form instead).
"use strict";

const $ = (id) => document.getElementById(id);

// Enter on the list chooses (a <select> does not submit its form by itself).
$("notform-type").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter") { ev.preventDefault(); $("notform").close("ok"); }
});

// Resolves to null (cancelled), {} (reject it), or {app, type} (read it as that form).
export async function chooseForm(doc, types) {
  const dialog = $("notform"), select = $("notform-type");
  select.textContent = "";
  select.append(new Option("none of them: reject it (exceptions queue)", ""));
  types.filter((t) => !(t.app === doc.app && t.type === doc.type))
       .forEach((t) => select.append(new Option(`${t.type} (${t.app})`, `${t.app}/${t.type}`)));
  $("notform-current").textContent = doc.type;
  dialog.returnValue = "";
  dialog.showModal();
  select.focus();
  const choice = await new Promise((done) =>
    dialog.addEventListener("close", () => done(dialog.returnValue), {once: true}));
  if (choice !== "ok") return null;
  if (!select.value) return {};
  const [app, type] = select.value.split("/");
  return {app, type};
}
