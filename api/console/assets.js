// Installed units: the open alerts, and one unit's readings with a sparkline each (inline SVG,
// no chart library to load), its normal range shaded and its limits drawn, the trend and the
// forecast. Signed in with the key the ticket console keeps for this tab.
"use strict";

const $ = (id) => document.getElementById(id);
const key = () => sessionStorage.getItem("helios-key") || "";
const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 240, HEIGHT = 48;

async function api(path) {
  const response = await fetch(path, { headers: { "Authorization": "Bearer " + key() } });
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
    throw new Error(response.status + " " + detail);
  }
  return response.json();
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  // The column's heading: the caption of the value when a phone shows each row as a card.
  const heading = $("alerts").querySelectorAll("thead th")[row.children.length];
  if (heading) td.dataset.label = heading.textContent;
  row.appendChild(td);
}

async function loadAlerts() {
  $("message").textContent = key() ? "" : "Sign in on the ticket console first.";
  if (!key()) return;
  try {
    const data = await api("/api/v1/alerts?state=open");
    const body = $("alerts").querySelector("tbody");
    body.replaceChildren();
    for (const alert of data.items) {
      const row = document.createElement("tr");
      cell(row, alert.priority, alert.priority);
      cell(row, alert.kind);
      cell(row, alert.serial);
      cell(row, (alert.details && alert.details.summary) || alert.condition);
      cell(row, new Date(alert.opened_at).toLocaleString());
      row.addEventListener("click", () => showUnit(alert.serial));
      body.appendChild(row);
    }
  } catch (error) {
    $("message").textContent = "Alerts: " + error.message;
  }
}

function sparkline(reading) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", WIDTH);
  svg.setAttribute("height", HEIGHT);
  svg.setAttribute("class", "sparkline");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", reading.observation + " over time");
  const values = reading.points.map((p) => p[1]);
  const limits = reading.limits.filter((v) => v !== null);
  const all = values.concat(reading.normal, limits);
  let low = Math.min(...all), high = Math.max(...all);
  if (high === low) { high += 1; low -= 1; }
  const y = (v) => HEIGHT - 2 - (v - low) / (high - low) * (HEIGHT - 4);
  const band = document.createElementNS(SVG, "rect");
  band.setAttribute("x", 0);
  band.setAttribute("width", WIDTH);
  band.setAttribute("y", y(reading.normal[1]));
  band.setAttribute("height", Math.max(1, y(reading.normal[0]) - y(reading.normal[1])));
  band.setAttribute("class", "normal");
  svg.appendChild(band);
  for (const limit of limits) {
    const line = document.createElementNS(SVG, "line");
    line.setAttribute("x1", 0);
    line.setAttribute("x2", WIDTH);
    line.setAttribute("y1", y(limit));
    line.setAttribute("y2", y(limit));
    line.setAttribute("class", "limit");
    svg.appendChild(line);
  }
  if (values.length > 1) {
    const step = WIDTH / (values.length - 1);
    const path = document.createElementNS(SVG, "polyline");
    path.setAttribute("points", values.map((v, i) => (i * step).toFixed(1) + "," +
                                                     y(v).toFixed(1)).join(" "));
    path.setAttribute("class", reading.sign ? "series sign" : "series");
    svg.appendChild(path);
  }
  return svg;
}

function describe(reading) {
  const parts = [];
  if (reading.value !== null) parts.push(reading.value.toFixed(2) + " " + (reading.unit || ""));
  parts.push("normal " + reading.normal[0] + "-" + reading.normal[1]);
  if (reading.trend) parts.push((reading.trend.slope_per_day >= 0 ? "+" : "") +
                                reading.trend.slope_per_day.toPrecision(2) + "/day" +
                                (reading.trend.significant ? " (clear)" : ""));
  if (reading.prediction) parts.push("limit " + reading.prediction.limit + " in about " +
                                     reading.prediction.eta_days.toFixed(1) + " days" +
                                     (reading.prediction.codes.length ?
                                      " (" + reading.prediction.codes.join(", ") + ")" : ""));
  return parts.join(" · ");
}

async function showUnit(serial) {
  try {
    const data = await api("/api/v1/assets/" + encodeURIComponent(serial) + "/telemetry");
    $("unit").hidden = false;
    $("u-title").textContent = data.model + " " + data.serial;
    $("u-meta").textContent = "Customer " + data.customer_id + ", site " + data.site_id +
      (data.running_hours !== null ? ", " + data.running_hours + " h" : "") +
      (data.last_message_at ? ", last message " + new Date(data.last_message_at).toLocaleString()
                            : ", no telemetry yet") +
      (data.active_codes.length ? ", codes " + data.active_codes.join(", ") : "");
    const box = $("readings");
    box.replaceChildren();
    for (const reading of data.readings) {
      const figure = document.createElement("figure");
      figure.className = "reading" + (reading.sign ? " sign" : "") +
                         (reading.prediction ? " predicted" : "");
      figure.dataset.observation = reading.observation;
      const caption = document.createElement("figcaption");
      caption.textContent = reading.observation + ": " + describe(reading);
      figure.appendChild(sparkline(reading));
      figure.appendChild(caption);
      box.appendChild(figure);
    }
    const list = $("u-alerts");
    list.replaceChildren();
    for (const alert of data.alerts) {
      const item = document.createElement("li");
      item.className = alert.priority;
      item.textContent = alert.priority + " " + alert.kind + ": " +
        ((alert.details && alert.details.summary) || alert.condition) + " ";
      if (alert.chat_url) {
        const link = document.createElement("a");
        link.href = alert.chat_url;
        link.textContent = "guided chat";
        item.appendChild(link);
      }
      list.appendChild(item);
    }
    $("message").textContent = "";
  } catch (error) {
    $("message").textContent = "Unit " + serial + ": " + error.message;
  }
}

$("refresh").addEventListener("click", loadAlerts);
$("unit-form").addEventListener("submit", (event) => {
  event.preventDefault();
  showUnit($("serial").value.trim());
});
loadAlerts();
const wanted = new URLSearchParams(window.location.search).get("serial");
if (wanted) showUnit(wanted);
