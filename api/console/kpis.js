// Staff console: the service KPIs of a period (GET /api/v1/kpis) as figures and charts
// (Chart.js, served from /console/, no CDN), and the knowledge gaps (GET /api/v1/kpis/gaps).
// Plain browser JavaScript, no build step; all data is rendered as text, never as HTML.
"use strict";

const API = "/api/v1";
const key = () => sessionStorage.getItem("helios-key") || "";
const $ = (id) => document.getElementById(id);
const charts = {};  // canvas id -> Chart; window.kpiCharts for the browser test
window.kpiCharts = charts;
const COLOURS = ["#1f6fb2", "#c05600", "#2e8b57", "#8e44ad", "#b00020", "#7f8c8d", "#d4a017"];
const REASONS = {
  safety: "Safety", low_confidence: "Low confidence", didnt_help: "Didn't help",
  asked_for_person: "Asked for a person", critical_code: "Critical code",
  monitoring: "Monitoring",
};

function say(text) { $("message").textContent = text || ""; }

function el(tag, text) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

async function call(path, accept) {
  const response = await fetch(API + path, {
    headers: { "Authorization": "Bearer " + key(), "Accept": accept || "application/json" },
  });
  if (!response.ok) {
    let detail = "HTTP " + response.status;
    try { const data = await response.json(); detail = data.detail || detail; } catch (e) { /* text */ }
    const error = new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
    error.status = response.status;
    throw error;
  }
  return accept === "text/csv" ? response.blob() : response.json();
}

function query(extra) {
  const params = new URLSearchParams({ from: $("from").value, to: $("to").value });
  if ($("group-by").value) params.set("group_by", $("group-by").value);
  for (const [k, v] of Object.entries(extra || {})) params.set(k, v);
  return params;
}

const pct = (value) => (value === null || value === undefined ? null
                        : Math.round(value * 1000) / 10);
const shown = (value, unit) => (value === null || value === undefined ? "-"
                                : (Math.round(value * 10) / 10) + (unit || ""));

function figures(total) {
  const rows = [
    ["Conversations", total.containment.conversations],
    ["Contained by the assistant", shown(pct(total.containment.rate), " %")],
    ["Escalated to an engineer", shown(pct(total.escalation.rate), " %")],
    ["Tickets", total.tickets.tickets],
    ["First response (mean, contract clock)", shown(total.tickets.first_response_h, " h")],
    ["Resolution (mean, contract clock)", shown(total.tickets.resolution_h, " h")],
    ["SLA met: first response", shown(pct(total.sla.response_compliance), " %")],
    ["SLA met: resolution", shown(pct(total.sla.resolution_compliance), " %")],
    ["First-time fix", shown(pct(total.repair.first_time_fix_rate), " %")],
    ["Mean time to repair", shown(total.repair.mttr_h, " h")],
    ["\"Did this help?\" yes", shown(pct(total.satisfaction.helped_rate), " %")],
    ["Rating (1-5)", shown(total.satisfaction.rating_mean)],
    ["Guided diagnoses (concluded / escalated)", total.diagnosis.sessions + " (" +
      total.diagnosis.concluded + " / " + total.diagnosis.escalated + ")"],
    ["Knowledge gaps (questions)", total.gaps.turns],
  ];
  const list = $("figures");
  list.replaceChildren();
  for (const [name, value] of rows) list.append(el("dt", name), el("dd", value));
}

function draw(id, config) {
  if (charts[id]) charts[id].destroy();
  config.options = Object.assign({ animation: false, responsive: true,
                                   maintainAspectRatio: false }, config.options || {});
  charts[id] = new Chart($(id), config);
}

