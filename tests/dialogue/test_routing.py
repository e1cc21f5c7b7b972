"""What the triage changes in a conversation (the controller on the real dependencies; the NLU's
intent is given): danger first whatever the flow, the safety question and both answers, the
honest out-of-domain answer, an emergency before the serial, one open incident per machine,
a question beside a serial, the part asked about first."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.dialogue.controller import Controller
from bot.dialogue.messages import say
from bot.triage.safety import SafetyThresholds
from bot.triage.triage import Thresholds, Triage, default_triage
from db.tickets import Comment, OutboxEvent, Ticket, TicketConversation
from rules.i18n import Texts
from tests.conftest import NOW
from tests.dialogue.conftest import Chat, custom_of, kinds, text_of
from tickets.database import reading
from tickets.domain import NewTicket
from tickets.spool import ASSISTANT
from tickets.store import create_ticket

PUMP = "P100-2021-00542"  # HCP-100 of CUST-001 (premium 24/7)
SMOKE = {
    "en": "There is thick smoke and flames coming out of the pump motor, my colleague is hurt",
    "de": "Aus dem Pumpenmotor kommen Rauch und Flammen, ein Kollege ist verletzt",
    "el": "Βγαίνει καπνός και φωτιά από τον κινητήρα της αντλίας, ένας συνάδελφος τραυματίστηκε",
    "fr": "De la fumée et des flammes sortent du moteur de la pompe, un collègue est blessé",
    "es": "Sale humo y fuego del motor de la bomba, un compañero está herido",
}


def tickets(deps) -> list[Ticket]:
    with reading(deps.engine) as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.number)).all())


def asking_always(deps) -> Controller:
    """A triage whose thresholds put every message in the "possible danger" band."""
    trained = default_triage()
    deps.triage = Triage(trained.safety, trained.scope, trained.vocabulary,
                         Thresholds(SafetyThresholds(now=1.0, possible=0.0), 1.0, 1.0))
    return Controller(deps)


@pytest.mark.parametrize("language", sorted(SMOKE))
def test_an_emergency_before_the_serial_opens_a_p1_ticket_at_once(deps, language):
    chat = Chat(Controller(deps), language=language)
    out = chat.send("action_start_diagnosis", "report_problem", SMOKE[language])
    assert kinds(out)[:2] == ["safety", "ticket"]
    assert custom_of(out, "ticket")["priority"] == "P1"
    assert out.replies[-1].text == say("urgent_ticket_ask_serial", language)
    [stored] = tickets(deps)
    assert (stored.priority, stored.customer_id, stored.serial) == ("P1", None, None)
    out = chat.send("action_identify_asset", "identify_asset", PUMP)
    assert f"#{stored.number}" in text_of(out)
    [stored] = tickets(deps)
    assert (stored.customer_id, stored.serial, stored.model) == ("CUST-001", PUMP, "HCP-100")


def test_danger_comes_first_in_the_middle_of_another_flow(chat, deps):
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_answer_spare_part", "ask_spare_part", SMOKE["en"])
    assert kinds(out)[0] == "safety"
    assert custom_of(out, "ticket")["priority"] == "P1"


def test_a_repeated_report_joins_the_open_incident_and_raises_it(deps):
    # An open P3 incident on the pump (say, opened when a diagnosis was unsure).
    low, _ = create_ticket(deps.engine, new=NewTicket(
        customer_id="CUST-001", subject="Assistant could not resolve: HCP-100",
        description="pump noisy", type="incident", priority="P3", serial=PUMP,
        escalation_reason="low_confidence"), actor=ASSISTANT, catalog=deps.catalog,
        now=NOW)
    chat = Chat(Controller(deps), verified_customer="CUST-001")  # the pump's customer
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_urgent_safety", "urgent_safety", SMOKE["en"])
    joined = custom_of(out, "ticket")
    assert joined["ticket_number"] == low.number and joined.get("existing")
    assert joined["priority"] == "P1"  # the danger raised the open incident
    out = chat.send("action_urgent_safety", "urgent_safety", SMOKE["de"])
    assert custom_of(out, "ticket")["ticket_number"] == low.number
    [stored] = tickets(deps)  # one incident, not three
    assert stored.priority == "P1" and stored.response_due_at < low.response_due_at
    with reading(deps.engine) as session:
        notes = session.scalars(select(Comment).where(Comment.ticket_id == stored.id)).all()
    assert [n.visibility for n in notes] == ["internal", "internal"]
    assert SMOKE["de"] in notes[-1].body
    with reading(deps.engine) as session:
        events = [e.event_type for e in session.scalars(select(OutboxEvent).where(
            OutboxEvent.ticket_id == stored.id).order_by(OutboxEvent.id)).all()]
    assert events[-2:] == ["ticket.escalated", "ticket.reported"]


def test_an_anonymous_report_reaches_the_open_incident_but_not_its_ticket(deps):
    """A serial is printed on the nameplate: a chat that is not the customer's adds its report
    to the machine's open incident (raising it: the engineers learn of the danger), but is not
    told the ticket and not linked to it, so the engineers' replies do not reach it."""
    low, _ = create_ticket(deps.engine, new=NewTicket(
        customer_id="CUST-001", subject="Assistant could not resolve: HCP-100",
        description="pump noisy", type="incident", priority="P3", serial=PUMP,
        escalation_reason="low_confidence"), actor=ASSISTANT, catalog=deps.catalog,
        now=NOW)
    guest = Chat(Controller(deps), sender="conv-guest")
    guest.send("action_identify_asset", "identify_asset", PUMP)
    out = guest.send("action_urgent_safety", "urgent_safety", SMOKE["en"])
    assert kinds(out)[0] == "safety"
    joined = custom_of(out, "ticket")
    assert joined.get("existing") and "ticket_number" not in joined
    assert f"#{low.number}" not in text_of(out)
    assert say("ticket_joined_guest", "en") in text_of(out)
    [stored] = tickets(deps)  # the report joined the incident: no second ticket
    assert stored.priority == "P1"
    with reading(deps.engine) as session:
        links = session.scalars(select(TicketConversation).where(
            TicketConversation.ticket_id == stored.id)).all()
        notes = session.scalars(select(Comment).where(Comment.ticket_id == stored.id)).all()
    assert links == [] and SMOKE["en"] in notes[-1].body
    status = guest.send("action_ticket_status", "ticket_status", "status of my ticket?")
    assert text_of(status) == say("ticket_status_guest_none", "en")


