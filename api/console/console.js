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

// --- the queue's filters: priority (any of P1-P4), customer, status; kept in the page's URL -----
const customers = new Set();  // the customers of every ticket listed so far: the filter's options
const customerNames = new Map();  // id -> name, from the service desk's directory
const engineers = new Map();  // technician id -> name: the only assignees the API accepts

// The directory (GET /customers, /technicians): the customers' names for the filter, the
// engineers for the assignee picker. Loaded once per sign-in.
async function loadDirectory() {
  const [known, staff] = await Promise.all([call("GET", "/customers"),
                                            call("GET", "/technicians")]);
  for (const c of known) { customerNames.set(c.customer_id, c.name); customers.add(c.customer_id); }
  const options = [el("option", "Choose an engineer")];
  options[0].value = "";
  for (const t of staff) {
    engineers.set(t.id, t.name);
    const option = el("option", t.name + " (" + t.id + (t.region ? ", " + t.region : "") + ")");
    option.value = t.id;
    options.push(option);
  }
  $("assignee").replaceChildren(...options);
  renderCustomers();
}

function filters() {
  return {
    priority: Array.from(document.querySelectorAll("#filter-priority input:checked"),
                         (box) => box.value),
    customer: $("filter-customer").value,
    status: $("filter-status").value,
  };
}

function setFilters(wanted) {
  for (const box of document.querySelectorAll("#filter-priority input")) {
    box.checked = wanted.priority.includes(box.value);
  }
  if (wanted.customer) customers.add(wanted.customer);
  renderCustomers(wanted.customer);
  const status = $("filter-status");
  status.value = wanted.status;
  if (status.value !== wanted.status) status.value = "open";
}

function filtersFromUrl() {
  const query = new URLSearchParams(window.location.search);
  return {
    priority: query.getAll("priority").filter((p) => /^P[1-4]$/.test(p)),
    customer: (query.get("customer") || "").slice(0, 60),
    status: query.has("status") ? query.get("status") : "open",
  };
}

function filtersToUrl(f) {
  const query = new URLSearchParams();
  f.priority.forEach((p) => query.append("priority", p));
  if (f.customer) query.set("customer", f.customer);
  if (f.status !== "open") query.set("status", f.status);
  const search = query.toString();
  history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
}

function renderCustomers(selected) {
  const select = $("filter-customer");
  const keep = selected === undefined ? select.value : selected;
  const options = [el("option", "All customers")];
  options[0].value = "";
  for (const id of Array.from(customers).sort()) {
    const option = el("option", customerNames.has(id) ? customerNames.get(id) + " (" + id + ")" : id);
    option.value = id;
    options.push(option);
  }
  select.replaceChildren(...options);
  select.value = keep;
}

function cell(text, label, cls) {
  const td = el("td", text, cls);
  td.dataset.label = label;  // the card layout's caption on a narrow screen
  return td;
}

async function loadQueue() {
  const f = filters();
  filtersToUrl(f);
  const params = new URLSearchParams({ sort: "urgency", page_size: "100" });
  if (f.status === "open") OPEN.forEach((s) => params.append("status", s));
  else if (f.status) params.append("status", f.status);
  f.priority.forEach((p) => params.append("priority", p));
  if (f.customer) params.set("customer_id", f.customer);
  const page = await call("GET", "/tickets?" + params.toString());
  const body = $("queue").querySelector("tbody");
  body.replaceChildren();
  for (const t of page.items) {
    const row = el("tr");
    row.dataset.id = t.id;
    const d = due(t);
    row.append(cell(t.number, "#"), cell(t.priority, "Priority", t.priority),
               cell(t.customer_id || "-", "Customer"), cell(t.subject, "Subject"),
               cell(t.status, "Status"), cell(t.assignee_name || t.assignee || "-", "Assignee"),
               cell(d.text, "Next deadline", d.breached ? "breached" : ""));
    if (current && current.id === t.id) row.classList.add("selected");
    row.addEventListener("click", () => openTicket(t.id).catch(fail));
    body.append(row);
    if (t.customer_id) customers.add(t.customer_id);
  }
  renderCustomers();
  $("queue-count").textContent = page.items.length < page.total
    ? "Showing the " + page.items.length + " most urgent of " + page.total + " tickets"
    : page.total + (page.total === 1 ? " ticket" : " tickets");
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

// A date and time in the browser's language and time zone.
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
function when(iso) {
  const date = new Date(iso);
  return isNaN(date.getTime()) ? "-" : DATE_TIME.format(date);
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
  field(f, "Assignee", t.assignee_name ? t.assignee_name + " (" + t.assignee + ")" : t.assignee);
  field(f, "Response due", when(t.response_due_at));
  field(f, "Resolution due", when(t.resolution_due_at));
  field(f, "Next deadline", d.text);
  field(f, "Description", t.description);
  const select = $("status-select");
  select.replaceChildren(...t.allowed_transitions.map((s) => { const o = el("option", s); o.value = s; return o; }));
  $("handoff-state").textContent = t.human_active ? "You own the chat; the assistant is silent."
                                                  : "The assistant answers the chat.";
  $("handoff-button").textContent = t.human_active ? "Hand back to the assistant"
                                                   : "Take over the chat";
  $("signin-form").hidden = !t.customer_id;
  $("signin-state").textContent = "";
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
  loadDirectory().catch(fail);
  loadQueue().catch(fail);
});
$("logout").addEventListener("click", () => {
  sessionStorage.removeItem("helios-key");
  location.reload();
});
$("refresh").addEventListener("click", () => loadQueue().catch(fail));
$("filters").addEventListener("change", () => loadQueue().catch(fail));
$("filters").addEventListener("submit", (event) => event.preventDefault());
$("filters").addEventListener("reset", (event) => {
  event.preventDefault();
  setFilters({ priority: [], customer: "", status: "open" });
  loadQueue().catch(fail);
});
setFilters(filtersFromUrl());
$("assign-form").addEventListener("submit", (event) => {
  event.preventDefault();
  patch({ assignee: $("assignee").value }).catch(fail);
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
// A sign-in link for the ticket's customer, sent by the outbox to its contact on file: the
// customer's chat then sees its company's data (POST /identity with send).
const SIGNIN_SENT = { sent: "Sent to the customer's contact on file.",
                      limited: "Not sent: several links went to this contact in the last hour.",
                      no_contact: "Not sent: the customer has no contact on file." };
$("signin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  call("POST", "/identity", { customer_id: current.customer_id, send: true })
    .then((link) => { $("signin-state").textContent = SIGNIN_SENT[link.sent] || link.sent; })
    .catch(fail);
});
$("reply-form").addEventListener("submit", (event) => {
  event.preventDefault();
  call("POST", "/tickets/" + current.id + "/comments",
       { body: $("reply-body").value, visibility: $("reply-visibility").value })
    .then(() => { $("reply-body").value = ""; return openTicket(current.id); }).catch(fail);
});
if (key()) {
  $("logout").hidden = false;
  loadDirectory().catch(fail);
  loadQueue().catch(fail);
}
