// Customer web chat: plain browser JavaScript over /chat/api (no build step).
// Message content is always inserted as text (textContent / text nodes), never as HTML.
"use strict";

const API = "/chat/api";
const POLL_MS = 3000;
const ID_KEY = "helios-chat-conversation";
const LANG_KEY = "helios-chat-language";
const ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
// The conversation's bubbles, kept for this tab so a reload shows them again (bounded).
const TRANSCRIPT_KEY = "helios-chat-transcript";
const MAX_ITEMS = 200;
const MAX_CHARS = 200000;
// A signed identity the customer portal hands over (/chat/?identity=<token>), for this tab.
const IDENTITY_KEY = "helios-chat-identity";
const IDENTITY_PATTERN = /^[A-Za-z0-9._~=-]{8,512}$/;
// The quick replies of the greeting: each forces its intent, in the page's language (the
// entity sets the conversation's language slot), so the assistant's first answer is its own.
const QUICK_REPLIES = [
  { key: "qrFault", intent: "report_problem" },
  { key: "qrManual", intent: "identify_asset" },  // manuals are searched for the machine
  { key: "qrParts", intent: "ask_spare_part" },
  { key: "qrMaintenance", intent: "ask_maintenance" },
  { key: "qrTickets", intent: "ticket_status" },
  { key: "qrEngineer", intent: "talk_to_human" },
];