def test_the_safety_question_yes_takes_the_danger_path(deps):
    chat = Chat(asking_always(deps))
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_start_diagnosis", "report_problem", "the motor smells hot")
    assert kinds(out) == ["safety_check"]
    assert [b.payload for b in out.replies[0].buttons] == ["/affirm", "/deny"]
    out = chat.send("action_handle_answer", "affirm")
    assert kinds(out)[0] == "safety"
    assert custom_of(out, "ticket")["priority"] == "P1"
    [stored] = tickets(deps)
    assert stored.description == "the motor smells hot"


def test_the_safety_question_no_goes_on_with_the_message(deps):
    chat = Chat(asking_always(deps))
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_start_diagnosis", "report_error_code", "my pump shows A022")
    assert kinds(out) == ["safety_check"]
    out = chat.send("action_handle_answer", "deny")
    assert "diagnosis_question" in kinds(out) or "diagnosis_conclusion" in kinds(out)
    assert "safety" not in kinds(out) and not tickets(deps)


def test_a_request_from_another_domain_gets_the_honest_answer(chat, deps):
    out = chat.send("action_ticket_status", "ticket_status",
                    "Can you transfer 200 euros from my savings account to my sister?")
    assert kinds(out) == ["out_of_domain"]
    assert out.replies[0].text == say("out_of_domain", "en")
    assert [b.payload for b in out.replies[0].buttons] == ["/talk_to_human"]
    assert not chat.slots.get("awaiting") and not tickets(deps)


def test_a_question_beside_a_serial_is_answered(chat):
    out = chat.send("action_identify_asset", "identify_asset",
                    f"How do I replace the mechanical seal on {PUMP}?",
                    ranking=[("identify_asset", 0.5), ("ask_how_to", 0.4)])
    assert "asset" in kinds(out)
    answer = custom_of(out, "manual_answer")
    assert "seal" in answer["section_id"]


