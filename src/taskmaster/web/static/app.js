// Login and logout for every page; the session cookie is HttpOnly, the CSRF cookie is
// readable so scripts can echo it in X-CSRF-Token (double submit).
"use strict";

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)tm_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : "";
}

async function api(method, url, body) {
  const headers = {"X-CSRF-Token": csrfToken()};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(url, {method, headers, credentials: "same-origin",
                                 body: body === undefined ? undefined : JSON.stringify(body)});
  let data = null;
  if (resp.status !== 204) {
    try { data = await resp.json(); } catch (e) { data = null; }
  }
  return {ok: resp.ok, status: resp.status, data};
}

function errorText(res) {
  return (res.data && res.data.error && res.data.error.message) || ("HTTP " + res.status);
}

(function () {
  const form = document.getElementById("login-form");
  if (form) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const res = await api("POST", "/api/v1/auth/login", {
        username: form.username.value, password: form.password.value});
      if (res.ok) {
        window.location.assign(form.dataset.next || "/");
      } else {
        const box = document.getElementById("login-error");
        box.textContent = errorText(res);
        box.hidden = false;
        form.password.select();
      }
    });
  }
  const pw = document.getElementById("password-form");
  if (pw) {
    pw.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const res = await api("POST", "/api/v1/auth/password", {
        current_password: pw.current.value, new_password: pw.new.value});
      if (res.ok) {
        window.location.assign("/");
      } else {
        const box = document.getElementById("password-error");
        box.textContent = errorText(res);
        box.hidden = false;
      }
    });
  }
  // No inline handlers (the Content-Security-Policy forbids them): behaviour by attribute.
  document.querySelectorAll("select[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form.submit());
  });
  document.querySelectorAll("form[data-no-submit]").forEach((el) => {
    el.addEventListener("submit", (ev) => ev.preventDefault());
  });
  const out = document.getElementById("logout");
  if (out) {
    out.addEventListener("click", async () => {
      await api("POST", "/api/v1/auth/logout");
      window.location.assign("/login");
    });
  }
})();