// The page's own few strings; the assistant's replies come in the customer's language anyway.
const STRINGS = {
  en: { title: "Helios support", language: "Language", conversation: "Conversation",
        message: "Your message", placeholder: "Type your message…", send: "Send",
        engineer: "Engineer", handoff: "An engineer is handling your conversation",
        ticket: "ticket #{n}",
        unavailable: "The assistant is briefly unavailable. Please try again in a moment.",
        tooLong: "Your message is too long. Please shorten it.",
        rejected: "Your message could not be sent. Please try again.",
        hotline: "Service hotline: ",
        callback: "Request a callback",
        cbName: "Your name",
        cbContact: "Phone or e-mail",
        cbMessage: "What is it about? (optional)",
        cbSend: "Call me back",
        cbDone: "Thank you. The service desk will call you back (ticket #{n}).",
        cbQueued: "Thank you. Your request is noted (reference {r}); the service desk will call you back.",
        cbFailed: "Your request could not be sent. Please check your name and your phone number or e-mail address.",
        cbError: "Your request could not be sent right now. Please try again in a moment, or call the hotline.",
        welcome: "Hello! I'm the Helios digital service assistant. How can I help you today? Choose a topic below or type your question.",
        quickReplies: "Common tasks",
        qrFault: "Report a fault or an error code",
        qrManual: "A question about a manual",
        qrParts: "Spare parts",
        qrMaintenance: "Maintenance",
        qrTickets: "My tickets",
        qrEngineer: "Talk to an engineer",
        guest: "Your sign-in has expired; you are now chatting as a guest." },
  el: { title: "Υποστήριξη Helios", language: "Γλώσσα", conversation: "Συνομιλία",
        message: "Το μήνυμά σας", placeholder: "Γράψτε το μήνυμά σας…", send: "Αποστολή",
        engineer: "Μηχανικός", handoff: "Ένας μηχανικός χειρίζεται τη συνομιλία σας",
        ticket: "αίτημα #{n}",
        unavailable: "Ο βοηθός δεν είναι διαθέσιμος για λίγο. Δοκιμάστε ξανά σε λίγο.",
        tooLong: "Το μήνυμά σας είναι πολύ μεγάλο. Παρακαλούμε συντομεύστε το.",
        rejected: "Δεν ήταν δυνατή η αποστολή του μηνύματός σας. Δοκιμάστε ξανά.",
        hotline: "Γραμμή εξυπηρέτησης: ",
        callback: "Ζητήστε να σας καλέσουμε",
        cbName: "Το όνομά σας",
        cbContact: "Τηλέφωνο ή e-mail",
        cbMessage: "Περί τίνος πρόκειται; (προαιρετικά)",
        cbSend: "Καλέστε με",
        cbDone: "Ευχαριστούμε. Η υπηρεσία εξυπηρέτησης θα σας καλέσει (αίτημα #{n}).",
        cbQueued: "Ευχαριστούμε. Το αίτημά σας καταχωρίστηκε (κωδικός {r})· η υπηρεσία εξυπηρέτησης θα σας καλέσει.",
        cbFailed: "Δεν ήταν δυνατή η αποστολή του αιτήματος. Ελέγξτε το όνομα και το τηλέφωνο ή το e-mail σας.",
        cbError: "Δεν ήταν δυνατή η αποστολή του αιτήματος αυτή τη στιγμή. Δοκιμάστε ξανά σε λίγο ή καλέστε τη γραμμή εξυπηρέτησης.",
        welcome: "Γεια σας! Είμαι ο ψηφιακός βοηθός εξυπηρέτησης της Helios. Πώς μπορώ να σας βοηθήσω σήμερα; Επιλέξτε ένα θέμα παρακάτω ή γράψτε την ερώτησή σας.",
        quickReplies: "Συνήθεις εργασίες",
        qrFault: "Αναφορά βλάβης ή κωδικού σφάλματος",
        qrManual: "Ερώτηση για ένα εγχειρίδιο",
        qrParts: "Ανταλλακτικά",
        qrMaintenance: "Συντήρηση",
        qrTickets: "Τα αιτήματά μου",
        qrEngineer: "Συνομιλία με μηχανικό",
        guest: "Η σύνδεσή σας έληξε· συνεχίζετε τη συνομιλία ως επισκέπτης." },
  de: { title: "Helios Support", language: "Sprache", conversation: "Gespräch",
        message: "Ihre Nachricht", placeholder: "Ihre Nachricht…", send: "Senden",
        engineer: "Techniker", handoff: "Ein Techniker betreut jetzt Ihr Gespräch",
        ticket: "Ticket #{n}",
        unavailable: "Der Assistent ist kurz nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
        tooLong: "Ihre Nachricht ist zu lang. Bitte kürzen Sie sie.",
        rejected: "Ihre Nachricht konnte nicht gesendet werden. Bitte versuchen Sie es erneut.",
        hotline: "Service-Hotline: ",
        callback: "Rückruf anfordern",
        cbName: "Ihr Name",
        cbContact: "Telefon oder E-Mail",
        cbMessage: "Worum geht es? (optional)",
        cbSend: "Bitte zurückrufen",
        cbDone: "Vielen Dank. Der Kundendienst ruft Sie zurück (Ticket #{n}).",
        cbQueued: "Vielen Dank. Ihre Anfrage ist notiert (Referenz {r}); der Kundendienst ruft Sie zurück.",
        cbFailed: "Ihre Anfrage konnte nicht gesendet werden. Bitte prüfen Sie Namen und Telefonnummer oder E-Mail-Adresse.",
        cbError: "Ihre Anfrage konnte gerade nicht gesendet werden. Bitte versuchen Sie es gleich noch einmal oder rufen Sie die Hotline an.",
        welcome: "Guten Tag! Ich bin der digitale Service-Assistent von Helios. Wie kann ich Ihnen heute helfen? Wählen Sie unten ein Thema oder schreiben Sie Ihre Frage.",
        quickReplies: "Häufige Anliegen",
        qrFault: "Störung oder Fehlercode melden",
        qrManual: "Frage zum Handbuch",
        qrParts: "Ersatzteile",
        qrMaintenance: "Wartung",
        qrTickets: "Meine Tickets",
        qrEngineer: "Mit einem Techniker sprechen",
        guest: "Ihre Anmeldung ist abgelaufen; Sie chatten jetzt als Gast." },
  fr: { title: "Assistance Helios", language: "Langue", conversation: "Conversation",
        message: "Votre message", placeholder: "Écrivez votre message…", send: "Envoyer",
        engineer: "Technicien", handoff: "Un technicien s'occupe de votre conversation",
        ticket: "ticket n° {n}",
        unavailable: "L'assistant est momentanément indisponible. Veuillez réessayer dans un instant.",
        tooLong: "Votre message est trop long. Veuillez le raccourcir.",
        rejected: "Votre message n'a pas pu être envoyé. Veuillez réessayer.",
        hotline: "Assistance téléphonique : ",
        callback: "Être rappelé",
        cbName: "Votre nom",
        cbContact: "Téléphone ou e-mail",
        cbMessage: "De quoi s'agit-il ? (facultatif)",
        cbSend: "Rappelez-moi",
        cbDone: "Merci. Le service après-vente vous rappellera (ticket n° {n}).",
        cbQueued: "Merci. Votre demande est enregistrée (référence {r}) ; le service après-vente vous rappellera.",
        cbFailed: "Votre demande n'a pas pu être envoyée. Vérifiez votre nom et votre téléphone ou e-mail.",
        cbError: "Votre demande n'a pas pu être envoyée pour le moment. Réessayez dans un instant ou appelez l'assistance téléphonique.",
        welcome: "Bonjour ! Je suis l'assistant de service numérique de Helios. Comment puis-je vous aider aujourd'hui ? Choisissez un sujet ci-dessous ou écrivez votre question.",
        quickReplies: "Demandes courantes",
        qrFault: "Signaler une panne ou un code d'erreur",
        qrManual: "Une question sur un manuel",
        qrParts: "Pièces de rechange",
        qrMaintenance: "Maintenance",
        qrTickets: "Mes tickets",
        qrEngineer: "Parler à un technicien",
        guest: "Votre connexion a expiré ; vous discutez maintenant en tant qu'invité." },
  es: { title: "Asistencia Helios", language: "Idioma", conversation: "Conversación",
        message: "Su mensaje", placeholder: "Escriba su mensaje…", send: "Enviar",
        engineer: "Técnico", handoff: "Un técnico está atendiendo su conversación",
        ticket: "ticket n.º {n}",
        unavailable: "El asistente no está disponible por unos instantes. Inténtelo de nuevo en un momento.",
        tooLong: "Su mensaje es demasiado largo. Acórtelo, por favor.",
        rejected: "No se pudo enviar su mensaje. Inténtelo de nuevo.",
        hotline: "Línea de asistencia: ",
        callback: "Solicitar una llamada",
        cbName: "Su nombre",
        cbContact: "Teléfono o e-mail",
        cbMessage: "¿De qué se trata? (opcional)",
        cbSend: "Llámenme",
        cbDone: "Gracias. El servicio técnico le llamará (ticket n.º {n}).",
        cbQueued: "Gracias. Su solicitud está registrada (referencia {r}); el servicio técnico le llamará.",
        cbFailed: "No se pudo enviar su solicitud. Compruebe su nombre y su teléfono o e-mail.",
        cbError: "No se pudo enviar su solicitud en este momento. Inténtelo de nuevo en un momento o llame a la línea de asistencia.",
        welcome: "¡Hola! Soy el asistente digital del servicio técnico de Helios. ¿En qué puedo ayudarle hoy? Elija un tema a continuación o escriba su pregunta.",
        quickReplies: "Gestiones habituales",
        qrFault: "Notificar una avería o un código de error",
        qrManual: "Una pregunta sobre un manual",
        qrParts: "Recambios",
        qrMaintenance: "Mantenimiento",
        qrTickets: "Mis tickets",
        qrEngineer: "Hablar con un técnico",
        guest: "Su sesión ha caducado; ahora está chateando como invitado." },
};