@pytest.mark.parametrize(("language", "text", "section"), [
    ("de", "Wie oft und womit schmiere ich die Lager der HCP-100 nach?", "hcp.maint.mt_hcp_2000h"),
    ("en", "how often do the bearings of the HCP-50 need regreasing?", "hcp.maint.mt_hcp_2000h"),
])
def test_a_question_about_one_task_beside_a_model_gets_the_tasks_section(deps, language,
                                                                          text, section):
    # NLU unsure, no "how do I": the question names one task of the machine's schedule.
    chat = Chat(Controller(deps), language=language)
    out = chat.send("action_handle_fallback", "nlu_fallback", text,
                    ranking=[("nlu_fallback", 0.4), ("identify_asset", 0.3)])
    assert "asset" in kinds(out)
    assert custom_of(out, "manual_answer")["section_id"] == section


def test_a_bare_serial_asks_what_the_problem_is(chat):
    out = chat.send("action_identify_asset", "identify_asset", PUMP,
                    ranking=[("identify_asset", 0.6), ("ask_how_to", 0.3)])
    assert out.replies[-1].text == say("ask_problem", "en")


def test_the_part_asked_about_comes_first_with_alternatives_labelled(chat):
    chat.send("action_identify_asset", "identify_asset", "H37S-2019-00412")
    out = chat.send("action_answer_spare_part", "ask_spare_part",
                    "how much is the thermostatic valve kit?")
    assert custom_of(out, "spare_part")["part_numbers"][0] == "HSC-TVK-S"
    out = chat.send("action_answer_spare_part", "ask_spare_part", "Ölfilter bitte")
    numbers = custom_of(out, "spare_part")["part_numbers"]
    assert numbers[0] == "HSC-OF-037"
    if len(numbers) > 1:
        assert say("part_alternatives", "en") in text_of(out)


def test_a_how_to_question_filed_as_a_fault_gets_the_procedure(chat):
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_start_diagnosis", "report_problem",
                    "How do I replace the mechanical seal on the pump?")
    assert "diagnosis_question" not in kinds(out)
    assert "seal" in custom_of(out, "manual_answer")["section_id"]


def test_a_part_order_filed_as_a_fault_gets_the_part(chat):
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_start_diagnosis", "report_problem",
                    "the bearing set is worn, can I order a new one today?")
    assert "diagnosis_question" not in kinds(out)
    assert custom_of(out, "spare_part")["part_numbers"][0] == "HCP-BRG-100"


