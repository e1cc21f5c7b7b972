// Customer portal: plain browser JavaScript over /portal/api (no build step).
// Every piece of data is inserted as text (textContent, text nodes), never as HTML.
// The page keeps only the signed identity (sessionStorage, this tab), never the API key.
"use strict";

const API = "/portal/api";
const TOKEN_KEY = "helios-portal-identity";
const LANG_KEY = "helios-portal-language";
const CHAT_LANG_KEY = "helios-chat-language";  // the chat page's own choice, set when opened
const TOKEN_PATTERN = /^[A-Za-z0-9._~=-]{8,512}$/;
const PRIORITIES = ["P1", "P2", "P3", "P4"];

const STRINGS = {
  en: {
    title: "Helios customer portal", language: "Language", signOut: "Sign out",
    signInTitle: "Sign in",
    signInIntro: "Sign in with your company's API key, or open the sign-in link your service desk sent you.",
    apiKey: "API key", signIn: "Sign in", signedInUntil: "Signed in until",
    openChat: "Open a chat", newRequest: "New service request", contract: "Contract",
    slaHours: "Service levels (hours)", priority: "Priority", responseH: "Response",
    resolutionH: "Resolution", sites: "Sites", units: "Installed units", tickets: "Tickets",
    performance: "SLA performance", manuals: "Manuals", show: "Show", stateAll: "All",
    stateOpen: "Open", stateDone: "Resolved and closed", number: "No.", subject: "Subject",
    status: "Status", created: "Created", responseDue: "Response due",
    resolutionDue: "Resolution due", assignee: "Engineer", noTickets: "No tickets.",
    period: "Period", last30: "Last 30 days", last90: "Last 90 days", last365: "Last 12 months",
    thisYear: "This year", ticketsCount: "Tickets", responseMet: "Responses in time",
    responseLate: "Responses late", resolutionMet: "Resolutions in time",
    resolutionLate: "Resolutions late", pending: "Pending", breaches: "Missed deadlines",
    requestIntro: "For planned work on one of your units. A machine that is down or unsafe: open a chat or call the service hotline.",
    unit: "Unit", kind: "Type of request", kindMaintenance: "Maintenance visit",
    kindRepair: "Repair", kindInspection: "Inspection", kindParts: "Spare parts",
    kindOther: "Other", subjectOptional: "Subject (optional)", description: "Description",
    urgency: "Urgency", urgencyPlanned: "Planned (P4)", urgencySoon: "Soon (P3)",
    send: "Send request",
    tier: "Plan", coverage: "Coverage", hotline: "24/7 hotline", yes: "yes", no: "no",
    visits: "Preventive visits a year", discount: "Parts discount",
    extendedWarranty: "Extended warranty (60 months)",
    model: "Model", serial: "Serial number", site: "Site", installed: "Installed",
    runningHours: "Running hours", reported: "reported {t}", fromRecords: "service records",
    nextService: "Next service", dueAt: "at {h} h, in {left} h (about {date})",
    dueAtNoDate: "at {h} h, in {left} h", overdue: "overdue", noMaintenance: "none scheduled",
    warranty: "Warranty", warrantyUntil: "until {date}", warrantyActive: "in warranty",
    warrantyExpired: "expired", openTickets: "Open tickets",
    responseCompliance: "Responses in time", resolutionCompliance: "Resolutions in time",
    noData: "no deadlines decided yet", noBreaches: "No missed deadlines in this period.",
    breachLine: "#{n} ({p}): {kind} due {due}, {late} h late",
    kindResponse: "response", kindResolution: "resolution", contents: "Contents",
    close: "Close",
    requestDone: "Request #{n} sent. Response due {due}.",
    requestFailed: "The request could not be sent. Please check the form.",
    requestTooMany: "Too many requests for now. Please try later or call the service desk.",
    signInFailed: "This key was not accepted. Please check it.",
    expired: "Your sign-in has expired. Please sign in again.",
    signedOut: "You are signed out.",
    loadFailed: "Part of the page could not be loaded. Please try again in a moment.",
    late: "late", paused: "waiting for you", periodLabel: "{from} to {to}",
    st_new: "new", st_triaged: "triaged", st_assigned: "assigned", st_in_progress: "in progress",
    st_waiting_customer: "waiting for you", st_resolved: "resolved", st_closed: "closed",
  },
  el: {
    title: "Πύλη πελατών Helios", language: "Γλώσσα", signOut: "Αποσύνδεση",
    signInTitle: "Σύνδεση",
    signInIntro: "Συνδεθείτε με το κλειδί API της εταιρείας σας ή ανοίξτε τον σύνδεσμο σύνδεσης που σας έστειλε η υπηρεσία εξυπηρέτησης.",
    apiKey: "Κλειδί API", signIn: "Σύνδεση", signedInUntil: "Συνδεδεμένοι έως",
    openChat: "Άνοιγμα συνομιλίας", newRequest: "Νέο αίτημα σέρβις", contract: "Σύμβαση",
    slaHours: "Επίπεδα εξυπηρέτησης (ώρες)", priority: "Προτεραιότητα", responseH: "Απόκριση",
    resolutionH: "Επίλυση", sites: "Εγκαταστάσεις", units: "Εγκατεστημένες μονάδες",
    tickets: "Αιτήματα", performance: "Απόδοση SLA", manuals: "Εγχειρίδια", show: "Εμφάνιση",
    stateAll: "Όλα", stateOpen: "Ανοιχτά", stateDone: "Επιλυμένα και κλειστά", number: "Αρ.",
    subject: "Θέμα", status: "Κατάσταση", created: "Δημιουργία",
    responseDue: "Προθεσμία απόκρισης", resolutionDue: "Προθεσμία επίλυσης",
    assignee: "Μηχανικός", noTickets: "Δεν υπάρχουν αιτήματα.", period: "Περίοδος",
    last30: "Τελευταίες 30 ημέρες", last90: "Τελευταίες 90 ημέρες",
    last365: "Τελευταίοι 12 μήνες", thisYear: "Φέτος", ticketsCount: "Αιτήματα",
    responseMet: "Αποκρίσεις εγκαίρως", responseLate: "Αποκρίσεις με καθυστέρηση",
    resolutionMet: "Επιλύσεις εγκαίρως", resolutionLate: "Επιλύσεις με καθυστέρηση",
    pending: "Σε εκκρεμότητα", breaches: "Χαμένες προθεσμίες",
    requestIntro: "Για προγραμματισμένη εργασία σε μία από τις μονάδες σας. Μηχάνημα εκτός λειτουργίας ή μη ασφαλές: ανοίξτε συνομιλία ή καλέστε τη γραμμή εξυπηρέτησης.",
    unit: "Μονάδα", kind: "Είδος αιτήματος", kindMaintenance: "Επίσκεψη συντήρησης",
    kindRepair: "Επισκευή", kindInspection: "Επιθεώρηση", kindParts: "Ανταλλακτικά",
    kindOther: "Άλλο", subjectOptional: "Θέμα (προαιρετικά)", description: "Περιγραφή",
    urgency: "Επείγον", urgencyPlanned: "Προγραμματισμένο (P4)", urgencySoon: "Σύντομα (P3)",
    send: "Αποστολή αιτήματος",
    tier: "Πρόγραμμα", coverage: "Κάλυψη", hotline: "Γραμμή 24/7", yes: "ναι", no: "όχι",
    visits: "Προληπτικές επισκέψεις ανά έτος", discount: "Έκπτωση ανταλλακτικών",
    extendedWarranty: "Εκτεταμένη εγγύηση (60 μήνες)",
    model: "Μοντέλο", serial: "Σειριακός αριθμός", site: "Εγκατάσταση", installed: "Εγκατάσταση στις",
    runningHours: "Ώρες λειτουργίας", reported: "αναφορά {t}", fromRecords: "αρχεία σέρβις",
    nextService: "Επόμενο σέρβις", dueAt: "στις {h} ώρες, σε {left} ώρες (περίπου {date})",
    dueAtNoDate: "στις {h} ώρες, σε {left} ώρες", overdue: "εκπρόθεσμο",
    noMaintenance: "δεν έχει προγραμματιστεί", warranty: "Εγγύηση", warrantyUntil: "έως {date}",
    warrantyActive: "σε εγγύηση", warrantyExpired: "έληξε", openTickets: "Ανοιχτά αιτήματα",
    responseCompliance: "Αποκρίσεις εγκαίρως", resolutionCompliance: "Επιλύσεις εγκαίρως",
    noData: "καμία προθεσμία δεν έχει κριθεί ακόμη",
    noBreaches: "Καμία χαμένη προθεσμία σε αυτή την περίοδο.",
    breachLine: "#{n} ({p}): {kind} έως {due}, καθυστέρηση {late} ώρες",
    kindResponse: "απόκριση", kindResolution: "επίλυση", contents: "Περιεχόμενα",
    close: "Κλείσιμο",
    requestDone: "Το αίτημα #{n} στάλθηκε. Προθεσμία απόκρισης {due}.",
    requestFailed: "Δεν ήταν δυνατή η αποστολή του αιτήματος. Ελέγξτε τη φόρμα.",
    requestTooMany: "Πάρα πολλά αιτήματα προς το παρόν. Δοκιμάστε αργότερα ή καλέστε την υπηρεσία εξυπηρέτησης.",
    signInFailed: "Το κλειδί δεν έγινε δεκτό. Παρακαλούμε ελέγξτε το.",
    expired: "Η σύνδεσή σας έληξε. Συνδεθείτε ξανά.", signedOut: "Αποσυνδεθήκατε.",
    loadFailed: "Μέρος της σελίδας δεν φορτώθηκε. Δοκιμάστε ξανά σε λίγο.",
    late: "εκπρόθεσμο", paused: "αναμένεται απάντησή σας", periodLabel: "{from} έως {to}",
    st_new: "νέο", st_triaged: "αξιολογήθηκε", st_assigned: "ανατέθηκε",
    st_in_progress: "σε εξέλιξη", st_waiting_customer: "αναμένεται απάντησή σας",
    st_resolved: "επιλύθηκε", st_closed: "κλειστό",
  },
  de: {
    title: "Helios Kundenportal", language: "Sprache", signOut: "Abmelden",
    signInTitle: "Anmelden",
    signInIntro: "Melden Sie sich mit dem API-Schlüssel Ihres Unternehmens an oder öffnen Sie den Anmeldelink, den Ihnen der Kundendienst geschickt hat.",
    apiKey: "API-Schlüssel", signIn: "Anmelden", signedInUntil: "Angemeldet bis",
    openChat: "Chat öffnen", newRequest: "Neuer Serviceauftrag", contract: "Vertrag",
    slaHours: "Servicelevel (Stunden)", priority: "Priorität", responseH: "Reaktion",
    resolutionH: "Lösung", sites: "Standorte", units: "Installierte Anlagen", tickets: "Tickets",
    performance: "SLA-Erfüllung", manuals: "Handbücher", show: "Anzeigen", stateAll: "Alle",
    stateOpen: "Offen", stateDone: "Gelöst und geschlossen", number: "Nr.", subject: "Betreff",
    status: "Status", created: "Erstellt", responseDue: "Reaktion fällig",
    resolutionDue: "Lösung fällig", assignee: "Techniker", noTickets: "Keine Tickets.",
    period: "Zeitraum", last30: "Letzte 30 Tage", last90: "Letzte 90 Tage",
    last365: "Letzte 12 Monate", thisYear: "Dieses Jahr", ticketsCount: "Tickets",
    responseMet: "Reaktionen rechtzeitig", responseLate: "Reaktionen verspätet",
    resolutionMet: "Lösungen rechtzeitig", resolutionLate: "Lösungen verspätet",
    pending: "Offen", breaches: "Verpasste Fristen",
    requestIntro: "Für geplante Arbeiten an einer Ihrer Anlagen. Steht eine Maschine still oder ist sie unsicher: Öffnen Sie einen Chat oder rufen Sie die Service-Hotline an.",
    unit: "Anlage", kind: "Art des Auftrags", kindMaintenance: "Wartungsbesuch",
    kindRepair: "Reparatur", kindInspection: "Inspektion", kindParts: "Ersatzteile",
    kindOther: "Sonstiges", subjectOptional: "Betreff (optional)", description: "Beschreibung",
    urgency: "Dringlichkeit", urgencyPlanned: "Geplant (P4)", urgencySoon: "Bald (P3)",
    send: "Auftrag senden",
    tier: "Tarif", coverage: "Abdeckung", hotline: "24/7-Hotline", yes: "ja", no: "nein",
    visits: "Präventive Besuche pro Jahr", discount: "Ersatzteilrabatt",
    extendedWarranty: "Verlängerte Garantie (60 Monate)",
    model: "Modell", serial: "Seriennummer", site: "Standort", installed: "Installiert",
    runningHours: "Betriebsstunden", reported: "gemeldet {t}", fromRecords: "Serviceunterlagen",
    nextService: "Nächste Wartung", dueAt: "bei {h} h, in {left} h (etwa {date})",
    dueAtNoDate: "bei {h} h, in {left} h", overdue: "überfällig",
    noMaintenance: "keine geplant", warranty: "Garantie", warrantyUntil: "bis {date}",
    warrantyActive: "in Garantie", warrantyExpired: "abgelaufen", openTickets: "Offene Tickets",
    responseCompliance: "Reaktionen rechtzeitig", resolutionCompliance: "Lösungen rechtzeitig",
    noData: "noch keine Frist entschieden",
    noBreaches: "Keine verpassten Fristen in diesem Zeitraum.",
    breachLine: "#{n} ({p}): {kind} fällig {due}, {late} h zu spät",
    kindResponse: "Reaktion", kindResolution: "Lösung", contents: "Inhalt",
    close: "Schließen",
    requestDone: "Auftrag #{n} gesendet. Reaktion fällig {due}.",
    requestFailed: "Der Auftrag konnte nicht gesendet werden. Bitte prüfen Sie das Formular.",
    requestTooMany: "Zu viele Aufträge im Moment. Bitte später erneut versuchen oder den Kundendienst anrufen.",
    signInFailed: "Dieser Schlüssel wurde nicht angenommen. Bitte prüfen Sie ihn.",
    expired: "Ihre Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.",
    signedOut: "Sie sind abgemeldet.",
    loadFailed: "Ein Teil der Seite konnte nicht geladen werden. Bitte gleich noch einmal versuchen.",
    late: "verspätet", paused: "wartet auf Sie", periodLabel: "{from} bis {to}",
    st_new: "neu", st_triaged: "gesichtet", st_assigned: "zugewiesen",
    st_in_progress: "in Bearbeitung", st_waiting_customer: "wartet auf Sie",
    st_resolved: "gelöst", st_closed: "geschlossen",
  },
  fr: {
    title: "Portail client Helios", language: "Langue", signOut: "Se déconnecter",
    signInTitle: "Connexion",
    signInIntro: "Connectez-vous avec la clé API de votre entreprise, ou ouvrez le lien de connexion envoyé par votre service après-vente.",
    apiKey: "Clé API", signIn: "Se connecter", signedInUntil: "Connecté jusqu'au",
    openChat: "Ouvrir une discussion", newRequest: "Nouvelle demande d'intervention",
    contract: "Contrat", slaHours: "Niveaux de service (heures)", priority: "Priorité",
    responseH: "Réponse", resolutionH: "Résolution", sites: "Sites",
    units: "Équipements installés", tickets: "Tickets", performance: "Respect des SLA",
    manuals: "Manuels", show: "Afficher", stateAll: "Tous", stateOpen: "Ouverts",
    stateDone: "Résolus et clos", number: "N°", subject: "Objet", status: "Statut",
    created: "Créé", responseDue: "Réponse attendue", resolutionDue: "Résolution attendue",
    assignee: "Technicien", noTickets: "Aucun ticket.", period: "Période",
    last30: "30 derniers jours", last90: "90 derniers jours", last365: "12 derniers mois",
    thisYear: "Cette année", ticketsCount: "Tickets", responseMet: "Réponses dans les délais",
    responseLate: "Réponses en retard", resolutionMet: "Résolutions dans les délais",
    resolutionLate: "Résolutions en retard", pending: "En attente",
    breaches: "Délais dépassés",
    requestIntro: "Pour des travaux planifiés sur l'un de vos équipements. Machine à l'arrêt ou dangereuse : ouvrez une discussion ou appelez l'assistance téléphonique.",
    unit: "Équipement", kind: "Type de demande", kindMaintenance: "Visite de maintenance",
    kindRepair: "Réparation", kindInspection: "Inspection", kindParts: "Pièces de rechange",
    kindOther: "Autre", subjectOptional: "Objet (facultatif)", description: "Description",
    urgency: "Urgence", urgencyPlanned: "Planifiée (P4)", urgencySoon: "Rapide (P3)",
    send: "Envoyer la demande",
    tier: "Formule", coverage: "Couverture", hotline: "Assistance 24/7", yes: "oui", no: "non",
    visits: "Visites préventives par an", discount: "Remise sur les pièces",
    extendedWarranty: "Garantie étendue (60 mois)",
    model: "Modèle", serial: "Numéro de série", site: "Site", installed: "Installé le",
    runningHours: "Heures de fonctionnement", reported: "relevé {t}",
    fromRecords: "dossier de service", nextService: "Prochain entretien",
    dueAt: "à {h} h, dans {left} h (vers le {date})", dueAtNoDate: "à {h} h, dans {left} h",
    overdue: "en retard", noMaintenance: "aucun prévu", warranty: "Garantie",
    warrantyUntil: "jusqu'au {date}", warrantyActive: "sous garantie",
    warrantyExpired: "expirée", openTickets: "Tickets ouverts",
    responseCompliance: "Réponses dans les délais",
    resolutionCompliance: "Résolutions dans les délais",
    noData: "aucun délai encore échu", noBreaches: "Aucun délai dépassé sur cette période.",
    breachLine: "n° {n} ({p}) : {kind} attendue le {due}, {late} h de retard",
    kindResponse: "réponse", kindResolution: "résolution", contents: "Sommaire",
    close: "Fermer",
    requestDone: "Demande n° {n} envoyée. Réponse attendue le {due}.",
    requestFailed: "La demande n'a pas pu être envoyée. Veuillez vérifier le formulaire.",
    requestTooMany: "Trop de demandes pour le moment. Réessayez plus tard ou appelez le service après-vente.",
    signInFailed: "Cette clé n'a pas été acceptée. Veuillez la vérifier.",
    expired: "Votre connexion a expiré. Veuillez vous reconnecter.",
    signedOut: "Vous êtes déconnecté.",
    loadFailed: "Une partie de la page n'a pas pu être chargée. Réessayez dans un instant.",
    late: "en retard", paused: "en attente de votre réponse", periodLabel: "du {from} au {to}",
    st_new: "nouveau", st_triaged: "qualifié", st_assigned: "attribué",
    st_in_progress: "en cours", st_waiting_customer: "en attente de votre réponse",
    st_resolved: "résolu", st_closed: "clos",
  },
  es: {
    title: "Portal de clientes Helios", language: "Idioma", signOut: "Cerrar sesión",
    signInTitle: "Iniciar sesión",
    signInIntro: "Inicie sesión con la clave API de su empresa o abra el enlace de acceso que le envió el servicio técnico.",
    apiKey: "Clave API", signIn: "Iniciar sesión", signedInUntil: "Sesión iniciada hasta",
    openChat: "Abrir un chat", newRequest: "Nueva solicitud de servicio", contract: "Contrato",
    slaHours: "Niveles de servicio (horas)", priority: "Prioridad", responseH: "Respuesta",
    resolutionH: "Resolución", sites: "Plantas", units: "Equipos instalados",
    tickets: "Tickets", performance: "Cumplimiento del SLA", manuals: "Manuales",
    show: "Mostrar", stateAll: "Todos", stateOpen: "Abiertos",
    stateDone: "Resueltos y cerrados", number: "N.º", subject: "Asunto", status: "Estado",
    created: "Creado", responseDue: "Respuesta antes de", resolutionDue: "Resolución antes de",
    assignee: "Técnico", noTickets: "No hay tickets.", period: "Periodo",
    last30: "Últimos 30 días", last90: "Últimos 90 días", last365: "Últimos 12 meses",
    thisYear: "Este año", ticketsCount: "Tickets", responseMet: "Respuestas a tiempo",
    responseLate: "Respuestas tardías", resolutionMet: "Resoluciones a tiempo",
    resolutionLate: "Resoluciones tardías", pending: "Pendientes",
    breaches: "Plazos incumplidos",
    requestIntro: "Para trabajos planificados en uno de sus equipos. Si una máquina está parada o no es segura: abra un chat o llame a la línea de asistencia.",
    unit: "Equipo", kind: "Tipo de solicitud", kindMaintenance: "Visita de mantenimiento",
    kindRepair: "Reparación", kindInspection: "Inspección", kindParts: "Recambios",
    kindOther: "Otro", subjectOptional: "Asunto (opcional)", description: "Descripción",
    urgency: "Urgencia", urgencyPlanned: "Planificada (P4)", urgencySoon: "Pronto (P3)",
    send: "Enviar solicitud",
    tier: "Modalidad", coverage: "Cobertura", hotline: "Línea 24/7", yes: "sí", no: "no",
    visits: "Visitas preventivas al año", discount: "Descuento en recambios",
    extendedWarranty: "Garantía ampliada (60 meses)",
    model: "Modelo", serial: "Número de serie", site: "Planta", installed: "Instalado",
    runningHours: "Horas de funcionamiento", reported: "registradas {t}",
    fromRecords: "registros de servicio", nextService: "Próximo mantenimiento",
    dueAt: "a las {h} h, dentro de {left} h (hacia el {date})",
    dueAtNoDate: "a las {h} h, dentro de {left} h", overdue: "vencido",
    noMaintenance: "ninguno previsto", warranty: "Garantía", warrantyUntil: "hasta el {date}",
    warrantyActive: "en garantía", warrantyExpired: "vencida", openTickets: "Tickets abiertos",
    responseCompliance: "Respuestas a tiempo", resolutionCompliance: "Resoluciones a tiempo",
    noData: "aún no hay plazos decididos",
    noBreaches: "Ningún plazo incumplido en este periodo.",
    breachLine: "n.º {n} ({p}): {kind} antes de {due}, {late} h de retraso",
    kindResponse: "respuesta", kindResolution: "resolución", contents: "Índice",
    close: "Cerrar",
    requestDone: "Solicitud n.º {n} enviada. Respuesta antes de {due}.",
    requestFailed: "No se pudo enviar la solicitud. Revise el formulario.",
    requestTooMany: "Demasiadas solicitudes por ahora. Inténtelo más tarde o llame al servicio técnico.",
    signInFailed: "Esta clave no fue aceptada. Compruébela.",
    expired: "Su sesión ha caducado. Inicie sesión de nuevo.",
    signedOut: "Ha cerrado la sesión.",
    loadFailed: "No se pudo cargar parte de la página. Inténtelo de nuevo en un momento.",
    late: "fuera de plazo", paused: "esperando su respuesta", periodLabel: "del {from} al {to}",
    st_new: "nuevo", st_triaged: "clasificado", st_assigned: "asignado",
    st_in_progress: "en curso", st_waiting_customer: "esperando su respuesta",
    st_resolved: "resuelto", st_closed: "cerrado",
  },
};