const $ = (id) => document.getElementById(id);
let language = "en";
let cursor = 0;          // the last engineer reply id shown
let handoff = { human_active: false, ticket_number: null };
let sending = Promise.resolve();  // messages go out one at a time, in order

function t(key) { return (STRINGS[language] || STRINGS.en)[key]; }

// --- conversation id: 128 random bits, kept for this tab only --------------------------------
function conversationId() {
  let id = sessionStorage.getItem(ID_KEY);
  if (!id || !ID_PATTERN.test(id)) {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    sessionStorage.setItem(ID_KEY, id);
  }
  return id;
}

// The engineer replies shown so far (kept with the transcript, so a reload shows each once).
function setCursor(id) {
  if (id > cursor) { cursor = id; saveTranscript(); }
}

// --- the transcript of this tab: sessionStorage, bounded ---------------------------------------
// Records, not HTML: {who: "user" | "bot" | "engineer", text, at (ISO time), ...}; restored
// bubbles are rendered again from them, their content as text.
let transcript = { conversation: "", cursor: 0, items: [] };
const records = new WeakMap();  // bubble -> its record

function loadTranscript() {
  let saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(TRANSCRIPT_KEY) || "null"); } catch (e) { saved = null; }
  const id = conversationId();
  if (!saved || saved.conversation !== id || !Array.isArray(saved.items)) {
    return { conversation: id, cursor: 0, items: [] };
  }
  const items = saved.items.filter((r) => r && typeof r === "object" &&
    ["user", "bot", "engineer"].includes(r.who) && typeof r.text === "string");
  return { conversation: id, cursor: Math.max(0, Number(saved.cursor) || 0), items: items };
}