@pytest.mark.parametrize(("language", "action", "intent", "text", "part"), [
    ("en", "action_start_diagnosis", "report_problem",
     "mechanical seal cartridge for the pump P100-2021-00542", "HCP-MS-100"),
    ("el", "action_handle_fallback", "nlu_fallback",
     "Σετ ρουλεμάν για την αντλία P050-2019-00988", "HCP-BRG-050"),
    ("de", "action_identify_asset", "identify_asset",
     "Gleitringdichtung für die Pumpe P100-2021-00542", "HCP-MS-100"),
    # "<part> for <machine>, <why>": the words before "for" are what is wanted.
    ("en", "action_identify_asset", "identify_asset",
     "condenser fan 800 mm for W060-2021-00208, one has died", "HWC-FAN-800"),
    ("de", "action_start_diagnosis", "report_problem",
     "Niederdruckgeber für W060-2021-00208, der alte zeigt Unsinn", "HWC-PT-L"),
    ("es", "action_handle_fallback", "nlu_fallback",
     "correas para el compresor de la planta de Burgos, serie H15S-2022-03011", "HSC-BLT-015"),
    # A question for the manuals without "how" that is only a part's name.
    ("es", "action_answer_manual", "ask_how_to",
     "presostato de alta de rearme manual para la W060-2021-00208", "HWC-HPS-415"),
    # A colloquial name from the glossary, for a part whose English name lacks the term
    # ("Coupling elastomer element"; the Greek name has "συνδέσμου αξόνων").
    ("el", "action_answer_spare_part", "ask_spare_part",
     "Λαστιχάκι κόπλερ για την P050-2019-00988, το έχετε;", "HCP-CPL-050"),
    # For a chiller, "pump" names a part, not the machine.
    ("fr", "action_answer_spare_part", "ask_spare_part",
     "Pompe d'eau glacée de rechange pour le W020-2022-00098, délai ?", "HWC-PMP-020"),
    # The container is not the part; a count, a Greek message without accents, a short form.
    ("fr", "action_identify_asset", "identify_asset",
     "3 bidons de glycol inhibé pour le W020-2022-00145", "HWC-GLY-020"),
    ("el", "action_handle_fallback", "nlu_fallback",
     "θελω 2 φιλτρα λαδιου για το H37S-2020-00877", "HSC-OF-037"),
    ("en", "action_identify_asset", "identify_asset",
     "mech seal 35 mm for P100-2021-00542", "HCP-MS-100"),
    # A Greek loanword read in Latin letters ("σεπαρατέρ": separator).
    ("el", "action_answer_spare_part", "ask_spare_part",
     "Το σεπαρατέρ για τον H37S-2020-00877 πόσο κάνει;", "HSC-SE-037"),
    # An order that NLU heard as a contract question (the serial).
    ("de", "action_answer_contract", "ask_contract",
     "Wir bräuchten das Magnetventil 24 V für H15S-2018-02290", "HSC-SOL-024"),
    # The head noun of a compound inside the name's ("Keilriemen" / "Antriebsriemensatz"),
    # and a colloquial name from the glossary ("Luftfilter": the intake filter).
    ("de", "action_answer_spare_part", "ask_spare_part",
     "Was kostet ein Keilriemen für H15S-2018-02290?", "HSC-BLT-015"),
    ("de", "action_answer_spare_part", "ask_spare_part",
     "Luftfilter für den H15S-2018-02290 bitte", "HSC-AF-015"),
])
def test_a_message_that_names_only_a_part_gets_the_part(deps, language, action, intent,
                                                        text, part):
    chat = Chat(Controller(deps), language=language)
    out = chat.send(action, intent, text, ranking=[(intent, 0.6)])
    assert "diagnosis_question" not in kinds(out)
    assert custom_of(out, "spare_part")["part_numbers"][0] == part


@pytest.mark.parametrize(("language", "text"), [
    ("de", "Was kostet ein Wartungsvertrag Premium für den H37S-2022-01580?"),
    ("en", "Is the separator element covered by the warranty on H37S-2022-01580? Price?"),
])
def test_a_contract_question_naming_a_price_stays_a_contract_question(deps, language, text):
    chat = Chat(Controller(deps), language=language, verified_customer="CUST-005")
    out = chat.send("action_answer_contract", "ask_contract", text, ranking=[("ask_contract", 0.7)])
    assert "spare_part" not in kinds(out)
    assert "contract" in kinds(out)


@pytest.mark.parametrize("text", [
    "the mechanical seal of the pump is leaking badly",
    "How often is the mechanical seal of the pump replaced?",
    "How do I replace the mechanical seal on the pump?",
])
def test_a_fault_or_a_question_naming_a_part_is_no_order(chat, text):
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_start_diagnosis", "report_problem", text)
    assert "spare_part" not in kinds(out)


def test_what_a_maintenance_task_consists_of_gets_its_section(chat):
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_answer_maintenance", "ask_maintenance",
                    "What do we check in the monthly inspection?")
    assert custom_of(out, "manual_answer")["section_id"].startswith("hcp.maint.")
    out = chat.send("action_answer_maintenance", "ask_maintenance",
                    "How often is the oil filter changed?")
    assert "maintenance" in kinds(out), "an interval question gets the schedule"


def test_a_part_asked_for_by_its_colloquial_name_and_not_its_neighbour(deps):
    chat = Chat(Controller(deps), language="es")
    out = chat.send("action_answer_spare_part", "ask_spare_part",
                    "Quiero pedir un rodete nuevo para la P100-2020-00315")
    assert custom_of(out, "spare_part")["part_numbers"][0] == "HCP-IMP-100"  # glossary
    out = chat.send("action_answer_spare_part", "ask_spare_part",
                    "Solo la bobina de la válvula de expansión, sin el cuerpo, para una HWC-60")
    assert custom_of(out, "spare_part")["part_numbers"][0] == "HWC-EXVC-01"