const $ = (id) => document.getElementById(id);
let language = "en";
let me = null;          // GET /me
let unitsData = [];     // GET /units
let ticketsData = [];   // GET /tickets
let perfData = null;    // GET /performance
let manualsData = [];   // GET /manuals
let openManual = null;  // GET /manuals/{id}
let requestKey = null;  // the Idempotency-Key of the request being filled in

function t(key, values) {
  let text = (STRINGS[language] || STRINGS.en)[key];
  if (text === undefined) text = STRINGS.en[key] || key;
  for (const [name, value] of Object.entries(values || {})) {
    text = text.split(`{${name}}`).join(String(value));
  }
  return text;
}

// --- elements, always from text ------------------------------------------------------------------
function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function fact(list, term, value) {
  list.append(el("dt", term));
  const dd = el("dd");
  if (value instanceof Node) dd.append(value); else dd.textContent = String(value);
  list.append(dd);
  return dd;
}

function badge(text, kind) { return el("span", text, `badge ${kind || ""}`.trim()); }

// --- dates and numbers: the page's language, the browser's time zone ----------------------------
function formatLocale() {
  for (const tag of navigator.languages || [navigator.language || ""]) {
    if (String(tag).toLowerCase().split("-")[0] === language) return String(tag);
  }
  return language;
}

function dateTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (isNaN(date.getTime())) return String(iso);
  try {
    return new Intl.DateTimeFormat(formatLocale(), { dateStyle: "medium", timeStyle: "short" })
      .format(date);
  } catch (e) { return date.toLocaleString(); }
}

// A calendar day (YYYY-MM-DD): that day, whatever the time zone.
function day(iso) {
  if (!iso) return "";
  const [y, m, d] = String(iso).split("-").map(Number);
  const date = new Date(y, (m || 1) - 1, d || 1);
  if (isNaN(date.getTime())) return String(iso);
  try { return new Intl.DateTimeFormat(formatLocale(), { dateStyle: "medium" }).format(date); }
  catch (e) { return date.toLocaleDateString(); }
}

function timeNode(iso, asDay) {
  const node = el("time", asDay ? day(iso) : dateTime(iso));
  node.dateTime = iso || "";
  return node;
}

function number(value, digits) {
  try {
    return new Intl.NumberFormat(formatLocale(), { maximumFractionDigits: digits || 0 })
      .format(value);
  } catch (e) { return String(value); }
}

function percent(value) {
  if (value === null || value === undefined) return null;
  try {
    return new Intl.NumberFormat(formatLocale(), { style: "percent", maximumFractionDigits: 1 })
      .format(value);
  } catch (e) { return `${Math.round(value * 1000) / 10} %`; }
}