function saveTranscript() {
  transcript.cursor = cursor;
  if (transcript.items.length > MAX_ITEMS) transcript.items.splice(0, transcript.items.length - MAX_ITEMS);
  let text = JSON.stringify(transcript);
  while (text.length > MAX_CHARS && transcript.items.length) {
    transcript.items.splice(0, Math.max(1, Math.ceil(transcript.items.length / 10)));
    text = JSON.stringify(transcript);
  }
  try {
    sessionStorage.setItem(TRANSCRIPT_KEY, text);
  } catch (e) {
    // The storage is full: keep the newer half.
    transcript.items.splice(0, Math.ceil(transcript.items.length / 2));
    try { sessionStorage.setItem(TRANSCRIPT_KEY, JSON.stringify(transcript)); } catch (e2) { /* give up */ }
  }
}

function remember(item, record) {
  records.set(item, record);
  transcript.items.push(record);
  saveTranscript();
}

function update(item, change) {
  const record = records.get(item);
  if (!record) return;
  Object.assign(record, change);
  saveTranscript();
}

function now() { return new Date().toISOString(); }

// --- the signed identity: from the link into this tab's storage, sent with every message ------
function takeIdentity() {
  const url = new URL(window.location.href);
  if (!url.searchParams.has("identity")) return;
  const token = url.searchParams.get("identity") || "";
  url.searchParams.delete("identity");
  // Out of the visible URL (and of the history, bookmarks and shared links).
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  if (IDENTITY_PATTERN.test(token)) sessionStorage.setItem(IDENTITY_KEY, token);
}

function identity() {
  const token = sessionStorage.getItem(IDENTITY_KEY);
  return token && IDENTITY_PATTERN.test(token) ? token : null;
}

function mentionsIdentity(detail) {
  try { return /identity/i.test(typeof detail === "string" ? detail : JSON.stringify(detail)); }
  catch (e) { return false; }
}

// --- language of the page's chrome ------------------------------------------------------------
function initialLanguage() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved && STRINGS[saved]) return saved;
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (STRINGS[base]) return base;
  }
  return "en";
}

// Dates and times: in the page's language (the browser's own variant of it, en-GB rather than
// en, when it has one) and the browser's time zone.
function formatLocale() {
  for (const tag of navigator.languages || [navigator.language || ""]) {
    if (String(tag).toLowerCase().split("-")[0] === language) return String(tag);
  }
  return language;
}

function formatTime(node) {
  const date = new Date(node.dateTime);
  if (isNaN(date.getTime())) return;
  const locale = formatLocale();
  const today = new Date().toDateString() === date.toDateString();
  try {
    node.textContent = new Intl.DateTimeFormat(locale, today ? { timeStyle: "short" }
      : { dateStyle: "medium", timeStyle: "short" }).format(date);
    node.title = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "long" }).format(date);
  } catch (e) {
    node.textContent = date.toLocaleString();
  }
}