@pytest.mark.parametrize(("language", "text", "part"), [
    # A compound names the part whose name it holds most of ("Filtereinsatz"), not any filter.
    ("de", "Luftfiltereinsatz für H37S-2021-01033 bitte, Preis?", "HSC-AF-037"),
    # The word itself ("Lageröl") names a part better than one that begins alike
    # ("Lagersatz"); "5 Liter" says how much, not which part.
    ("de", "Brauch Lageröl für die P150-2020-00101, 5 Liter.", "HCP-OIL-068"),
    # What the customer does not want counts against the part whose own name it is.
    ("en", "just the EXV coil, not the whole valve, for W120-2022-00031", "HWC-EXVC-01"),
    # Equal matches: the rarer word tells ("separator", not any "cartridge").
    ("en", "Do you have separator cartridges for the HSC-75 in stock?", "HSC-SE-075"),
    # A rating with its unit, written the local way.
    ("el", "Πόσο κοστίζει η βαλβίδα ασφαλείας των 14,5 bar για το H75S-2021-00119;",
     "HSC-SV-145"),
    ("de", "Sicherheitsventil für unseren HSC-37 in der 10-bar-Ausführung", "HSC-SV-110"),
])
def test_the_part_named_most_precisely_comes_first(deps, language, text, part):
    chat = Chat(Controller(deps), language=language)
    out = chat.send("action_answer_spare_part", "ask_spare_part", text)
    assert custom_of(out, "spare_part")["part_numbers"][0] == part


def test_a_how_to_question_about_a_maintenance_task_also_gets_its_interval(chat):
    """ "How do I regrease the bearings?" answered from a fault's remedy gets the task's line
    of the schedule too (how often, what else); one answered by the task's own section says
    it there; a procedure of no task gets no such line."""
    out = chat.send("action_answer_manual", "ask_how_to",
                    f"How do I regrease the bearings on {PUMP}?")
    answer = custom_of(out, "manual_answer")
    schedule = say("task_interval", "en", task="")
    if answer["section_id"].startswith("hcp.maint."):
        assert schedule not in text_of(out)
    else:
        assert schedule in text_of(out) and "2000 h" in text_of(out)
    out = chat.send("action_answer_manual", "ask_how_to",
                    f"The motor turns the wrong way after rewiring {PUMP}, how do I fix it?")
    assert say("task_interval", "en", task="") not in text_of(out)


@pytest.mark.parametrize(("language", "text"), [
    ("en", "Chiller W060-2021-00207 isn't reaching setpoint, water leaving at 14 °C instead of 10"),
    ("es", "La enfriadora no llega a temperatura, el agua sale a 12 °C con la consigna en 7"),
])
def test_a_fault_reported_with_its_reading_starts_the_diagnosis(deps, language, text):
    """NLU hears a reading; nothing was asked, so it is a report of a fault, not an answer.
    A bare reading with nothing asked still gets "how can I help?"."""
    chat = Chat(Controller(deps), language=language)
    out = chat.send("action_handle_answer", "provide_reading", text)
    # The diagnosis starts: its first question, or which machine it is (the chiller named
    # without a serial).
    assert "diagnosis_question" in kinds(out) or chat.slots.get("awaiting") == "asset"
    assert text_of(out) != say("how_can_i_help", language)
    out = Chat(Controller(deps), language=language).send(
        "action_handle_answer", "provide_reading", "6,5 bar")
    assert text_of(out) == say("how_can_i_help", language)


@pytest.mark.parametrize(("language", "text", "part"), [
    ("en", "bearing set for P150-2019-00078, radial and thrust", "HCP-BRG-150"),
    ("de", "Lageröl für die P150-2020-00101, brauchen so 4 Liter", "HCP-OIL-068"),
    ("fr", "garniture 35 mm pour la P100-2023-01402, dispo à Annecy ?", "HCP-MS-100"),
    # Sending asked for, a plural, a compound with the catalogue name's head noun.
    ("en", "two drive belts for H15S-2018-02290, how fast can you ship them", "HSC-BLT-015"),
    ("de", "Keilriemensatz für H15S-2018-02290, bitte zusenden", "HSC-BLT-015"),
    ("de", "Abscheiderpatrone für die H37S-2020-00877, bitte eine neue", "HSC-SE-037"),
])
def test_a_part_order_heard_as_a_visit_gets_the_part(deps, language, text, part):
    """NLU hears a booking; the message names a part and asks for no one to come."""
    chat = Chat(Controller(deps), language=language)
    out = chat.send("action_book_visit", "book_service_visit", text)
    assert custom_of(out, "spare_part")["part_numbers"][0] == part
    visit = {"en": "we need a technician to replace the bearing set on P150-2019-00078",
             "de": "Bitte schickt einen Techniker, der das Lageröl an der P150-2020-00101 wechselt",
             "fr": "il nous faut un technicien pour changer la garniture de la P100-2023-01402"}
    out = Chat(Controller(deps), language=language).send(
        "action_book_visit", "book_service_visit", visit[language])
    assert "spare_part" not in kinds(out)