function render(report) {
  figures(report.total);
  // Demo data (ASSISTANT_DEMO_DATA, analytics/demo.py) is said so, never passed off as real.
  const demo = (report.total.tickets.by_channel || {}).demo || 0;
  $("demo").hidden = !demo;
  $("demo").textContent = demo ? "Demo data: " + demo + " of the period's tickets and their " +
    "conversations were generated (python -m analytics.demo --clear removes them)." : "";
  const groups = report.groups.length ? report.groups : [report.total];
  const labels = groups.map((g) => g.group);
  const percent = { y: { beginAtZero: true, max: 100, ticks: { callback: (v) => v + " %" } } };
  draw("chart-containment", {
    type: "bar",
    data: { labels, datasets: [
      { label: "Contained", backgroundColor: COLOURS[2],
        data: groups.map((g) => pct(g.containment.rate)) },
      { label: "Escalated", backgroundColor: COLOURS[1],
        data: groups.map((g) => pct(g.escalation.rate)) }] },
    options: { scales: percent },
  });
  const reasons = Object.entries(report.total.escalation.reasons || {});
  draw("chart-reasons", {
    type: "doughnut",
    data: { labels: reasons.map(([r]) => REASONS[r] || r),
            datasets: [{ data: reasons.map(([, n]) => n), backgroundColor: COLOURS }] },
  });
  draw("chart-sla", {
    type: "bar",
    data: { labels, datasets: [
      { label: "First response", backgroundColor: COLOURS[0],
        data: groups.map((g) => pct(g.sla.response_compliance)) },
      { label: "Resolution", backgroundColor: COLOURS[3],
        data: groups.map((g) => pct(g.sla.resolution_compliance)) }] },
    options: { scales: percent },
  });
  const ratings = report.total.satisfaction.rating_distribution || {};
  draw("chart-satisfaction", {
    type: "bar",
    data: { labels: ["1", "2", "3", "4", "5", "helped", "didn't help"], datasets: [
      { label: "Conversations", backgroundColor: COLOURS[0],
        data: ["1", "2", "3", "4", "5"].map((r) => ratings[r] || 0).concat(
          [report.total.satisfaction.helped_yes, report.total.satisfaction.helped_no]) }] },
    options: { plugins: { legend: { display: false } } },
  });
}

function renderGaps(report) {
  const body = $("gaps").querySelector("tbody");
  body.replaceChildren();
  for (const c of report.clusters) {
    const row = el("tr");
    const examples = el("td");
    const list = el("ul");
    for (const text of c.examples) list.append(el("li", text));
    examples.append(list);
    row.append(el("td", c.cluster), el("td", c.questions), el("td", c.label),
               el("td", Object.entries(c.languages).map(([l, n]) => l + " " + n).join(", ")),
               examples);
    body.append(row);
  }
  if (!report.clusters.length) {
    const row = el("tr");
    const cell = el("td", "No unanswered questions in this period.");
    cell.colSpan = 5;
    row.append(cell);
    body.append(row);
  }
}

async function load() {
  if (!key()) {
    say("Sign in with a staff key on the ticket queue page first.");
    return;
  }
  say("");
  history.replaceState(null, "", "?" + query().toString());
  const started = performance.now();
  const [report, gaps] = await Promise.all([call("/kpis?" + query()),
                                            call("/kpis/gaps?" + query({ limit: "50" }))]);
  render(report);
  renderGaps(gaps);
  document.body.dataset.renderedMs = String(Math.round(performance.now() - started));
  document.body.dataset.rendered = "true";
}

async function download(path, name) {
  const blob = await call(path, "text/csv");
  const link = el("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function fail(error) {
  say(error.status === 401 || error.status === 403
    ? "Sign in with a valid staff key on the ticket queue page." : error.message);
}

function initialPeriod() {
  const params = new URLSearchParams(window.location.search);
  const today = new Date();
  const before = new Date(today.getTime() - 90 * 86400000);
  const iso = (d) => d.toISOString().slice(0, 10);
  $("from").value = params.get("from") || iso(before);
  $("to").value = params.get("to") || iso(today);
  $("group-by").value = params.get("group_by") || "";
}

$("period").addEventListener("submit", (event) => {
  event.preventDefault();
  load().catch(fail);
});
$("csv").addEventListener("click", () => download(
  "/kpis?" + query({ format: "csv" }), "kpis.csv").catch(fail));
$("csv-breaches").addEventListener("click", () => download(
  "/kpis?" + query({ format: "csv", table: "breaches" }), "sla_breaches.csv").catch(fail));
$("csv-gaps").addEventListener("click", () => download(
  "/kpis/gaps?" + query({ format: "csv" }), "knowledge_gaps.csv").catch(fail));
initialPeriod();
load().catch(fail);