function timeNode(at) {
  const node = document.createElement("time");
  node.className = "at";
  node.dateTime = at;
  formatTime(node);
  return node;
}

function applyLanguage(code) {
  language = STRINGS[code] ? code : "en";
  document.documentElement.lang = language;
  $("language").value = language;
  for (const node of document.querySelectorAll("[data-i18n]")) {
    node.textContent = t(node.dataset.i18n);
  }
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  for (const node of document.querySelectorAll(".engineer .author")) {
    node.textContent = authorLabel(node.dataset.name);
  }
  for (const node of document.querySelectorAll("#messages time.at")) formatTime(node);
  renderWelcome();
  renderHandoff();
}

// --- rendering ----------------------------------------------------------------------------
function withLineBreaks(node, text) {
  String(text).split("\n").forEach((line, i) => {
    if (i > 0) node.append(document.createElement("br"));
    node.append(document.createTextNode(line));
  });
  return node;
}

function scrollToEnd() {
  const list = $("messages");
  list.lastElementChild && list.lastElementChild.scrollIntoView({ block: "end" });
}

function bubble(who, text, at) {
  const item = document.createElement("li");
  item.className = "msg " + who;
  const body = document.createElement("div");
  body.className = "text";
  withLineBreaks(body, text || "");
  item.append(body);
  if (at) item.append(timeNode(at));
  $("messages").append(item);
  scrollToEnd();
  return item;
}

// Buttons and links go above the bubble's time.
function addToBubble(item, node) {
  const time = item.querySelector(":scope > time.at");
  if (time) item.insertBefore(node, time); else item.append(node);
}

function notice(text, kind) {
  const item = document.createElement("li");
  item.className = "notice " + (kind || "error");
  item.setAttribute("role", kind === "info" ? "status" : "alert");
  item.textContent = text;
  $("messages").append(item);
  scrollToEnd();
}

// --- the greeting: the page opens the conversation, with quick replies for the common tasks --
function quickPayload(intent) {
  return "/" + intent + JSON.stringify({ language: language });
}

function renderWelcome() {
  let item = $("welcome");
  if (!item) {
    item = document.createElement("li");
    item.id = "welcome";
    item.className = "msg welcome";
    const text = document.createElement("div");
    text.className = "text";
    const row = document.createElement("div");
    row.className = "buttons quick-replies";
    row.setAttribute("role", "group");
    for (const spec of QUICK_REPLIES) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.key = spec.key;
      button.dataset.intent = spec.intent;
      button.addEventListener("click", () => {
        send(quickPayload(spec.intent), t(spec.key));
        $("text").focus();
      });
      row.append(button);
    }
    item.append(text, row);
    $("messages").prepend(item);
  }
  item.querySelector(".text").textContent = t("welcome");
  const row = item.querySelector(".quick-replies");
  row.setAttribute("aria-label", t("quickReplies"));
  for (const button of row.querySelectorAll("button")) {
    button.textContent = t(button.dataset.key);
    button.dataset.payload = quickPayload(button.dataset.intent);
  }
}

// --- the assistant is down: the hotline and a callback request ----------------------------------
let hotline = null;  // the service desk's number, from /chat/api/status (a setting)
let lastFailed = "";  // the message that could not be delivered: the callback's first draft

function field(labelKey, control) {
  const wrap = document.createElement("label");
  const caption = document.createElement("span");
  caption.textContent = t(labelKey);
  wrap.append(caption, control);
  return wrap;
}

