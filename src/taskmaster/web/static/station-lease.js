// The station's review lease: renewed while the page is open (every 2 minutes, and when
// its tab is shown again), given back at once when the page goes.
"use strict";

export function keepLease(batchId, until, onLost) {
  let held = until;  // this page's lease: the leave beacon names it
  async function renew() {
    const res = await api("POST", `/api/v1/verify/batches/${batchId}/renew`);
    if (res.ok) held = res.data.until;
    else onLost(errorText(res));
  }
  setInterval(renew, 120000);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") renew();
  });
  window.addEventListener("pagehide", () => {
    // A beacon cannot set headers: the CSRF token goes in the body. `until` names this
    // page's lease, so a reload (which took the lease again) is not released by it.
    navigator.sendBeacon(`/api/v1/verify/batches/${batchId}/leave`,
                         new URLSearchParams({csrf: csrfToken(), until: held}));
  });
}
