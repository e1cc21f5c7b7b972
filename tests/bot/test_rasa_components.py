"""The project's code that runs inside the Rasa server, tested in Rasa's own environment
(Python 3.9/3.10, its scikit-learn and jsonschema): the n-gram intent model and its Rasa
component, and the action-response validation speed-up."""

from __future__ import annotations

import json
import subprocess
import textwrap

from core.settings import PROJECT_ROOT
from launcher.model import rasa_env
from tests.conftest import RASA_PY, requires_rasa_env


def run_in_rasa_env(code: str) -> dict:
    """Run `code` (which prints one JSON line last) with Rasa's interpreter."""
    proc = subprocess.run([str(RASA_PY), "-c", textwrap.dedent(code)], cwd=PROJECT_ROOT,
                          env=rasa_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@requires_rasa_env()
def test_ngram_model_learns_unseen_phrasings_and_folds_accents():
    result = run_in_rasa_env("""
        import json
        from bot.nlu.ngram_intents.model import NgramIntentModel, fold
        texts = ["hello there", "good morning", "hi", "Γεια σας", "καλημέρα",
                 "the pump leaks water", "water is leaking from the seal", "η αντλία στάζει νερό",
                 "bye", "see you", "goodbye", "αντίο"]
        intents = ["greet"] * 5 + ["report_problem"] * 3 + ["goodbye"] * 4
        model = NgramIntentModel().fit(texts, intents)
        again = NgramIntentModel.from_bytes(model.to_bytes())
        ranked = again.rank("the seal is leaking")
        print(json.dumps({
            "fold": fold("Πώς ΛΕΙΤΟΥΡΓΕΊΣ läuft"),
            "leak": ranked[0][0], "sum": sum(p for _, p in ranked),
            "greek_unaccented": again.rank("αντλια σταζει")[0][0],
            "intents": again.intents,
        }))
    """)
    assert result["fold"] == "πωσ λειτουργεισ lauft"
    assert result["leak"] == "report_problem"
    assert abs(result["sum"] - 1.0) < 1e-6
    assert result["greek_unaccented"] == "report_problem"
    assert result["intents"] == ["goodbye", "greet", "report_problem"]


@requires_rasa_env()
def test_ngram_classifier_blends_diet_ranking_and_sets_the_intent():
    result = run_in_rasa_env("""
        import json
        from bot.nlu.ngram_intents.component import blend
        own = [("greet", 0.6), ("goodbye", 0.4)]
        diet = [{"name": "goodbye", "confidence": 1.0}]
        print(json.dumps({
            "blended": blend(own, diet, 0.5),
            "own_only": blend(own, diet, 1.0),
            "no_diet": blend(own, [], 0.5),
        }))
    """)
    assert result["blended"] == [["goodbye", 0.7], ["greet", 0.3]]
    assert result["own_only"] == [["greet", 0.6], ["goodbye", 0.4]]
    assert result["no_diet"] == [["greet", 0.6], ["goodbye", 0.4]]


@requires_rasa_env()
def test_trained_components_store_their_state_and_load_it_back(tmp_path):
    """Train the three project components on a little data, load each from the model storage
    as the server does, and parse; a model without the state file loads with the part off."""
    result = run_in_rasa_env(f"""
        import json
        from pathlib import Path
        from rasa.engine.graph import ExecutionContext, GraphSchema
        from rasa.engine.storage.local_model_storage import LocalModelStorage
        from rasa.engine.storage.resource import Resource
        from rasa.shared.nlu.training_data.message import Message
        from rasa.shared.nlu.training_data.training_data import TrainingData
        from bot.nlu.language.component import LanguageDetector
        from bot.nlu.ngram_intents.component import NgramIntentClassifier
        from bot.nlu.vocabulary.component import VocabularyGuard
        storage = LocalModelStorage(Path({str(tmp_path)!r}))
        context = ExecutionContext(GraphSchema({{}}), "test")
        rows = [("hello", "greet", "en"), ("hi there", "greet", "en"),
                ("good morning", "greet", "en"), ("my pump is broken", "report_problem", "en"),
                ("the pump makes noise", "report_problem", "en"),
                ("die Pumpe ist kaputt", "report_problem", "de"),
                ("guten Morgen zusammen", "greet", "de")]
        data = TrainingData([Message.build(text=t, intent=i, intent_metadata={{"language": l}})
                             for t, i, l in rows])
        def trained(cls, name, **config):
            config = {{**cls.get_default_config(), **config}}
            resource = Resource(name)
            cls.create(config, storage, resource, context).train(data)
            return cls.load(config, storage, resource, context)
        language = trained(LanguageDetector, "language")
        classifier = trained(NgramIntentClassifier, "ngram", weight=1.0)
        guard = trained(VocabularyGuard, "guard")
        def parse(text):
            message = Message.build(text=text)
            for component in (language, classifier, guard):
                component.process([message])
            return message
        known, unknown, empty = parse("pump broken again"), parse("xqzv wplk"), parse("")
        missing = NgramIntentClassifier.load(NgramIntentClassifier.get_default_config(),
                                             storage, Resource("never_trained"), context)
        untouched = Message.build(text="hello")
        untouched.set("intent", {{"name": "greet", "confidence": 0.9}})
        missing.process([untouched])
        print(json.dumps({{
            "intent": known.get("intent"), "ranking": known.get("intent_ranking"),
            "language": known.get("language"),
            "unknown": unknown.get("intent"), "share": unknown.get("known_word_share"),
            "empty": empty.get("intent"), "missing": untouched.get("intent")}}))
    """)
    assert result["intent"]["name"] == "report_problem"
    assert result["intent"]["confidence"] == result["ranking"][0]["confidence"] > 0.5
    assert [r["name"] for r in result["ranking"]] == ["report_problem", "greet"]
    assert result["language"]["code"] == "en"
    assert result["unknown"]["confidence"] == 0.0 and result["share"] == 0.0
    assert result["empty"] is None
    assert result["missing"] == {"name": "greet", "confidence": 0.9}


@requires_rasa_env()
def test_action_response_validation_is_cached_and_still_rejects_bad_responses():
    result = run_in_rasa_env("""
        import json
        import jsonschema
        import bot.channels.rest  # applies the speed-up, as the Rasa server does
        from bot import rasa_speedups
        from rasa.core.actions.action import RemoteAction
        action = RemoteAction("action_x", None)
        ok = action._validate_action_result(
            {"events": [{"event": "slot", "name": "a", "value": 1}], "responses": [{"text": "hi"}]})
        try:
            action._validate_action_result({"events": [{"event": "no_such_event"}]})
            error = None
        except jsonschema.ValidationError as exc:
            error = exc.message
        print(json.dumps({"patched": getattr(RemoteAction, rasa_speedups._MARK, None) is not None,
                          "again": rasa_speedups.apply(), "ok": ok, "error": error}))
    """)
    assert result["patched"] and result["again"] and result["ok"] is True
    assert result["error"] and "Failed to validate Action server response" in result["error"]
