// Staff console: plain browser JavaScript against the ticket API (no build step).
// All data is rendered with textContent, never as HTML.
"use strict";

const API = "/api/v1";
const OPEN = ["new", "triaged", "assigned", "in_progress", "waiting_customer"];
let current = null; // the ticket on screen (with its version for If-Match)

const $ = (id) => document.getElementById(id);
const key = () => sessionStorage.getItem("helios-key") || "";

function say(text) { $("message").textContent = text || ""; }

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

async function call(method, path, body, headers) {
  const response = await fetch(API + path, {
    method,
    headers: Object.assign({ "Authorization": "Bearer " + key(),
                             "Content-Type": "application/json" }, headers || {}),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) {
    const detail = data && data.detail;
    const error = new Error(typeof detail === "string" ? detail
      : (detail && detail.message) || ("HTTP " + response.status));
    error.status = response.status;
    error.detail = detail;
    throw error;
  }
  return data;
}

function due(ticket) {
  const at = ticket.sla.next_due_at;
  if (!at) return { text: ticket.sla.paused_since ? "paused" : "-", breached: false };
  const minutes = Math.round((new Date(at) - new Date()) / 60000);
  const abs = Math.abs(minutes);
  const span = abs >= 120 ? Math.round(abs / 60) + " h" : abs + " min";
  return minutes < 0 ? { text: "breached " + span + " ago", breached: true }
                     : { text: "in " + span, breached: false };
}

async function loadQueue() {
  const params = new URLSearchParams({ sort: "urgency", page_size: "100" });
  if (!$("show-done").checked) OPEN.forEach((s) => params.append("status", s));
  const page = await call("GET", "/tickets?" + params.toString());
  const body = $("queue").querySelector("tbody");
  body.replaceChildren();
  for (const t of page.items) {
    const row = el("tr");
    row.dataset.id = t.id;
    const d = due(t);
    row.append(el("td", t.number), el("td", t.priority, t.priority), el("td", t.customer_id),
               el("td", t.subject), el("td", t.status), el("td", t.assignee || "-"),
               el("td", d.text, d.breached ? "breached" : ""));
    if (current && current.id === t.id) row.classList.add("selected");
    row.addEventListener("click", () => openTicket(t.id).catch(fail));
    body.append(row);
  }
}

function field(list, name, value) {
  list.append(el("dt", name), el("dd", value === null || value === undefined ? "-" : value));
}

function renderDiagnosis(diagnosis) {
  const box = $("diagnosis");
  box.replaceChildren();
  if (!diagnosis) { box.append(el("p", "no diagnosis recorded")); return; }
  const obs = el("ul");
  for (const [name, value] of Object.entries(diagnosis.observations || {})) {
    obs.append(el("li", name + ": " + (value === null ? "don't know" : value)));
  }
  const cands = el("ol", null, "candidates");
  for (const c of diagnosis.candidates || []) {
    cands.append(el("li", c.fault_id + " (" + Math.round(c.confidence * 100) + "%)"));
  }
  const trace = el("ol");
  for (const step of diagnosis.trace || []) trace.append(el("li", step));
  box.append(el("h4", "Observations"), obs, el("h4", "Candidate faults"), cands,
             el("h4", "Rules that fired"), trace);
}

async function openTicket(id) {
  const t = await call("GET", "/tickets/" + encodeURIComponent(id));
  current = t;
  $("ticket").hidden = false;
  $("t-title").textContent = "#" + t.number + " " + t.subject;
  const f = $("t-fields");
  f.replaceChildren();
  const d = due(t);
  field(f, "Status", t.status);
  field(f, "Priority", t.priority);
  field(f, "Customer", t.customer_id + " (" + t.contract_tier + ")");
  field(f, "Asset", [t.serial, t.model, t.family].filter(Boolean).join(" / ") || null);
  field(f, "Type", t.type + (t.escalation_reason ? ", escalated: " + t.escalation_reason : ""));
  field(f, "Language", t.language);
  field(f, "Assignee", t.assignee);
  field(f, "Response due", new Date(t.response_due_at).toLocaleString());
  field(f, "Resolution due", new Date(t.resolution_due_at).toLocaleString());
  field(f, "Next deadline", d.text);
  field(f, "Description", t.description);
  const select = $("status-select");
  select.replaceChildren(...t.allowed_transitions.map((s) => { const o = el("option", s); o.value = s; return o; }));
  $("handoff-state").textContent = t.human_active ? "You own the chat; the assistant is silent."
                                                  : "The assistant answers the chat.";
  $("handoff-button").textContent = t.human_active ? "Hand back to the assistant"
                                                   : "Take over the chat";
  const transcript = $("transcript");
  transcript.replaceChildren();
  for (const line of t.transcript) {
    const item = el("li");
    item.append(el("span", line.sender, "who"), el("span", line.text));
    transcript.append(item);
  }
  renderDiagnosis(t.diagnosis);
  const cites = $("citations");
  cites.replaceChildren(...t.citations.map((c) => el("li", [c.document, c.section_id,
    c.section_title, c.page ? "p. " + c.page : null].filter(Boolean).join(" - "))));
  const comments = await call("GET", "/tickets/" + encodeURIComponent(id) + "/comments");
  const list = $("comments");
  list.replaceChildren();
  for (const c of comments) {
    const item = el("li", null, c.visibility === "internal" ? "internal" : "");
    item.append(el("span", c.author + " (" + c.kind + ")", "who"), el("span", c.body));
    list.append(item);
  }
  await loadQueue();
}

async function patch(body) {
  try {
    await call("PATCH", "/tickets/" + current.id, body, { "If-Match": '"' + current.version + '"' });
    say("");
  } catch (error) {
    if (error.status === 412) say("Someone else changed this ticket; it was reloaded.");
    else if (error.status === 409) say(error.message + "; allowed: " + error.detail.allowed.join(", "));
    else throw error;
  }
  await openTicket(current.id);
}

function fail(error) { say(error.status === 401 ? "Sign in with a valid staff key." : error.message); }

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("helios-key", $("key").value.trim());
  $("key").value = "";
  $("logout").hidden = false;
  say("");
  loadQueue().catch(fail);
});
$("logout").addEventListener("click", () => {
  sessionStorage.removeItem("helios-key");
  location.reload();
});
$("refresh").addEventListener("click", () => loadQueue().catch(fail));
$("show-done").addEventListener("change", () => loadQueue().catch(fail));
$("assign-form").addEventListener("submit", (event) => {
  event.preventDefault();
  patch({ assignee: $("assignee").value.trim() }).catch(fail);
});
$("status-form").addEventListener("submit", (event) => {
  event.preventDefault();
  patch({ status: $("status-select").value }).catch(fail);
});
$("handoff-form").addEventListener("submit", (event) => {
  event.preventDefault();
  call("POST", "/tickets/" + current.id + "/handoff", { active: !current.human_active })
    .then(() => openTicket(current.id)).catch(fail);
});
$("reply-form").addEventListener("submit", (event) => {
  event.preventDefault();
  call("POST", "/tickets/" + current.id + "/comments",
       { body: $("reply-body").value, visibility: $("reply-visibility").value })
    .then(() => { $("reply-body").value = ""; return openTicket(current.id); }).catch(fail);
});
if (key()) { $("logout").hidden = false; loadQueue().catch(fail); }