// --- messages --------------------------------------------------------------------------------------
function say(text, isError) {
  const box = $("message");
  box.textContent = text || "";
  box.hidden = !text;
  box.classList.toggle("error", Boolean(isError));
}

// --- the identity: taken from a sign-in link or traded for the key; this tab only -----------------
function takeIdentityFromLink() {
  const url = new URL(window.location.href);
  if (!url.searchParams.has("identity")) return;
  const token = url.searchParams.get("identity") || "";
  url.searchParams.delete("identity");
  // Out of the address bar, the history, bookmarks and shared links.
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  if (TOKEN_PATTERN.test(token)) sessionStorage.setItem(TOKEN_KEY, token);
}

function token() {
  const value = sessionStorage.getItem(TOKEN_KEY);
  return value && TOKEN_PATTERN.test(value) ? value : null;
}

class SignedOut extends Error {}

async function api(path, options) {
  const current = token();
  if (!current) throw new SignedOut();
  const opts = options || {};
  const headers = Object.assign({ "X-Identity": current, Accept: "application/json" },
    opts.headers || {});
  const response = await fetch(API + path, Object.assign({}, opts, { headers: headers }));
  if (response.status === 401) {
    signOut(t("expired"), true);
    throw new SignedOut();
  }
  return response;
}

async function getJson(path) {
  const response = await api(path);
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

async function signInWithKey(event) {
  event.preventDefault();
  const input = $("key");
  const key = input.value.trim();
  if (!key) return;
  let response;
  try {
    response = await fetch("/api/v1/identity", {
      method: "POST", headers: { Authorization: `Bearer ${key}` },
    });
  } catch (e) {
    say(t("loadFailed"), true);
    return;
  }
  input.value = "";  // the key is not kept anywhere
  if (response.status !== 201) {
    say(t("signInFailed"), true);
    return;
  }
  const issued = await response.json();
  if (!TOKEN_PATTERN.test(issued.token || "")) { say(t("signInFailed"), true); return; }
  sessionStorage.setItem(TOKEN_KEY, issued.token);
  say("");
  await start();
}

function signOut(reason, isError) {
  sessionStorage.removeItem(TOKEN_KEY);
  delete document.body.dataset.ready;
  me = null; unitsData = []; ticketsData = []; perfData = null; manualsData = [];
  openManual = null;
  for (const id of ["customer-name", "contract", "sites", "unit-list", "breach-list",
    "manual-list", "manual-view", "perf-summary", "req-serial"]) clear($(id));
  clear(document.querySelector("#ticket-table tbody"));
  clear(document.querySelector("#perf-table tbody"));
  clear(document.querySelector("#sla-hours tbody"));
  $("chat-link").removeAttribute("href");
  $("app").hidden = true;
  $("signout").hidden = true;
  $("signin").hidden = false;
  say(reason || "", isError);
}

// --- language ----------------------------------------------------------------------------------------
function initialLanguage() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved && STRINGS[saved]) return saved;
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (STRINGS[base]) return base;
  }
  return "en";
}