@pytest.mark.parametrize(("language", "text"), [
    ("en", "suction strainer basket cleaning on P100-2021-00542, steps please"),
    ("es", "¿Hace falta despresurizar el depósito separador del H37S-2020-00877 antes de "
           "rellenar aceite?"),
])
def test_a_question_for_the_manuals_that_names_a_part_is_no_order(deps, language, text):
    chat = Chat(Controller(deps), language=language)
    out = chat.send("action_answer_manual", "ask_how_to", text)
    assert "spare_part" not in kinds(out)


def test_what_to_check_after_a_code_gets_the_manual_and_after_a_symptom_the_diagnosis(chat):
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_start_diagnosis", "report_error_code",
                    "It shows F002 every time it stops, what do I check?")
    assert "manual_answer" in kinds(out) and "diagnosis_question" not in kinds(out)
    out = Chat(chat.controller, sender="conv-test-2").send(
        "action_start_diagnosis", "report_problem",
        f"{PUMP} makes a grinding noise, what do I check?")
    assert "manual_answer" not in kinds(out)


def test_a_reading_with_a_how_to_question_gets_the_procedure(chat):
    """NLU hears a reading; nothing was asked, and the message asks how to do something."""
    out = chat.send("action_handle_answer", "provide_reading",
                    f"Discharge pressure on {PUMP} dropped to 2.1 bar, how do I clean the "
                    "suction strainer?")
    assert "manual_answer" in kinds(out) and "diagnosis_question" not in kinds(out)


def test_a_remedy_asked_for_a_named_condition_gets_the_manual(chat):
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_start_diagnosis", "report_problem",
                    "Sounds like gravel going through it, cavitation I guess. What do we do to "
                    "stop it?")
    assert custom_of(out, "manual_answer")["section_id"].endswith("cavitation")


def test_a_question_about_a_procedure_gets_no_safety_question(deps):
    chat = Chat(asking_always(deps))
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_urgent_safety", "urgent_safety",
                    "How do I replace the mechanical seal on the pump?")
    assert "safety_check" not in kinds(out) and "safety" not in kinds(out)
    assert "seal" in custom_of(out, "manual_answer")["section_id"]
    out = chat.send("action_start_diagnosis", "report_problem", "the motor smells hot")
    assert kinds(out) == ["safety_check"], "a report still gets the question"


def answer_first_button(chat, out):
    """Press the first button of the pending diagnosis question (as a customer would)."""
    reply = next(r for r in out.replies if (r.custom or {}).get("kind") == "diagnosis_question")
    payload = reply.buttons[0].payload  # "/affirm" or '/provide_reading{"choice":"..."}'
    if payload.startswith("/provide_reading"):
        choice = payload.split('"choice":"')[1].split('"')[0]
        return chat.send("action_handle_answer", "provide_reading",
                         entities=[{"entity": "choice", "value": choice}])
    return chat.send("action_handle_answer", payload[1:])


def test_a_hand_off_mid_diagnosis_gives_the_engineer_the_session(chat, deps):
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_start_diagnosis", "report_error_code", "my pump shows A022")
    first = custom_of(out, "diagnosis_question")["observation_id"]
    out = answer_first_button(chat, out)
    assert chat.slots["awaiting"] == "diagnosis", "the session should still be asking"
    out = chat.send("action_talk_to_human", "talk_to_human", "I want to talk to an engineer")
    custom_of(out, "ticket")
    [stored] = tickets(deps)
    diagnosis = stored.diagnosis
    assert first in diagnosis["observations"]  # the answers given so far
    assert "A022" in diagnosis["observations"].values()  # the code the customer quoted
    assert diagnosis["trace"], diagnosis  # the rules that fired, not an empty list
    confidences = [c["confidence"] for c in diagnosis["candidates"]]
    assert confidences == sorted(confidences, reverse=True) and len(set(confidences)) > 1