function callbackForm(offer) {
  const form = document.createElement("form");
  form.id = "callback";
  const name = document.createElement("input");
  name.name = "name"; name.required = true; name.maxLength = 120; name.autocomplete = "name";
  const contact = document.createElement("input");
  contact.name = "contact"; contact.required = true; contact.maxLength = 200;
  contact.autocomplete = "tel";
  const message = document.createElement("textarea");
  message.name = "message"; message.maxLength = 2000; message.rows = 2;
  message.value = lastFailed;
  const submitButton = document.createElement("button");
  submitButton.type = "submit";
  submitButton.textContent = t("cbSend");
  const status = document.createElement("p");
  status.className = "status";
  status.setAttribute("role", "status");
  form.append(field("cbName", name), field("cbContact", contact), field("cbMessage", message),
              submitButton, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submitButton.disabled = true;
    let response = null;
    try {
      response = await fetch(API + "/callback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ conversation_id: conversationId(), name: name.value,
                               contact: contact.value, message: message.value,
                               language: language }),
      });
    } catch (e) {
      response = null;
    }
    let data = null;
    if (response && response.ok) {
      try { data = await response.json(); } catch (e) { data = null; }
    }
    if (!data) {
      // 422: the details need correcting; anything else: not the customer's doing.
      status.textContent = t(response && response.status === 422 ? "cbFailed" : "cbError");
      submitButton.disabled = false;
      return;
    }
    const done = document.createElement("p");
    done.className = "callback-done";
    done.setAttribute("role", "status");
    done.textContent = data.ticket_number !== null && data.ticket_number !== undefined
      ? t("cbDone").replace("{n}", String(data.ticket_number))
      : t("cbQueued").replace("{r}", String(data.reference || ""));
    form.replaceWith(done);
  });
  offer.append(form);
  name.focus();
}

function unavailableNotice() {
  // A form already open keeps what the customer typed; an empty one gets the failed message.
  const draft = document.querySelector("#callback textarea");
  if (draft && !draft.value) draft.value = lastFailed;
  const item = document.createElement("li");
  item.className = "notice error unavailable";
  item.setAttribute("role", "alert");
  const text = document.createElement("div");
  text.className = "text";
  text.textContent = t("unavailable");
  item.append(text);
  if (hotline) {
    const line = document.createElement("div");
    line.className = "hotline";
    const link = document.createElement("a");
    link.href = "tel:" + hotline.replace(/[^0-9+]/g, "");
    link.textContent = hotline;
    line.append(document.createTextNode(t("hotline")), link);
    item.append(line);
  }
  // One callback form per page: a second failure does not offer a second one.
  if (!document.getElementById("callback") && !document.querySelector(".callback-done")) {
    for (const old of document.querySelectorAll("button.offer-callback")) old.remove();
    const offer = document.createElement("button");
    offer.type = "button";
    offer.className = "offer-callback";
    offer.textContent = t("callback");
    offer.addEventListener("click", () => { offer.remove(); callbackForm(item); });
    item.append(offer);
  }
  $("messages").append(item);
  scrollToEnd();
}

async function checkStatus() {
  try {
    const response = await fetch(API + "/status");
    if (!response.ok) return;
    const data = await response.json();
    hotline = data.hotline || null;
    if (data.assistant === "down") unavailableNotice();
  } catch (e) {
    // the API itself is unreachable: the first message says so
  }
}

function buttonRow(item, buttons, chosen) {
  const row = document.createElement("div");
  row.className = "buttons";
  row.setAttribute("role", "group");
  buttons.forEach((spec, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = spec.title || spec.payload || "";
    button.dataset.payload = String(spec.payload || "");
    // Answered before a reload: answered still.
    if (chosen !== undefined && chosen !== null) {
      button.disabled = true;
      if (index === chosen) button.classList.add("chosen");
    }
    button.addEventListener("click", () => {
      for (const other of row.querySelectorAll("button")) other.disabled = true;
      button.classList.add("chosen");
      update(item, { chosen: index });
      send(String(spec.payload || spec.title || ""), String(spec.title || spec.payload || ""));
    });
    row.append(button);
  });
  addToBubble(item, row);
}