function applyLanguage(code) {
  language = STRINGS[code] ? code : "en";
  document.documentElement.lang = language;
  $("language").value = language;
  for (const node of document.querySelectorAll("[data-i18n]")) {
    node.textContent = t(node.dataset.i18n);
  }
  document.title = t("title");
}

async function changeLanguage() {
  localStorage.setItem(LANG_KEY, $("language").value);
  applyLanguage($("language").value);
  if (!token() || !me) return;
  renderAll();
  // Task texts and manuals come in the language asked.
  await Promise.all([loadUnits(), loadManuals()]).catch(failed);
}

// --- rendering -------------------------------------------------------------------------------------
function renderMe() {
  $("customer-name").textContent = me.name;
  const expires = $("expires");
  expires.textContent = dateTime(me.expires_at);
  expires.dateTime = me.expires_at;
  $("chat-link").href = `/chat/?identity=${encodeURIComponent(token() || "")}`;
  const contract = $("contract");
  clear(contract);
  const c = me.contract;
  fact(contract, t("tier"), c.name);
  fact(contract, t("coverage"), c.coverage_window);
  fact(contract, t("hotline"), c.hotline_24_7 ? t("yes") : t("no"));
  fact(contract, t("visits"), number(c.preventive_visits_per_year));
  fact(contract, t("discount"), `${number(c.parts_discount_pct, 1)} %`);
  if (c.extended_warranty) fact(contract, t("extendedWarranty"), t("yes"));
  const hours = document.querySelector("#sla-hours tbody");
  clear(hours);
  for (const p of PRIORITIES) {
    const row = el("tr");
    row.append(el("th", p), el("td", number(c.response_h[p], 1)),
      el("td", number(c.resolution_h[p], 1)));
    hours.append(row);
  }
  const sites = $("sites");
  clear(sites);
  for (const site of me.sites) sites.append(el("li", `${site.name} (${site.site_id})`));
}