def hearing_nothing(deps) -> Controller:
    """A triage whose classifier never hears danger: what still takes the danger path comes
    from the knowledge pack's critical conditions."""
    trained = default_triage()
    deps.triage = Triage(trained.safety, trained.scope, trained.vocabulary,
                         Thresholds(SafetyThresholds(now=1.0, possible=1.0), 1.0, 1.0))
    return Controller(deps)


@pytest.mark.parametrize(("language", "text"), [
    ("en", "HCP-100 bearing housing at 118 °C, the paint around it is going brown"),
    ("de", "Lager der HCP-100 hat 118 Grad, die Farbe wird schon braun"),
])
def test_a_reading_over_a_critical_limit_takes_the_danger_path_with_its_action(
        deps, language, text):
    chat = Chat(hearing_nothing(deps), language=language)
    out = chat.send("action_start_diagnosis", "report_problem", text)
    assert kinds(out)[0] == "safety"
    kb = deps.diagnoser.kb
    fam = kb.families["centrifugal_process_pump"]
    action = Texts(kb, fam, language).critical_action(fam.critical["cc_hcp_bearing_overtemp"])
    assert action in out.replies[0].text
    assert custom_of(out, "ticket")["priority"] == "P1"


def test_the_same_reading_under_its_limit_goes_to_the_diagnosis(deps):
    chat = Chat(hearing_nothing(deps))
    out = chat.send("action_start_diagnosis", "report_problem",
                    "HCP-100 bearing housing at 78 °C, is that normal?")
    assert "safety" not in kinds(out) and "ticket" not in kinds(out)


def test_a_code_the_pack_calls_critical_escalates_through_its_flow(deps):
    chat = Chat(hearing_nothing(deps))
    out = chat.send("action_start_diagnosis", "report_error_code",
                    "W060-2021-00207 shows AL140")
    assert "safety" in kinds(out)
    assert custom_of(out, "ticket")["priority"] == "P1"


def test_a_critical_code_makes_a_possible_danger_a_danger_now(deps):
    chat = Chat(asking_always(deps))
    out = chat.send("action_start_diagnosis", "report_error_code",
                    "AL140 on the chiller and two people feel dizzy")
    assert kinds(out)[0] == "safety"
    assert custom_of(out, "ticket")["priority"] == "P1"


def test_the_answer_to_a_question_gets_no_safety_question(deps):
    chat = Chat(hearing_nothing(deps))
    chat.send("action_identify_asset", "identify_asset", PUMP)
    chat.send("action_start_diagnosis", "report_problem", "the pump is noisy")
    assert chat.slots.get("awaiting") == "diagnosis"
    chat.controller = asking_always(deps)  # now every message sounds possibly dangerous
    out = chat.send("action_handle_answer", "provide_reading", "it sounds like gravel")
    assert "safety_check" not in kinds(out)


@pytest.mark.parametrize(("language", "text", "part"), [
    ("en", "I need the 14.5 bar safety valve for the HSC-37", "HSC-SV-145"),
    ("fr", "Cartouche de graisse pour les paliers de la P050-2018-00402", "HCP-GRS-400"),
])
def test_an_order_of_a_part_gets_no_safety_question(deps, language, text, part):
    chat = Chat(asking_always(deps), language=language)
    out = chat.send("action_answer_spare_part", "ask_spare_part", text)
    assert "safety_check" not in kinds(out)
    assert custom_of(out, "spare_part")["part_numbers"][0] == part