function imageLink(item, url) {
  // Shown as a link: the page's CSP loads nothing from other origins.
  if (!/^https?:\/\//i.test(url)) return;
  const link = document.createElement("a");
  link.href = url;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  link.textContent = url;
  addToBubble(item, link);
}

// custom payloads carry structure, not text: they label the bot message they belong to,
// e.g. {"kind": "ticket", "ticket_number": 42} -> data-kind="ticket" data-ticket-number="42".
function label(item, custom) {
  for (const [key, value] of Object.entries(custom || {})) {
    if (!/^[a-z][a-z0-9_]*$/i.test(key)) continue;
    if (value === null || typeof value === "object") continue;
    const name = key.toLowerCase().replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
    item.dataset[name] = String(value);
    const record = records.get(item);
    if (record) record.data = Object.assign(record.data || {}, { [name]: String(value) });
  }
  saveTranscript();
}

function renderBotMessages(messages) {
  let last = null;          // the preceding bot message of this answer
  const unplaced = [];      // custom items that came before any bot message
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const next = messages[i + 1];
    // An engineer's reply delivered by the assistant on this turn: the poll may have shown it
    // already (same reply id); show each reply once.
    if (next && next.custom && next.custom.kind === "engineer_reply") {
      const id = Number(next.custom.reply_id);
      if (id > cursor) {
        const record = { who: "engineer", text: String(m.text || ""), at: now(), replyId: id };
        remember(renderRecord(record), record);
        setCursor(id);
      }
      i++;
      continue;
    }
    if (m.custom && typeof m.custom === "object") {
      if (last) label(last, m.custom); else unplaced.push(m.custom);
      continue;
    }
    if (m.text === undefined && !m.image && !(m.buttons && m.buttons.length)) continue;
    const record = { who: "bot", text: String(m.text || ""), at: now() };
    if (m.image) record.image = String(m.image);
    if (Array.isArray(m.buttons) && m.buttons.length) {
      record.buttons = m.buttons.map((b) => ({ title: String(b.title || ""),
                                               payload: String(b.payload || "") }));
    }
    last = renderRecord(record);
    remember(last, record);
    unplaced.splice(0).forEach((custom) => label(last, custom));
  }
  if (unplaced.length) {
    const bots = $("messages").querySelectorAll(".msg.bot");
    const target = bots[bots.length - 1];
    if (target) unplaced.forEach((custom) => label(target, custom));
  }
}

function authorLabel(name) { return name ? t("engineer") + " · " + name : t("engineer"); }

function renderEngineerReply(reply) {
  const record = { who: "engineer", text: String(reply.text || ""), author: reply.author || "",
                   at: String(reply.created_at || now()), replyId: reply.id };
  remember(renderRecord(record), record);
}

// One bubble from its record: a new one, or one of the transcript restored after a reload.
function renderRecord(record) {
  let item;
  if (record.who === "user") {
    item = bubble("user", record.text, record.at);
    if (record.failed) item.classList.add("failed");
  } else if (record.who === "engineer") {
    item = bubble("bot engineer", record.text, record.at);
    if (record.author !== undefined) {
      const author = document.createElement("div");
      author.className = "author";
      author.dataset.name = record.author || "";
      author.textContent = authorLabel(record.author);
      item.prepend(author);
    }
    item.dataset.replyId = String(record.replyId);
  } else {
    item = bubble("bot", record.text, record.at);
    if (record.image) imageLink(item, record.image);
    if (Array.isArray(record.buttons) && record.buttons.length) {
      buttonRow(item, record.buttons, record.chosen);
    }
    for (const [name, value] of Object.entries(record.data || {})) {
      if (/^[a-z][a-zA-Z0-9]*$/.test(name)) item.dataset[name] = String(value);
    }
  }
  records.set(item, record);
  return item;
}

function restoreTranscript() {
  transcript = loadTranscript();
  cursor = transcript.cursor;
  for (const record of transcript.items) renderRecord(record);
}

function renderHandoff() {
  const banner = $("handoff");
  banner.hidden = !handoff.human_active;
  let text = t("handoff");
  if (handoff.ticket_number !== null && handoff.ticket_number !== undefined) {
    text += " (" + t("ticket").replace("{n}", String(handoff.ticket_number)) + ")";
  }
  // Only on change: the banner is a live region, and every poll would announce it again.
  if (banner.textContent !== text) banner.textContent = text;
}