function siteName(siteId) {
  const site = me && me.sites.find((s) => s.site_id === siteId);
  return site ? site.name : siteId || "";
}

function renderUnits() {
  const list = $("unit-list");
  clear(list);
  for (const u of unitsData) {
    const card = el("li");
    card.dataset.serial = u.serial;
    card.append(el("h3", `${u.model} · ${u.serial}`));
    const facts = el("dl", null, "facts");
    fact(facts, t("site"), u.site_name);
    fact(facts, t("model"), `${u.model} (${u.family_name})`);
    if (u.install_date) fact(facts, t("installed"), day(u.install_date));
    if (u.running_hours !== null) {
      const source = u.running_hours_at ? t("reported", { t: dateTime(u.running_hours_at) })
        : t("fromRecords");
      fact(facts, t("runningHours"), `${number(u.running_hours)} h (${source})`);
    }
    const next = u.maintenance;
    const dd = fact(facts, t("nextService"), "");
    if (next) {
      dd.append(el("span", next.tasks.map((task) => task.label).join(", ")), el("br"));
      const when = next.due_date ? t("dueAt", { h: number(next.due_at_hours),
        left: number(next.hours_left), date: day(next.due_date) })
        : t("dueAtNoDate", { h: number(next.due_at_hours), left: number(next.hours_left) });
      dd.append(el("span", when));
      if (next.overdue) dd.append(" ", badge(t("overdue"), "bad"));
    } else {
      dd.textContent = t("noMaintenance");
    }
    if (u.warranty) {
      const w = fact(facts, t("warranty"), "");
      w.append(badge(u.warranty.active ? t("warrantyActive") : t("warrantyExpired"),
        u.warranty.active ? "good" : ""), " ",
      el("span", t("warrantyUntil", { date: day(u.warranty.ends_on) })));
    }
    fact(facts, t("openTickets"), number(u.open_tickets));
    card.append(facts);
    list.append(card);
  }
  const select = $("req-serial");
  const chosen = select.value;
  clear(select);
  for (const u of unitsData) {
    const option = el("option", `${u.model} · ${u.serial} · ${u.site_name}`);
    option.value = u.serial;
    select.append(option);
  }
  if (chosen && unitsData.some((u) => u.serial === chosen)) select.value = chosen;
}

function cell(row, label, content) {
  const td = el("td");
  td.dataset.label = label;
  if (content instanceof Node) td.append(content); else td.textContent = String(content ?? "");
  row.append(td);
  return td;
}

