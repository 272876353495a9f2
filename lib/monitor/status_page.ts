/**
 * The status page of `t4flow monitor` (`GET /`): plain HTML, CSS and a small script, no build
 * step and no framework. The script reads `/api/status`, then follows `/api/events` (server-sent
 * events) so the page updates without a reload when a run finishes. It builds every element
 * with `textContent` and `setAttribute`, never with HTML strings, so a workflow name or an error
 * message is always shown as text. One element per workflow carries `data-workflow` and
 * `data-status` (`passing`, `failing`, `pending`); the last runs are coloured bars that show
 * their time, duration and error on hover and on keyboard focus.
 *
 * @module
 */

/** The HTML of `GET /` (the script and the style sheet are separate files, see the CSP). */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>t4flow monitor</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
<h1>t4flow monitor</h1>
<p id="summary" aria-live="polite">Loading…</p>
</header>
<main id="workflows" aria-label="Workflows"></main>
<footer><span id="connection">connecting…</span> · <a href="/api/status">JSON</a> · <a href="/metrics">metrics</a></footer>
<noscript><p>This page needs JavaScript to show the status; the same data is at <a href="/api/status">/api/status</a>.</p></noscript>
</body>
</html>
`;

/** The style sheet of the page (`GET /app.css`): readable on a phone, light and dark. */
export const STATUS_PAGE_CSS = `:root {
  color-scheme: light dark;
  --bg: #fafafa; --fg: #1b1b1b; --muted: #666; --card: #fff; --line: #ddd;
  --passing: #2e7d32; --failing: #c62828; --pending: #757575;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #121212; --fg: #eee; --muted: #aaa; --card: #1e1e1e; --line: #333;
    --passing: #4caf50; --failing: #ef5350; --pending: #9e9e9e; }
}
* { box-sizing: border-box; }
body { margin: 0; padding: 1rem; background: var(--bg); color: var(--fg);
  font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main, footer { max-width: 60rem; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
#summary, footer { color: var(--muted); }
footer { margin-top: 1rem; font-size: .9rem; }
footer a { color: inherit; }
.workflow { background: var(--card); border: 1px solid var(--line); border-left: .4rem solid var(--pending);
  border-radius: .4rem; padding: .75rem; margin: .75rem 0; }
.workflow[data-status="passing"] { border-left-color: var(--passing); }
.workflow[data-status="failing"] { border-left-color: var(--failing); }
.head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem; justify-content: space-between; }
.name { font-size: 1.1rem; margin: 0; overflow-wrap: anywhere; }
.status { font-weight: 600; text-transform: uppercase; font-size: .85rem; color: var(--pending); }
.workflow[data-status="passing"] .status { color: var(--passing); }
.workflow[data-status="failing"] .status { color: var(--failing); }
.facts { display: flex; flex-wrap: wrap; gap: .25rem 1rem; color: var(--muted); font-size: .9rem; margin: .25rem 0 .5rem; }
.bars { position: relative; display: flex; gap: 2px; list-style: none; margin: 0; padding: 0; height: 2rem; }
.bar { flex: 1 1 0; max-width: 1rem; min-width: 4px; border-radius: 2px; background: var(--pending); }
.bar[data-run-status="succeeded"] { background: var(--passing); }
.bar[data-run-status="failed"] { background: var(--failing); }
.bar:focus { outline: 2px solid var(--fg); outline-offset: 1px; }
.tip { display: none; position: absolute; z-index: 2; top: 2.3rem; left: 0;
  width: max-content; max-width: min(30rem, 100%); padding: .4rem .5rem; border-radius: .3rem;
  background: var(--fg); color: var(--bg); font-size: .85rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.bar:hover .tip, .bar:focus .tip, .bar:focus-within .tip { display: block; }
.error { margin: .5rem 0 0; color: var(--failing); font-size: .9rem; overflow-wrap: anywhere; white-space: pre-wrap; }
@media (max-width: 30rem) { body { padding: .5rem; } .bar { max-width: none; } }
`;

/** The script of the page (`GET /app.js`). */
export const STATUS_PAGE_JS: string = String.raw`"use strict";
(function () {
  var list = document.getElementById("workflows");
  var summary = document.getElementById("summary");
  var connection = document.getElementById("connection");
  var cards = new Map();
  var latest = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function when(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleString();
  }
  function duration(ms) {
    if (ms < 1000) return ms + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
    return Math.floor(ms / 60000) + " m " + Math.round((ms % 60000) / 1000) + " s";
  }
  function relative(iso) {
    var diff = Date.parse(iso) - Date.now();
    if (diff <= 0) return "due now";
    if (diff < 60000) return "in " + Math.ceil(diff / 1000) + " s";
    if (diff < 3600000) return "in " + Math.round(diff / 60000) + " min";
    return "in " + (diff / 3600000).toFixed(1) + " h";
  }
  function percent(uptime) {
    if (uptime === null || uptime === undefined) return "no runs yet";
    return (Math.floor(uptime * 1000) / 10) + "% uptime (7 days)";
  }
  function card(name) {
    var existing = cards.get(name);
    if (existing) return existing;
    var section = el("section", "workflow");
    section.setAttribute("data-workflow", name);
    var head = el("div", "head");
    var title = el("h2", "name", name);
    var status = el("span", "status");
    head.append(title, status);
    var facts = el("div", "facts");
    var uptime = el("span", "uptime");
    var next = el("span", "next");
    var last = el("span", "last");
    facts.append(uptime, next, last);
    var bars = el("ol", "bars");
    bars.setAttribute("aria-label", "Latest runs of " + name + ", oldest first");
    var error = el("p", "error");
    section.append(head, facts, bars, error);
    var parts = { section: section, status: status, uptime: uptime, next: next, last: last, bars: bars, error: error };
    cards.set(name, parts);
    return parts;
  }
  function renderWorkflow(w) {
    var c = card(w.name);
    c.section.setAttribute("data-status", w.status);
    c.status.textContent = w.status;
    c.uptime.textContent = percent(w.uptime);
    c.next.textContent = w.next_run_at ? "next run " + relative(w.next_run_at) : "no next run";
    c.next.title = w.next_run_at ? when(w.next_run_at) : "";
    var newest = w.runs[0];
    c.last.textContent = newest ? "last run " + when(newest.started_at) : "";
    c.error.textContent = newest && newest.error ? newest.error : "";
    c.error.hidden = !(newest && newest.error);
    var bars = [];
    for (var i = w.runs.length - 1; i >= 0; i--) {
      var run = w.runs[i];
      var bar = el("li", "bar");
      bar.tabIndex = 0;
      bar.setAttribute("data-run-status", run.status);
      var text = when(run.started_at) + " · " + run.status + " in " + duration(run.duration_ms) +
        " (exit " + run.exit_code + ")" + (run.error ? "\n" + run.error : "");
      bar.setAttribute("aria-label", text);
      var tip = el("span", "tip", text);
      tip.setAttribute("role", "tooltip");
      bar.append(tip);
      bars.push(bar);
    }
    c.bars.replaceChildren.apply(c.bars, bars);
    return c.section;
  }
  function render(data) {
    latest = data;
    var sections = data.workflows.map(renderWorkflow);
    list.replaceChildren.apply(list, sections);
    var failing = data.workflows.filter(function (w) { return w.status === "failing"; }).length;
    var pending = data.workflows.filter(function (w) { return w.status === "pending"; }).length;
    summary.textContent = data.workflows.length + " workflow" + (data.workflows.length === 1 ? "" : "s") +
      ": " + failing + " failing, " + pending + " pending · updated " + new Date().toLocaleTimeString();
    document.title = (failing > 0 ? "(" + failing + " failing) " : "") + "t4flow monitor";
  }
  function poll() {
    fetch("/api/status", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(render)
      .catch(function () { connection.textContent = "cannot reach the monitor"; });
  }
  poll();
  if (window.EventSource) {
    var events = new EventSource("/api/events");
    events.addEventListener("status", function (e) {
      connection.textContent = "live";
      render(JSON.parse(e.data));
    });
    events.onerror = function () { connection.textContent = "reconnecting…"; };
  } else {
    connection.textContent = "refreshing every 10 s";
    setInterval(poll, 10000);
  }
  setInterval(function () {
    if (!latest) return;
    latest.workflows.forEach(function (w) {
      var c = cards.get(w.name);
      if (c && w.next_run_at) c.next.textContent = "next run " + relative(w.next_run_at);
    });
  }, 1000);
})();
`;