// --- talking to the API -----------------------------------------------------------------
function failure(status) {
  if (status === 413) return t("tooLong");
  if (status >= 400 && status < 500) return t("rejected");
  return t("unavailable");
}

async function deliver(payload, shown) {
  // What the customer saw (a button's title, not its payload), as the callback's first draft.
  const draft = String(shown === undefined ? payload : shown).slice(0, 2000);
  let response;
  const token = identity();
  const body = { conversation_id: conversationId(), message: payload };
  if (token) body.identity = token;
  try {
    response = await fetch(API + "/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (e) {
    lastFailed = draft;
    unavailableNotice();
    return false;
  }
  if (response.status === 401 && token) {
    let detail = null;
    try { detail = (await response.json()).detail; } catch (e) { detail = null; }
    if (mentionsIdentity(detail)) {
      // The sign-in expired (or was refused): the conversation goes on as a guest's.
      sessionStorage.removeItem(IDENTITY_KEY);
      notice(t("guest"), "info");
      return deliver(payload, shown);
    }
  }
  if (!response.ok) {
    if (response.status >= 500) {
      lastFailed = draft;
      unavailableNotice();
    } else {
      notice(failure(response.status));
    }
    return false;
  }
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  renderBotMessages((data && Array.isArray(data.messages)) ? data.messages : []);
  return true;
}

function send(payload, shown) {
  const record = { who: "user", text: String(shown), at: now() };
  const item = renderRecord(record);
  remember(item, record);
  sending = sending.then(async () => {
    item.setAttribute("aria-busy", "true");
    $("composer").classList.add("busy");
    const ok = await deliver(payload, shown);
    item.removeAttribute("aria-busy");
    if (!ok) { item.classList.add("failed"); update(item, { failed: true }); }
    $("composer").classList.remove("busy");
  });
  return sending;
}

async function poll() {
  if (!document.hidden) {
    try {
      const response = await fetch(API + "/conversations/" + encodeURIComponent(conversationId()) +
                                    "/replies?after=" + cursor);
      if (response.ok) {
        const data = await response.json();
        for (const reply of data.replies || []) {
          if (reply.id <= cursor) continue;
          renderEngineerReply(reply);
          setCursor(reply.id);
        }
        // The assistant's answers that came after its "still working on it" (each once).
        for (const answer of data.late || []) {
          if (Array.isArray(answer.messages)) renderBotMessages(answer.messages);
        }
        handoff = { human_active: !!data.human_active, ticket_number: data.ticket_number };
        renderHandoff();
      }
    } catch (e) {
      // offline for a moment: the next poll tries again
    }
  }
  setTimeout(poll, POLL_MS);
}

// --- wiring -------------------------------------------------------------------------------
function submit(event) {
  event.preventDefault();
  const box = $("text");
  const text = box.value.trim();
  if (!text) return;
  box.value = "";
  send(text, text);
  box.focus();
}

$("composer").addEventListener("submit", submit);
$("text").addEventListener("keydown", (event) => {
  // Enter sends, Shift+Enter starts a new line; not while an input method composes a word.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});
$("language").addEventListener("change", (event) => {
  localStorage.setItem(LANG_KEY, event.target.value);
  applyLanguage(event.target.value);
});

// Opened from an alert's link (/chat/?alert=<id>.<signature>): the conversation starts with
// the unit's telemetry, once per tab, in the page's language.
const ALERT_KEY = "helios-chat-alert";
const ALERT_PATTERN = /^[0-9]{1,12}\.[0-9a-f]{16}$/;
function openFromAlert() {
  const token = new URLSearchParams(window.location.search).get("alert");
  if (!token || !ALERT_PATTERN.test(token) || sessionStorage.getItem(ALERT_KEY) === token) return;
  sessionStorage.setItem(ALERT_KEY, token);
  const payload = "/start_from_alert" + JSON.stringify({ alert_token: token, language: language });
  sending = sending.then(() => deliver(payload, ""));
}

takeIdentity();
conversationId();
applyLanguage(initialLanguage());
restoreTranscript();
openFromAlert();
checkStatus();
poll();