function dueCell(due, breached, met) {
  const span = el("span");
  span.append(timeNode(due));
  if (breached) span.append(" ", badge(t("late"), "bad"));
  else if (met) span.append(" ", badge("✓", "good"));
  return span;
}

function renderTickets() {
  const body = document.querySelector("#ticket-table tbody");
  clear(body);
  for (const tk of ticketsData) {
    const row = el("tr");
    row.dataset.number = String(tk.number);
    cell(row, t("number"), `#${tk.number}`);
    const subject = el("span", tk.subject);
    if (tk.serial) subject.append(el("br"), el("small", `${tk.model || ""} ${tk.serial}`.trim()));
    cell(row, t("subject"), subject);
    const status = el("span", t(`st_${tk.status}`));
    if (tk.paused && tk.status !== "waiting_customer") status.append(" ", badge(t("paused"), "warn"));
    cell(row, t("status"), status);
    cell(row, t("priority"), tk.priority);
    cell(row, t("created"), timeNode(tk.created_at));
    cell(row, t("responseDue"), dueCell(tk.response_due_at, tk.response_breached,
      tk.first_response_at !== null));
    cell(row, t("resolutionDue"), dueCell(tk.resolution_due_at, tk.resolution_breached,
      tk.resolved_at !== null));
    cell(row, t("assignee"), tk.assignee_name || "–");
    body.append(row);
  }
  $("no-tickets").hidden = ticketsData.length > 0;
}

function renderPerformance() {
  const summary = $("perf-summary");
  clear(summary);
  const body = document.querySelector("#perf-table tbody");
  clear(body);
  const breaches = $("breach-list");
  clear(breaches);
  if (!perfData) return;
  $("perf-period").textContent = t("periodLabel", { from: dateTime(perfData.start),
    to: dateTime(perfData.end) });
  for (const [key, value] of [["responseCompliance", perfData.response_compliance],
    ["resolutionCompliance", perfData.resolution_compliance]]) {
    const box = el("div", null, "figure");
    box.dataset.figure = key;
    box.append(el("strong", percent(value) ?? "–"), el("span", t(key)));
    if (value === null) box.append(el("br"), el("small", t("noData")));
    summary.append(box);
  }
  for (const c of perfData.cells) {
    const row = el("tr");
    cell(row, t("priority"), c.priority);
    cell(row, t("ticketsCount"), number(c.tickets));
    cell(row, t("responseMet"), number(c.response_met));
    cell(row, t("responseLate"), number(c.response_breached));
    cell(row, t("resolutionMet"), number(c.resolution_met));
    cell(row, t("resolutionLate"), number(c.resolution_breached));
    cell(row, t("pending"), number(c.response_pending + c.resolution_pending));
    body.append(row);
  }
  if (!perfData.breaches.length) breaches.append(el("li", t("noBreaches")));
  for (const b of perfData.breaches) {
    breaches.append(el("li", t("breachLine", { n: b.number, p: b.priority,
      kind: t(b.kind === "response" ? "kindResponse" : "kindResolution"),
      due: dateTime(b.due_at), late: number(b.late_h, 1) })));
  }
}

function renderManuals() {
  const list = $("manual-list");
  clear(list);
  for (const m of manualsData) {
    const item = el("li");
    const link = el("a", m.title);
    link.href = "#manual-view";
    link.dataset.doc = m.doc_id;
    link.addEventListener("click", (event) => { event.preventDefault(); showManual(m.doc_id); });
    item.append(link, " ", el("small", `(${m.models.join(", ")})`));
    list.append(item);
  }
}

// Markdown shown safely: headings, paragraphs, lists, tables and **bold**, each built from text.
function inline(parent, text) {
  const parts = String(text).replace(/`/g, "").split("**");
  parts.forEach((part, i) => {
    if (!part) return;
    parent.append(i % 2 ? el("strong", part) : document.createTextNode(part));
  });
}

function renderMarkdown(container, text) {
  const lines = String(text || "").split("\n");
  let paragraph = [];
  let list = null;
  let table = null;
  const flush = () => {
    if (paragraph.length) {
      const p = el("p");
      inline(p, paragraph.join(" "));
      container.append(p);
    }
    paragraph = []; list = null; table = null;
  };
  for (const raw of lines) {
    const line = raw.trim();
    if (/^<!--.*-->$/.test(line)) continue;  // section markers
    if (!line) { flush(); continue; }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const h = el(`h${Math.min(6, heading[1].length + 3)}`);
      inline(h, heading[2]);
      container.append(h);
      continue;
    }
    const item = /^(?:[-*]|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      if (paragraph.length) { const keep = list; flush(); list = keep; }
      if (!list) {
        list = el(/^\d/.test(line) ? "ol" : "ul");
        container.append(list);
      }
      const li = el("li");
      inline(li, item[1]);
      list.append(li);
      continue;
    }
    if (line.startsWith("|")) {
      const cells = line.replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
      if (cells.every((c) => /^:?-{2,}:?$/.test(c))) continue;  // the header rule
      if (!table) {
        flush();
        table = el("table", null, "manual-table");
        container.append(table);
        const row = el("tr");
        for (const c of cells) row.append(el("th", c));
        table.append(row);
      } else {
        const row = el("tr");
        for (const c of cells) { const td = el("td"); inline(td, c); row.append(td); }
        table.append(row);
      }
      continue;
    }
    if (list || table) flush();
    paragraph.push(line);
  }
  flush();
}

async function showManual(docId) {
  const view = $("manual-view");
  try {
    openManual = await getJson(`/manuals/${encodeURIComponent(docId)}`);
  } catch (e) {
    if (!(e instanceof SignedOut)) say(t("loadFailed"), true);
    return;
  }
  clear(view);
  view.hidden = false;
  const close = el("button", t("close"), "secondary close-manual");
  close.type = "button";
  close.addEventListener("click", closeManual);
  view.append(close, el("h3", openManual.title));
  const toc = el("ol", null, "toc");
  toc.setAttribute("aria-label", t("contents"));
  const body = el("div");
  openManual.sections.forEach((s, i) => {
    const anchor = `manual-section-${i}`;
    if (s.level <= 2) {
      const link = el("a", s.title);
      link.href = `#${anchor}`;
      const li = el("li");
      li.append(link);
      toc.append(li);
    }
    const h = el(`h${Math.min(6, s.level + 3)}`, s.title);
    h.id = anchor;
    body.append(h);
    renderMarkdown(body, s.text);
  });
  view.append(toc, body);
  view.scrollIntoView({ block: "start" });
}