def test_a_likely_danger_that_shares_a_parts_words_is_no_order_without_a_machine(deps):
    """Words of a part's name ("low pressure transducer ... bar": "presión", "baja", "bar")
    in a report that names no machine do not make it an order; naming the machine does."""
    report = "le doy a parar y el compresor sigue en carga, la presión ya pasa de 14 bar y no baja"
    out = Chat(likely_always(deps), language="es").send(
        "action_answer_spare_part", "ask_spare_part", report)
    assert kinds(out)[:2] == ["safety", "safety_check"]
    out = Chat(likely_always(deps)).send(
        "action_answer_spare_part", "ask_spare_part",
        "bearing set for P150-2019-00078, radial and thrust")
    assert "safety" not in kinds(out)
    assert custom_of(out, "spare_part")["part_numbers"][0] == "HCP-BRG-150"


def test_an_order_that_nlu_takes_for_an_emergency_gets_the_part_not_a_p1(deps):
    """NLU hears danger, the triage does not, and the message orders a part: the part, with
    neither the safety reply nor an urgent ticket (the emergency's own step is not taken)."""
    chat = Chat(hearing_nothing(deps))
    out = chat.send("action_urgent_safety", "urgent_safety",
                    "I need the 14.5 bar safety valve for the HSC-37")
    assert "safety" not in kinds(out) and "ticket" not in kinds(out)
    assert custom_of(out, "spare_part")["part_numbers"][0] == "HSC-SV-145"
    assert tickets(deps) == []


def test_an_answer_that_nlu_takes_for_an_emergency_stays_an_answer(deps):
    chat = Chat(hearing_nothing(deps))
    chat.send("action_identify_asset", "identify_asset", PUMP)
    chat.send("action_start_diagnosis", "report_problem", "the pump is noisy")
    assert chat.slots.get("awaiting") == "diagnosis"
    out = chat.send("action_urgent_safety", "urgent_safety", "it sounds like gravel")
    assert "safety" not in kinds(out) and tickets(deps) == []


@pytest.mark.parametrize(("language", "text", "task"), [
    ("en", "cleaning the suction strainer on P100-2021-00542, what's the sequence?",
     "mt_hcp_2000h"),
    ("de", "Lageröl wechseln an der P150-2020-00101 – wie oft und welche Sorte?", "mt_hcp_8000h"),
    ("en", "what should our operator check every day on the HCP-100?", "mt_hcp_daily"),
])
def test_a_question_about_one_maintenance_task_gets_its_section(deps, language, text,
                                                                 task):
    chat = Chat(Controller(deps), language=language)
    out = chat.send("action_answer_maintenance", "ask_maintenance", text)
    assert custom_of(out, "manual_answer")["section_id"] == f"hcp.maint.{task}"
    assert "feedback_request" in kinds(out)


def test_a_question_about_the_whole_schedule_gets_the_schedule(chat):
    out = chat.send("action_answer_maintenance", "ask_maintenance",
                    "what maintenance does the HCP-100 need?")
    assert kinds(out) == ["maintenance"]


def likely_always(deps) -> Controller:
    """A triage that gives every message the safety instruction and asks before the ticket."""
    trained = default_triage()
    deps.triage = Triage(trained.safety, trained.scope, trained.vocabulary,
                         Thresholds(SafetyThresholds(now=0.0, possible=0.0, sure=1.0),
                                    1.0, 1.0))
    return Controller(deps)


@pytest.mark.parametrize("language", sorted(SMOKE))
def test_a_likely_danger_gets_the_instruction_then_the_ticket_once_confirmed(deps,
                                                                            language):
    chat = Chat(likely_always(deps), language=language)
    out = chat.send("action_start_diagnosis", "report_problem", SMOKE[language])
    assert kinds(out) == ["safety", "safety_check"]
    assert not tickets(deps), "no urgent ticket before the customer confirms"
    out = chat.send("action_handle_answer", "affirm", "/affirm")
    assert "safety" not in kinds(out), "the instruction is not repeated"
    assert custom_of(out, "ticket")["priority"] == "P1"
    [stored] = tickets(deps)
    assert stored.priority == "P1"


def test_a_likely_danger_denied_goes_on_to_its_own_flow(deps):
    chat = Chat(likely_always(deps))
    chat.send("action_start_diagnosis", "report_problem",
              f"{PUMP} the pump is very loud since this morning")
    out = chat.send("action_handle_answer", "deny", "/deny")
    assert not tickets(deps)
    assert "diagnosis_question" in kinds(out) or "manual_answer" in kinds(out)
