// Enhancements only: every page works without this file (reload to see what is new).
(function () {
  "use strict";
  const STATUS_CLASS = {2: "ok", 3: "redirect", 4: "client-error", 5: "server-error"};
  const MAX_ROWS = 300;

  function cell(row, text, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function exchangeRow(e) {
    const row = document.createElement("tr");
    row.className = STATUS_CLASS[Math.floor(e.status / 100)] || "";
    row.dataset.seq = e.seq;
    cell(row, (e.time || "").slice(11, 23));
    cell(row, e.host, "host");
    const request = cell(row, "");
    const code = document.createElement("code");
    code.textContent = e.method + " " + e.url;
    request.appendChild(code);
    cell(row, String(e.status));
    cell(row, String(e.duration_ms));
    const trace = cell(row, "");
    const link = document.createElement("a");
    link.href = "/?trace=" + encodeURIComponent(e.trace || "");
    link.textContent = (e.trace || "").slice(0, 8);
    trace.appendChild(link);
    return row;
  }

  function addExchange(e) {
    const body = document.querySelector('table[data-live="exchanges"] tbody');
    if (!body) return;
    const empty = body.querySelector("tr.empty");
    if (empty) empty.remove();
    body.insertBefore(exchangeRow(e), body.firstChild);
    while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
  }

  function showJourneys(list) {
    const ol = document.querySelector('ol[data-live="journeys"]');
    if (!ol) return;
    ol.replaceChildren(...list.map(function (j) {
      const li = document.createElement("li");
      li.className = "journey " + (j.ok ? "ok" : "failed");
      li.dataset.journey = j.id;
      const a = document.createElement("a");
      a.href = "/journeys/" + encodeURIComponent(j.id);
      a.textContent = j.title;
      const outcome = document.createElement("span");
      outcome.className = "outcome";
      outcome.textContent = j.outcome;
      const small = document.createElement("small");
      small.textContent = (j.started || "").slice(11, 19) + " · " + j.exchanges + " exchanges";
      li.append(a, " ", outcome, " ", small);
      return li;
    }));
  }

  const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
  let refreshTimer = null;

  // A page showing the world's state (people, switches) reads it again after any admin write.
  function refreshSoon(e) {
    const admin = e.host === "graph" || /\/api\/|\/_lab\//.test(e.url || "");
    if (!WRITES.has(e.method) || !admin) return;
    if (!document.querySelector('[data-live="refresh"]')) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      fetch(location.pathname, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (text) {
          if (!text) return;
          const fresh = new DOMParser().parseFromString(text, "text/html");
          document.querySelectorAll('[data-live="refresh"]').forEach(function (old) {
            const found = old.id && fresh.getElementById(old.id);
            if (found) old.replaceWith(document.importNode(found, true));
          });
        });
    }, 400);
  }

  function openTarget() {
    const id = decodeURIComponent(location.hash.slice(1));
    const details = id && document.getElementById(id);
    if (details && details.tagName === "DETAILS") {
      details.open = true;
      details.scrollIntoView({block: "nearest"});
    }
  }

  function connect() {
    const live = document.querySelector("[data-live]");
    if (!live || !window.EventSource) return;
    const status = document.getElementById("live-status");
    const wantJourneys = live.dataset.live === "journeys";
    const seat = new URLSearchParams(window.location.search).get("seat");
    const query = wantJourneys ? "?journeys=1" + (seat ? "&seat=" + encodeURIComponent(seat) : "") : "";
    const source = new EventSource("/events" + query);
    source.onopen = function () { status.textContent = "live"; status.className = "on"; };
    source.onerror = function () { status.textContent = "reconnecting"; status.className = ""; };
    source.addEventListener("exchange", function (ev) {
      const e = JSON.parse(ev.data);
      addExchange(e);
      refreshSoon(e);
    });
    source.addEventListener("journeys", function (ev) { showJourneys(JSON.parse(ev.data)); });
  }

  function fold() {
    document.querySelectorAll("details.exchange:not([data-keep-open])").forEach(function (d) {
      d.open = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    fold();
    connect();
    openTarget();
    window.addEventListener("hashchange", openTarget);
  });
})();