function closeManual() {
  const view = $("manual-view");
  clear(view);
  view.hidden = true;
  openManual = null;
  $("manuals").scrollIntoView({ block: "start" });
}

function renderAll() {
  if (me) renderMe();
  renderUnits();
  renderTickets();
  renderPerformance();
  renderManuals();
}

// --- loading ----------------------------------------------------------------------------------------
function failed(error) {
  if (error instanceof SignedOut) return;
  console.error(error);
  say(t("loadFailed"), true);
}

// Answers in a language switched away from meanwhile are dropped (the newer one follows).
async function loadUnits() {
  const asked = language;
  const found = await getJson(`/units?lang=${encodeURIComponent(asked)}`);
  if (asked !== language) return;
  unitsData = found;
  renderUnits();
}

async function loadTickets() {
  const state = $("ticket-state").value;
  const found = (await getJson(`/tickets?state=${encodeURIComponent(state)}`)).items;
  if (state !== $("ticket-state").value) return;
  ticketsData = found;
  renderTickets();
}

function periodRange() {
  const choice = $("period").value;
  const now = new Date();
  if (choice === "year") {
    return { from: `${now.getFullYear()}-01-01`, to: now.toISOString() };
  }
  const days = Number(choice) || 90;
  return { from: new Date(now.getTime() - days * 86400000).toISOString(), to: now.toISOString() };
}

async function loadPerformance() {
  const range = periodRange();
  const query = `from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`;
  const choice = $("period").value;
  const found = await getJson(`/performance?${query}`);
  if (choice !== $("period").value) return;
  perfData = found;
  renderPerformance();
}

async function loadManuals() {
  const asked = language;
  const found = await getJson(`/manuals?lang=${encodeURIComponent(asked)}`);
  if (asked !== language) return;
  manualsData = found;
  renderManuals();
  if (openManual && !$("manual-view").hidden) {
    const same = manualsData.find((m) => m.series === openManual.series);
    if (same) await showManual(same.doc_id);
  }
}

async function start() {
  if (!token()) { signOut(""); return; }
  try {
    me = await getJson("/me");
  } catch (e) {
    if (!(e instanceof SignedOut)) { say(t("loadFailed"), true); $("signin").hidden = false; }
    return;
  }
  $("signin").hidden = true;
  $("app").hidden = false;
  $("signout").hidden = false;
  renderMe();
  const results = await Promise.allSettled([loadUnits(), loadTickets(), loadPerformance(),
    loadManuals()]);
  const problem = results.find((r) => r.status === "rejected");
  if (problem) failed(problem.reason);
  document.body.dataset.ready = "true";
}

// --- a service request ------------------------------------------------------------------------------
function newRequestKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return "portal-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sendRequest(event) {
  event.preventDefault();
  const result = $("request-result");
  // One key per filled-in form: a double click or a retry files one ticket.
  if (!requestKey) requestKey = newRequestKey();
  const body = {
    serial: $("req-serial").value, kind: $("req-kind").value,
    subject: $("req-subject").value.trim() || null,
    description: $("req-description").value.trim(), priority: $("req-priority").value,
    language: language,
  };
  let response;
  try {
    response = await api("/service-requests", {
      method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "Idempotency-Key": requestKey },
    });
  } catch (e) {
    if (!(e instanceof SignedOut)) {
      result.textContent = t("requestFailed");
      result.className = "error";
      result.hidden = false;
    }
    return;
  }
  result.hidden = false;
  if (response.status === 201 || response.status === 200) {
    const filed = await response.json();
    result.className = "";
    result.textContent = t("requestDone", { n: filed.number, due: dateTime(filed.response_due_at) });
    requestKey = null;
    $("req-subject").value = "";
    $("req-description").value = "";
    await Promise.all([loadTickets(), loadUnits()]).catch(failed);
    return;
  }
  result.className = "error";
  result.textContent = t(response.status === 429 ? "requestTooMany" : "requestFailed");
}

// --- wiring ----------------------------------------------------------------------------------------
function init() {
  takeIdentityFromLink();
  applyLanguage(initialLanguage());
  $("language").addEventListener("change", changeLanguage);
  $("key-form").addEventListener("submit", signInWithKey);
  $("signout").addEventListener("click", () => signOut(t("signedOut")));
  $("ticket-state").addEventListener("change", () => loadTickets().catch(failed));
  $("period").addEventListener("change", () => loadPerformance().catch(failed));
  $("request-form").addEventListener("submit", sendRequest);
  for (const id of ["req-serial", "req-kind", "req-subject", "req-description", "req-priority"]) {
    $(id).addEventListener("input", () => { requestKey = null; });  // another request
  }
  $("chat-link").addEventListener("click", () => {
    // The chat greets in the portal's language, and is signed in as this customer.
    try { localStorage.setItem(CHAT_LANG_KEY, language); } catch (e) { /* private mode */ }
  });
  start();
}

init();
